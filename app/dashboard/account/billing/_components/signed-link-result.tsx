"use client";

import { useEffect } from "react";
import type { ActionResult } from "@/lib/auth/action";

/**
 * What a "Copy link" action answered: the signed link, copied to the clipboard when the
 * browser allows it and shown to copy by hand too (selected on focus), or why none was made.
 */
export function SignedLinkResult({ result, label, className = "" }: { result: ActionResult | null; label: string; className?: string }) {
  useEffect(() => {
    if (result?.ok && result.href) void navigator.clipboard?.writeText(result.href).catch(() => undefined);
  }, [result]);
  if (!result) return null;
  return (
    <div role={result.ok ? "status" : "alert"} className={`w-full text-xs ${result.ok ? "text-slate-700" : "text-red-800"} ${className}`}>
      {result.ok ? result.message : result.error}
      {result.ok && result.href ? (
        <input
          readOnly
          aria-label={label}
          value={result.href}
          onFocus={(event) => event.currentTarget.select()}
          className="mt-1 min-h-11 w-full rounded border border-slate-300 px-2 font-mono"
        />
      ) : null}
    </div>
  );
}
