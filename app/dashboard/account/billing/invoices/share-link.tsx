"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "@/lib/auth/action";
import { SignedLinkResult } from "../_components/signed-link-result";
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
  return (
    <form action={action} className={`flex flex-col items-start gap-1 md:items-end ${result ? "w-full" : ""}`}>
      <input type="hidden" name="invoiceId" value={invoiceId} />
      <CopyButton number={number} />
      <SignedLinkResult result={result} label={`Link to ${number}`} className="md:max-w-64" />
    </form>
  );
}
