"use client";

import { useActionState, useEffect } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "@/lib/auth/action";
import { createDocumentLink } from "./actions";

function CopyButton({ number }: { number: string }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} className="min-h-11 text-sm text-indigo-700 underline disabled:opacity-60">
      {pending ? "Making link…" : "Copy link"}
      <span className="sr-only"> to {number}</span>
    </button>
  );
}

/** Makes a signed link to one document's PDF, copies it, and shows it to copy by hand too. */
export function ShareLinkForm({ invoiceId, number }: { invoiceId: string; number: string }) {
  const [result, action] = useActionState<ActionResult | null, FormData>(createDocumentLink, null);
  useEffect(() => {
    if (result?.ok && result.href) void navigator.clipboard?.writeText(result.href).catch(() => undefined);
  }, [result]);
  return (
    <form action={action} className={`flex flex-col items-start gap-1 md:items-end ${result ? "w-full" : ""}`}>
      <input type="hidden" name="invoiceId" value={invoiceId} />
      <CopyButton number={number} />
      {result ? (
        <div role={result.ok ? "status" : "alert"} className={`w-full text-xs md:max-w-64 ${result.ok ? "text-slate-700" : "text-red-800"}`}>
          {result.ok ? result.message : result.error}
          {result.ok && result.href ? (
            <input
              readOnly
              aria-label={`Link to ${number}`}
              value={result.href}
              onFocus={(event) => event.currentTarget.select()}
              className="mt-1 min-h-11 w-full rounded border border-slate-300 px-2 font-mono"
            />
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
