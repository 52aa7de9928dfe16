"use client";

import { useActionState, useState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { completeSandboxAuthentication } from "../actions";
import { ResultMessage } from "./form-parts";

/** The sandbox's stand-in for the bank's 3-D Secure page. */
export function SandboxAuthenticateForm({ attemptId }: { attemptId: string }) {
  const [result, action, pending] = useActionState<ActionResult | null, FormData>(completeSandboxAuthentication, null);
  return (
    <form action={action} className="space-y-4">
      <input type="hidden" name="attemptId" value={attemptId} />
      <div className="flex gap-3">
        <button name="decision" value="approve" disabled={pending} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white disabled:opacity-60">
          Confirm payment
        </button>
        <button name="decision" value="decline" disabled={pending} className="rounded-md px-4 py-2 text-sm ring-1 ring-slate-300">
          Cancel
        </button>
      </div>
      <ResultMessage result={result} follow />
    </form>
  );
}

/** Stripe.js asks the bank to confirm the payment; the webhook adds the credit after. */
export function StripeAuthenticate({ publishableKey, clientSecret }: { publishableKey: string; clientSecret: string }) {
  const [state, setState] = useState<"idle" | "working" | "done" | string>("idle");
  const confirm = () => {
    setState("working");
    const script = document.createElement("script");
    script.src = "https://js.stripe.com/v3";
    script.onload = async () => {
      const stripe = (window as unknown as { Stripe: (key: string) => { confirmCardPayment(secret: string): Promise<{ error?: { message?: string } }> } }).Stripe(publishableKey);
      const result = await stripe.confirmCardPayment(clientSecret);
      setState(result.error ? (result.error.message ?? "The bank did not confirm the payment.") : "done");
    };
    script.onerror = () => setState("Stripe could not be loaded. Check your connection and try again.");
    document.head.appendChild(script);
  };
  return (
    <div className="space-y-3">
      <button type="button" onClick={confirm} disabled={state === "working" || state === "done"} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white disabled:opacity-60">
        Confirm with your bank
      </button>
      {state === "done" ? <p role="status">Confirmed. The credit appears on the billing page in a moment.</p> : null}
      {state !== "idle" && state !== "working" && state !== "done" ? <p role="alert" className="text-red-700">{state}</p> : null}
    </div>
  );
}
