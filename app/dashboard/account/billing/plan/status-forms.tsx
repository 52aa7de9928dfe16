"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { describedBy, FIELD, FieldError, ResultMessage, SubmitButton } from "../_components/form-parts";
import { cancelPlan, resumePlan, undoPlanChange } from "./actions";

/** One button that undoes the change scheduled for the renewal. */
export function UndoForm() {
  const [result, action] = useActionState<ActionResult | null, FormData>(undoPlanChange, null);
  return (
    <form action={action} className="space-y-2">
      <SubmitButton pendingLabel="Undoing…">Undo scheduled change</SubmitButton>
      <ResultMessage result={result} />
    </form>
  );
}

export function ResumeForm() {
  const [result, action] = useActionState<ActionResult | null, FormData>(resumePlan, null);
  return (
    <form action={action} className="space-y-2">
      <SubmitButton pendingLabel="Resuming…">Resume subscription</SubmitButton>
      <ResultMessage result={result} />
    </form>
  );
}

export function CancelForm({ reasons }: { reasons: [string, string][] }) {
  const [result, action] = useActionState<ActionResult | null, FormData>(cancelPlan, null);
  const typed = result && !result.ok ? result.values : undefined;
  return (
    <form action={action} className="space-y-3">
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Why are you canceling?</legend>
        <div className="mt-2 space-y-1">
          {reasons.map(([value, label]) => (
            <label key={value} className="flex min-h-11 items-center gap-2 text-sm">
              <input type="radio" name="reason" value={value} defaultChecked={typed?.reason === value} className="size-5" {...describedBy(result, "reason")} />
              {label}
            </label>
          ))}
        </div>
        <FieldError result={result} name="reason" />
      </fieldset>
      <div>
        <label htmlFor="details" className="block text-sm font-medium text-slate-900">
          Anything else? <span className="font-normal text-slate-600">(needed for “Another reason”)</span>
        </label>
        <textarea id="details" name="details" rows={3} maxLength={500} defaultValue={typed?.details ?? ""} className={`${FIELD} w-full`} {...describedBy(result, "details")} />
        <FieldError result={result} name="details" />
      </div>
      <button type="submit" className="min-h-11 rounded-md bg-white px-4 text-sm font-semibold text-red-800 ring-1 ring-red-300 hover:bg-red-50">
        Cancel at the end of the period
      </button>
      <ResultMessage result={result} />
    </form>
  );
}
