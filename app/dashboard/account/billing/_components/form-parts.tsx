"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "@/lib/auth/action";

/**
 * The idempotency key of a form that charges: made once, kept while the outcome of what was
 * sent with it is unknown (a retry must find the same request), and renewed only when an
 * answer says that request is over.
 */
export function useIdempotencyKey(result: ActionResult | null): string {
  const [key, setKey] = useState(() => crypto.randomUUID());
  useEffect(() => {
    if (result?.outcome === "known") setKey(crypto.randomUUID());
  }, [result]);
  return key;
}

export function FieldError({ result, name }: { result: ActionResult | null; name: string }) {
  const message = result && !result.ok ? result.fieldErrors?.[name] : undefined;
  if (!message) return null;
  return (
    <p id={`${name}-error`} className="mt-1 text-sm text-red-700">
      {message}
    </p>
  );
}

/** A text input or select; red when its value was refused (aria-invalid). */
export const FIELD =
  "mt-1 rounded-md border border-slate-300 px-3 py-1.5 aria-[invalid=true]:border-red-600 aria-[invalid=true]:ring-1 aria-[invalid=true]:ring-red-600";

/**
 * Props that mark an input refused and tie it to its error message (and its hint, when it
 * has one, with the id `${name}-hint`) for screen readers.
 */
export function describedBy(result: ActionResult | null, name: string, { hint = false } = {}) {
  const invalid = !!(result && !result.ok && result.fieldErrors?.[name]);
  const ids = [hint ? `${name}-hint` : null, invalid ? `${name}-error` : null].filter(Boolean);
  return { "aria-invalid": invalid || undefined, "aria-describedby": ids.length ? ids.join(" ") : undefined };
}

/** The submit button; `pending` for a form that sends itself (no form action to watch). */
export function SubmitButton({ children, pendingLabel, pending: sending }: { children: React.ReactNode; pendingLabel: string; pending?: boolean }) {
  const status = useFormStatus();
  const pending = sending ?? status.pending;
  return (
    <button
      type="submit"
      disabled={pending}
      className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
    >
      {pending ? pendingLabel : children}
    </button>
  );
}

/** The outcome of an action, in words; follows the action's link when it gives one. */
export function ResultMessage({ result, follow = false }: { result: ActionResult | null; follow?: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (follow && result?.ok && result.href && result.status !== "requires_action") router.push(result.href);
  }, [follow, result, router]);
  if (!result) return null;
  if (!result.ok) {
    return (
      <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200">
        {result.error}
      </p>
    );
  }
  return (
    <div role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 ring-1 ring-emerald-200">
      <p>{result.message}</p>
      {result.status === "requires_action" && result.href ? (
        <a href={result.href} className="mt-2 inline-block font-semibold underline">
          Confirm with your bank
        </a>
      ) : null}
    </div>
  );
}
