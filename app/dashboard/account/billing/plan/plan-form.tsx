"use client";

import { useActionState, useEffect, useState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { FieldError, ResultMessage, SubmitButton, useIdempotencyKey } from "../_components/form-parts";
import { confirmPlan, previewPlan } from "./actions";

export interface PlanOption {
  code: string;
  name: string;
  features: string[];
  maxSeats: string;
  /** Price per seat, formatted, per interval. */
  price: Partial<Record<"month" | "year", string>>;
  allowedPackageCodes: string[] | null;
}

export interface PackageOption {
  id: string;
  code: string;
  name: string;
  /** "€9.00 per user a month". */
  price: string;
  countries: string;
  allowance: string;
}

const CARD = "block cursor-pointer rounded-lg p-4 ring-1 ring-slate-300 has-[:checked]:ring-2 has-[:checked]:ring-indigo-600";

/**
 * Choose the plan, billing interval and calling packages; see from the provider what the
 * change costs now and from the renewal, and when each part takes effect; then confirm.
 * The same form starts a brand-new account's first plan.
 */
export function PlanForm({
  plans,
  packages,
  current,
  starting,
  locked,
}: {
  plans: PlanOption[];
  packages: PackageOption[];
  current: { plan: string; interval: "month" | "year"; packages: string[] };
  starting: boolean;
  /** Why no change can be made now (a change is scheduled, or the subscription is canceled). */
  locked: string | null;
}) {
  const [preview, previewAction] = useActionState<ActionResult | null, FormData>(previewPlan, null);
  const [confirmed, confirmAction] = useActionState<ActionResult | null, FormData>(confirmPlan, null);
  const [plan, setPlan] = useState(current.plan);
  const [interval, setBillingInterval] = useState(current.interval);
  const [chosen, setChosen] = useState<string[]>(current.packages);
  const [previewed, setPreviewed] = useState<string | null>(null);
  const key = useIdempotencyKey(confirmed);
  // The plan changed behind the form (a change undone, resumed, made elsewhere): start from it.
  const currentKey = `${current.plan}|${current.interval}|${current.packages.join(",")}`;
  useEffect(() => {
    const [plan, interval, packages] = currentKey.split("|");
    setPlan(plan!);
    setBillingInterval(interval as "month" | "year");
    setChosen(packages ? packages.split(",") : []);
  }, [currentKey]);
  const selection = `${plan}|${interval}|${[...chosen].sort().join(",")}`;
  const previewIsCurrent = preview?.ok && previewed === selection;
  const allowed = plans.find((p) => p.code === plan)?.allowedPackageCodes ?? null;
  const toggle = (id: string, on: boolean) => setChosen((list) => (on ? [...list, id] : list.filter((x) => x !== id)));
  const fields = (
    <>
      <input type="hidden" name="plan" value={plan} />
      <input type="hidden" name="interval" value={interval} />
      <input type="hidden" name="packages" value={chosen.join(",")} />
    </>
  );
  // Once confirmed, the page behind the form changes (it may lock); the answer stays and leads on.
  if (confirmed?.ok && confirmed.outcome === "known") return <ResultMessage result={confirmed} follow />;
  if (locked) return <p className="text-sm text-slate-700">{locked}</p>;
  return (
    <div className="space-y-6">
      <form
        action={(data) => {
          setPreviewed(selection);
          previewAction(data);
        }}
        className="space-y-6"
      >
        {fields}
        <fieldset>
          <legend className="text-base font-semibold text-slate-900">Billing</legend>
          <div className="mt-2 flex flex-wrap gap-3">
            {(["month", "year"] as const).map((value) => (
              <label key={value} className="flex min-h-11 cursor-pointer items-center gap-2 rounded-md px-3 ring-1 ring-slate-300 has-[:checked]:ring-2 has-[:checked]:ring-indigo-600">
                <input type="radio" name="interval-choice" value={value} checked={interval === value} onChange={() => setBillingInterval(value)} className="size-5" />
                {value === "month" ? "Monthly" : "Yearly"}
              </label>
            ))}
          </div>
          <p className="mt-1 text-sm text-slate-600">A new billing interval starts at the renewal.</p>
          <FieldError result={preview} name="interval" />
        </fieldset>

        <fieldset>
          <legend className="text-base font-semibold text-slate-900">Plan</legend>
          <div className="mt-2 grid gap-3 md:grid-cols-2">
            {plans.map((p) => (
              <label key={p.code} className={CARD} data-testid={`plan-${p.code}`}>
                <span className="flex items-start justify-between gap-2">
                  <span className="flex items-center gap-2 text-lg font-semibold text-slate-900">
                    <input
                      type="radio"
                      name="plan-choice"
                      value={p.code}
                      checked={plan === p.code}
                      onChange={() => setPlan(p.code)}
                      className="size-5"
                      aria-labelledby={`plan-${p.code}-name`}
                      aria-describedby={`plan-${p.code}-details`}
                    />
                    <span id={`plan-${p.code}-name`}>{p.name}</span>
                  </span>
                  <span className="text-right text-sm text-slate-700">
                    <span className="block text-base font-semibold text-slate-900">{p.price[interval] ?? "—"}</span>
                    per seat a {interval}
                  </span>
                </span>
                <span id={`plan-${p.code}-details`} className="block">
                  <span className="mt-1 block text-sm text-slate-600">
                    <span className="sr-only">
                      {p.price[interval] ?? "—"} per seat a {interval}.{" "}
                    </span>
                    Up to {p.maxSeats} seats
                  </span>
                  <span className="mt-2 block space-y-1 text-sm text-slate-700">
                    {p.features.map((f) => (
                      <span key={f} className="block before:mr-2 before:content-['•']">
                        {f}
                      </span>
                    ))}
                  </span>
                </span>
              </label>
            ))}
          </div>
          <FieldError result={preview} name="plan" />
        </fieldset>

        <fieldset>
          <legend className="text-base font-semibold text-slate-900">Calling packages</legend>
          <p className="mt-1 text-sm text-slate-600">
            Per user. Added packages cover calls at once and are charged for the rest of the period; removed ones keep covering calls until the renewal.
          </p>
          <div className="mt-2 grid gap-3 md:grid-cols-2">
            {packages.map((pkg) => {
              const notInPlan = allowed !== null && !allowed.includes(pkg.code);
              return (
                <label key={pkg.id} className={CARD}>
                  <span className="flex flex-wrap items-start justify-between gap-x-2">
                    <span className="flex items-center gap-2 font-semibold text-slate-900">
                      <input
                        type="checkbox"
                        checked={chosen.includes(pkg.id)}
                        onChange={(e) => toggle(pkg.id, e.target.checked)}
                        className="size-5"
                        aria-labelledby={`package-${pkg.code}-name`}
                        aria-describedby={`package-${pkg.code}-details`}
                      />
                      <span id={`package-${pkg.code}-name`}>{pkg.name}</span>
                    </span>
                    <span className="text-right text-sm text-slate-700">{pkg.price}</span>
                  </span>
                  <span id={`package-${pkg.code}-details`} className="block">
                    <span className="mt-1 block text-sm text-slate-700">{pkg.countries}</span>
                    <span className="block text-sm text-slate-600">{pkg.allowance}</span>
                    {notInPlan ? <span className="mt-1 block text-sm text-amber-800">Not included in this plan</span> : null}
                  </span>
                </label>
              );
            })}
          </div>
          <FieldError result={preview} name="packages" />
        </fieldset>

        <SubmitButton pendingLabel="Checking the price…">{starting ? "Preview plan" : "Preview change"}</SubmitButton>
      </form>
      {/* A refusal about a field is said at the field. */}
      {preview && !preview.ok && !preview.fieldErrors ? <ResultMessage result={preview} /> : null}
      {previewIsCurrent ? (
        <form action={confirmAction} className="space-y-3 rounded-md bg-slate-50 p-4 ring-1 ring-slate-200">
          <div data-testid="plan-preview" className="space-y-1 text-sm text-slate-800">
            {preview.message.split("\n").map((line) => (
              <p key={line}>{line}</p>
            ))}
          </div>
          {fields}
          <input type="hidden" name="idempotencyKey" value={key} />
          <input type="hidden" name="pricedAt" value={preview.values?.pricedAt ?? ""} />
          <SubmitButton pendingLabel={starting ? "Starting…" : "Changing the plan…"}>{starting ? "Start plan" : "Confirm change"}</SubmitButton>
          <ResultMessage result={confirmed} follow />
        </form>
      ) : null}
    </div>
  );
}
