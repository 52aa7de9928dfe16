"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { saveLowBalanceAlertAction } from "../notifications/actions";
import { describedBy, FIELD, FieldError, ResultMessage, SubmitButton } from "./form-parts";

export function LowBalanceForm({ initial, currency, hint }: { initial: string; currency: string; hint: string }) {
  const [result, action] = useActionState<ActionResult | null, FormData>(saveLowBalanceAlertAction, null);
  const value = result && !result.ok ? (result.values?.lowBalanceThreshold ?? initial) : initial;
  return (
    <form action={action} className="space-y-4" key={JSON.stringify(result)} noValidate>
      <div>
        <label htmlFor="lowBalanceThreshold" className="block text-sm font-medium text-slate-900">
          Email when the balance drops below ({currency})
        </label>
        <p id="lowBalanceThreshold-hint" className="text-xs text-slate-500">
          {hint}
        </p>
        <input
          id="lowBalanceThreshold"
          name="lowBalanceThreshold"
          inputMode="decimal"
          autoComplete="off"
          defaultValue={value}
          className={`${FIELD} w-40`}
          {...describedBy(result, "lowBalanceThreshold", { hint: true })}
        />
        <FieldError result={result} name="lowBalanceThreshold" />
      </div>
      <SubmitButton pendingLabel="Saving…">Save alert</SubmitButton>
      <ResultMessage result={result} />
    </form>
  );
}
