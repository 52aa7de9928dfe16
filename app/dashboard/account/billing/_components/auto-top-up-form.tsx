"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { saveAutoTopUp } from "../actions";
import { describedBy, FieldError, ResultMessage, SubmitButton } from "./form-parts";

export interface AutoTopUpValues {
  enabled: boolean;
  threshold: string;
  amount: string;
  monthlyCap: string;
}

export function AutoTopUpForm({ initial, currency, bounds }: { initial: AutoTopUpValues; currency: string; bounds: Record<string, string> }) {
  const [result, action] = useActionState<ActionResult | null, FormData>(saveAutoTopUp, null);
  const value = (name: keyof AutoTopUpValues) =>
    result && !result.ok && result.values ? (result.values[name] ?? "") : String(initial[name]);
  const enabled = result && !result.ok && result.values ? result.values.enabled === "on" : initial.enabled;
  const field = (name: "threshold" | "amount" | "monthlyCap", label: string, hint: string) => (
    <div>
      <label htmlFor={name} className="block text-sm font-medium text-slate-900">
        {label} ({currency})
      </label>
      <p className="text-xs text-slate-500">{hint}</p>
      <input
        id={name}
        name={name}
        inputMode="decimal"
        defaultValue={value(name)}
        className="mt-1 w-40 rounded-md border border-slate-300 px-3 py-1.5"
        {...describedBy(result, name)}
      />
      <FieldError result={result} name={name} />
    </div>
  );
  return (
    <form action={action} className="space-y-5" key={JSON.stringify(result)}>
      <label className="flex items-center gap-2 text-sm font-medium text-slate-900">
        <input type="checkbox" name="enabled" defaultChecked={enabled} className="h-4 w-4" />
        Top up automatically
      </label>
      {field("threshold", "When the balance drops below", bounds.threshold!)}
      {field("amount", "Add", bounds.amount!)}
      {field("monthlyCap", "At most per month (optional)", bounds.monthlyCap!)}
      <SubmitButton pendingLabel="Saving…">Save auto top-up</SubmitButton>
      <ResultMessage result={result} follow />
    </form>
  );
}
