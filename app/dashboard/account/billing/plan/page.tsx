import type { Metadata } from "next";
import Link from "next/link";
import { requirePageAccess } from "@/lib/auth/access";
import { getAccount } from "@/lib/auth/account";
import { getCreditOverview } from "@/lib/credit/queries";
import { getDb } from "@/lib/db";
import { accountFormat, countryName } from "@/lib/format";
import { CANCEL_REASONS } from "@/lib/subscription/cancel";
import { countHeldNumbers, getPlanCatalog, getPlanState } from "@/lib/subscription/plan-catalog";
import { scheduledWords } from "@/lib/subscription/plan-change";
import { getPastDue } from "@/lib/subscription/past-due";
import { type PackageOption, PlanForm, type PlanOption } from "./plan-form";
import { CancelForm, ResumeForm, UndoForm } from "./status-forms";

export const metadata: Metadata = { title: "Plan" };

const BOX = "rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6";

export default async function PlanPage() {
  const user = await requirePageAccess("billing.manage", "/dashboard/account/billing/plan");
  const db = await getDb();
  const [account, state, credit, pastDue, numbers] = await Promise.all([
    getAccount(db, user.accountId),
    getPlanState(db, user.accountId),
    getCreditOverview(db, user.accountId),
    getPastDue(db, user.accountId),
    countHeldNumbers(db, user.accountId),
  ]);
  const catalog = await getPlanCatalog(db, account.currency, state?.plan.code ?? null);
  const f = accountFormat(account);
  const plans: PlanOption[] = catalog.plans.map((p) => ({
    code: p.code,
    name: p.name,
    features: p.features,
    maxSeats: f.number(p.maxSeats),
    allowedPackageCodes: p.allowedPackageCodes,
    price: Object.fromEntries(Object.entries(p.prices).map(([interval, price]) => [interval, f.money(price.seatPrice)])),
  }));
  const packages: PackageOption[] = catalog.packages.map((p) => ({
    id: p.id,
    code: p.code,
    name: p.name,
    price: `${f.money(p.monthlyPrice)} per user a month`,
    countries: p.scope === "domestic" ? `Calls within ${countryName(account.country)}` : p.coveredCountries.map(countryName).join(", "),
    allowance: p.unlimited ? `Unlimited, fair use ${f.number(p.minutesPerUser)} minutes per user a month` : `${f.number(p.minutesPerUser)} minutes per user a month`,
  }));
  const ended = state?.subscription.status === "canceled";
  const starting = !state || ended;
  const current = state
    ? { plan: state.plan.code, interval: state.subscription.interval, packages: state.packages.filter((p) => p.endsAt === null).map((p) => p.package.id) }
    : { plan: plans[0]?.code ?? "", interval: "month" as const, packages: [] };
  const endsOn = state ? f.date(state.subscription.currentPeriodEnd) : "";
  const scheduled = state ? scheduledWords(state) : [];
  return (
    <main className="mx-auto max-w-5xl px-4 py-8">
      <Link href="/dashboard/account/billing" className="inline-flex min-h-11 items-center text-sm text-indigo-700 underline">
        ‹ Back to billing
      </Link>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">{starting ? "Choose a plan" : "Change plan"}</h1>
      <p className="mt-2 text-sm text-slate-600">
        {starting
          ? "Pick a plan, how often you pay, and the calling packages your team needs. You see the price before anything is charged; then you choose your credit and auto top-up."
          : "A dearer plan and added packages apply at once, charged for the rest of the period. A cheaper plan, removed packages and a new billing interval apply at the renewal, and can be undone until then."}
      </p>

      {pastDue ? (
        <p role="alert" className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200">
          Your subscription is past due: {f.money(pastDue.amount)} unpaid.{" "}
          <Link href="/dashboard/account/billing/invoices" className="font-semibold underline">Pay now</Link>
        </p>
      ) : null}

      {state && !ended ? (
        <section aria-labelledby="current-plan" className={`${BOX} mt-6 space-y-3`}>
          <h2 id="current-plan" className="text-lg font-semibold text-slate-900">Your plan</h2>
          <p className="text-sm text-slate-800" data-testid="current-plan">
            {state.plan.name}, billed {state.subscription.interval === "year" ? "yearly" : "monthly"}, {state.subscription.seatsPurchased} seats
            {state.packages.length ? `, with ${state.packages.map((p) => p.package.name).join(", ")}` : ""}.{" "}
            {state.subscription.cancelAtPeriodEnd ? `Ends on ${endsOn}.` : `Renews on ${endsOn}.`}
          </p>
          {scheduled.length ? (
            <div className="space-y-2 rounded-md bg-amber-50 p-3 text-sm text-amber-950 ring-1 ring-amber-200" data-testid="scheduled-change">
              <p>
                Scheduled for {endsOn}: {scheduled.join(", ")}.
              </p>
              <UndoForm />
            </div>
          ) : null}
          {state.subscription.cancelAtPeriodEnd ? (
            <div className="space-y-2 rounded-md bg-amber-50 p-3 text-sm text-amber-950 ring-1 ring-amber-200" data-testid="cancel-notice">
              <p>
                Your subscription is canceled and ends on {endsOn}
                {state.subscription.cancelReason ? ` (${state.subscription.cancelReason})` : ""}. Until then everything works as today.
              </p>
              <ResumeForm />
            </div>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="choose" className={`${BOX} mt-6`}>
        <h2 id="choose" className="sr-only">
          {starting ? "Choose a plan" : "Change plan"}
        </h2>
        <PlanForm
          plans={plans}
          packages={packages}
          current={current}
          starting={starting}
          locked={
            state?.subscription.cancelAtPeriodEnd && !ended
              ? "The subscription is canceled at the end of the period. Resume it to change the plan."
              : state?.scheduled
                ? "A change is scheduled for the renewal. Undo it to choose again."
                : null
          }
        />
      </section>

      {state && !ended && !state.subscription.cancelAtPeriodEnd ? (
        <section aria-labelledby="cancel" className={`${BOX} mt-6 space-y-3`}>
          <h2 id="cancel" className="text-lg font-semibold text-slate-900">Cancel subscription</h2>
          <p className="text-sm text-slate-700">
            Your subscription ends at the end of the period, on {endsOn}. Until then everything works as today, and you can resume it.
          </p>
          <ul className="list-disc space-y-1 pl-5 text-sm text-slate-700">
            <li>Calls: from {endsOn} your users can no longer make or receive calls.</li>
            <li>Numbers: your {f.number(numbers)} phone numbers are released on {endsOn}.</li>
            <li>
              Credit: your balance of {f.money(credit.balance)} can be used until {endsOn}. Credit is not refunded.
            </li>
          </ul>
          <CancelForm reasons={Object.entries(CANCEL_REASONS)} />
        </section>
      ) : null}
    </main>
  );
}
