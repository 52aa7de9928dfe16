"use client";

import { useActionState, useEffect } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "@/lib/auth/action";
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
  useEffect(() => {
    if (result?.ok && result.href) void navigator.clipboard?.writeText(result.href).catch(() => undefined);
  }, [result]);
  return (
    <form action={action} className="contents">
      {Object.entries(query).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <CopyButton />
      {result ? (
        <div role={result.ok ? "status" : "alert"} className={`w-full text-xs ${result.ok ? "text-slate-700" : "text-red-800"}`}>
          {result.ok ? result.message : result.error}
          {result.ok && result.href ? (
            <input
              readOnly
              aria-label="Spend export link"
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
