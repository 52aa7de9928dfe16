"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { saveAutoTopUp } from "../actions";
import { describedBy, FIELD, FieldError, ResultMessage, SubmitButton } from "./form-parts";

export interface AutoTopUpValues {
  enabled: boolean;
  threshold: string;
  amount: string;
  monthlyCap: string;
}

type AmountField = "threshold" | "amount" | "monthlyCap";

export function AutoTopUpForm({ initial, currency, bounds }: { initial: AutoTopUpValues; currency: string; bounds: Record<AmountField, string> }) {
  const [result, action] = useActionState<ActionResult | null, FormData>(saveAutoTopUp, null);
  // What the admin typed stays in the form when something is wrong.
  const typed = result && !result.ok ? result.values : undefined;
  const value = (name: AmountField) => (typed ? (typed[name] ?? "") : initial[name]);
  const enabled = typed ? typed.enabled === "on" : initial.enabled;
  const field = (name: AmountField, label: string, optional = false) => (
    <div>
      <label htmlFor={name} className="block text-sm font-medium text-slate-900">
        {label} ({currency})
        {optional ? <span className="ml-2 text-xs font-normal text-slate-500">Optional</span> : null}
      </label>
      <p id={`${name}-hint`} className="text-xs text-slate-500">
        {bounds[name]}
      </p>
      <input
        id={name}
        name={name}
        inputMode="decimal"
        autoComplete="off"
        defaultValue={value(name)}
        className={`${FIELD} w-40`}
        {...describedBy(result, name, { hint: true })}
      />
      <FieldError result={result} name={name} />
    </div>
  );
  return (
    <form action={action} className="space-y-5" key={JSON.stringify(result)} noValidate>
      <label className="flex min-h-11 items-center gap-2 text-sm font-medium text-slate-900">
        <input type="checkbox" name="enabled" defaultChecked={enabled} className="h-4 w-4" />
        Top up automatically
      </label>
      {field("threshold", "When the balance drops below")}
      {field("amount", "Add")}
      {field("monthlyCap", "At most per month", true)}
      <SubmitButton pendingLabel="Saving…">Save auto top-up</SubmitButton>
      <ResultMessage result={result} follow />
    </form>
  );
}
