"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "@/lib/auth/action";
import { payInvoice } from "./actions";

function PayButton({ number }: { number: string }) {
  const { pending } = useFormStatus();
  return (
    <button
      type="submit"
      disabled={pending}
      className="min-h-11 rounded-md bg-indigo-600 px-4 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
    >
      {pending ? "Paying…" : "Pay now"}
      <span className="sr-only"> {number}</span>
    </button>
  );
}

/**
 * Pays one open invoice with the saved payment method. It stays mounted once the invoice
 * is paid (without its button), so that the answer is still shown after the list renders
 * again.
 */
export function PayNowForm({ invoiceId, number, payable }: { invoiceId: string; number: string; payable: boolean }) {
  const [result, action] = useActionState<ActionResult | null, FormData>(payInvoice, null);
  if (!payable && !result) return null;
  return (
    <form action={action} className="flex flex-col items-start gap-1 md:items-end">
      <input type="hidden" name="invoiceId" value={invoiceId} />
      {payable ? <PayButton number={number} /> : null}
      {result ? (
        <p role={result.ok ? "status" : "alert"} className={`max-w-64 text-xs ${result.ok ? "text-emerald-800" : "text-red-800"}`}>
          {result.ok ? result.message : result.error}
        </p>
      ) : null}
    </form>
  );
}
