"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { deactivate } from "./actions";

export function DeactivateButton({ userId, name }: { userId: string; name: string }) {
  const [result, action, pending] = useActionState<ActionResult | null, FormData>(deactivate, null);
  return (
    <form action={action} className="text-right">
      <input type="hidden" name="userId" value={userId} />
      <button
        type="submit"
        disabled={pending}
        aria-label={`Deactivate ${name}`}
        className="btn disabled:opacity-60"
      >
        Deactivate
      </button>
      {result && !result.ok ? (
        <p role="alert" className="mt-1 text-xs text-red-700">
          {result.error}
        </p>
      ) : null}
    </form>
  );
}
