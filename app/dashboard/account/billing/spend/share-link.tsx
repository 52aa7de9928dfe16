"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "@/lib/auth/action";
import { SignedLinkResult } from "../_components/signed-link-result";
import { createSpendLink } from "./actions";

function CopyButton() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} className="btn disabled:opacity-60">
      {pending ? "Making link…" : "Copy CSV link"}
    </button>
  );
}

/** Makes a signed link to the export shown, for someone without a login; copies it and shows it. */
export function SpendLinkForm({ query }: { query: Record<string, string> }) {
  const [result, action] = useActionState<ActionResult | null, FormData>(createSpendLink, null);
  return (
    <form action={action} className="contents">
      {Object.entries(query).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <CopyButton />
      <SignedLinkResult result={result} label="Spend export link" />
    </form>
  );
}
