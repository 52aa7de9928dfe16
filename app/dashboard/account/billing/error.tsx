"use client";

import { useEffect } from "react";

/** Shown when loading billing fails; the error itself is logged on the server. */
export default function BillingError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <main className="mx-auto max-w-7xl px-4 py-8">
      <h1 className="text-2xl font-semibold text-slate-900">Billing</h1>
      <div role="alert" className="mt-6 rounded-md bg-red-50 p-4 text-sm text-red-900 ring-1 ring-red-200">
        <p className="font-semibold">Billing could not be loaded.</p>
        <p className="mt-1">
          Nothing was changed. Try again in a moment{error.digest ? ` (reference ${error.digest})` : ""}.
        </p>
        <button type="button" onClick={reset} className="mt-3 rounded-md bg-white px-3 py-1.5 ring-1 ring-red-300">
          Try again
        </button>
      </div>
    </main>
  );
}
