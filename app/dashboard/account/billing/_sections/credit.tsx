import Link from "next/link";
import type { CreditOverview, Runway } from "@/lib/credit/queries";
import { getEnv } from "@/lib/env";
import { accountFormat, type AccountFormat } from "@/lib/format";
import { BalanceChart } from "../_components/balance-chart";
import { EditButton, Section } from "../_components/section";
import { loadAccount, loadBillingDetails, loadCredit, loadPaymentMethod, loadRunway, loadTrend } from "../_data";
import { vatOnCredit } from "@/lib/invoices/top-up";
import { AddCreditForm } from "../_components/add-credit-form";
import { Reveal } from "../_components/reveal";
import { ExportForm } from "../_components/export-form";
import { addDays, zonedDateString } from "@/lib/time";
import { movementType } from "@/db/schema";

const MOVEMENT_TYPES = movementType.enumValues;
const MOVEMENT_TYPE_LABELS: Record<(typeof movementType.enumValues)[number], string> = {
  top_up_manual: "Credit added",
  top_up_auto: "Automatic top-ups",
  call: "Calls",
  sms: "SMS",
  forwarded_leg: "Forwarded legs",
  toll_free_inbound: "Toll-free inbound",
  adjustment: "Adjustments",
  refund: "Refunds",
};
import { TOP_UP_MAX, TOP_UP_MIN, TOP_UP_PRESETS } from "@/lib/credit/limits";
import { gatewayName } from "@/lib/payments";

export const TREND_DAYS = [30, 90] as const;

/** Only 30 or 90: anything else in the query string falls back to 30. */
export function trendDays(value: string | string[] | undefined): number {
  const days = Number(Array.isArray(value) ? value[0] : value);
  return (TREND_DAYS as readonly number[]).includes(days) ? days : TREND_DAYS[0];
}

/** The runway in words: when credit runs out at the last 30 days' spend, auto top-up included. */
function runwayText({ outlook, burn30Days, perDay }: Runway, credit: CreditOverview, f: AccountFormat): string {
  const spend = `the last 30 days' spend (${f.money(burn30Days)})`;
  switch (outlook.kind) {
    case "no_spend":
      return "No usage charged from credit in the last 30 days.";
    case "out":
      return burn30Days > 0 ? `Spent ${f.money(burn30Days)} in the last 30 days.` : "No usage charged from credit in the last 30 days.";
    case "refills":
      return `Auto top-up refills it below ${f.money(credit.autoTopUp?.threshold ?? 0)}, so it does not run out at ${spend}.`;
    case "resumes":
      return `Auto top-up resumes on ${f.day(outlook.resumesOn)}, before credit would run out at ${spend}.`;
    case "cap_reached":
      return `At ${f.money(perDay)} a day, auto top-up reaches its ${f.money(credit.autoTopUp?.monthlyCap ?? 0)} monthly cap around ${f.day(outlook.capReachedOn)}; outbound calls would stop around ${f.day(outlook.runsOutOn)}.`;
    case "runs_out":
      return `Runs out around ${f.day(outlook.runsOutOn)} at ${spend}.`;
  }
}

/** Auto top-up settings that would carry the account to the end of the month. */
function RunwaySuggestion({ suggestion: s, format: f }: { suggestion: NonNullable<Runway["suggestion"]>; format: AccountFormat }) {
  return (
    <p data-testid="runway-advice" className="mt-1 text-slate-600">
      To last to the end of the month, let auto top-up add {f.money(s.amount)} below {f.money(s.threshold)}
      {s.topUps > 1 ? ` (${s.topUps} times)` : ""}
      {s.monthlyCap !== null ? ` with a monthly cap of ${f.money(s.monthlyCap)}` : ""}.{" "}
      <Link href="/dashboard/account/billing/auto-top-up" className="link">Change auto top-up</Link>
    </p>
  );
}

function Banner({ credit, format }: { credit: CreditOverview; format: AccountFormat }) {
  if (credit.state === "ok") return null;
  const out = credit.state === "out";
  return (
    <div
      role="alert"
      data-testid="credit-banner"
      className={`rounded-md p-3 ring-1 ${out ? "bg-red-50 text-red-900 ring-red-200" : "bg-amber-50 text-amber-900 ring-amber-200"}`}
    >
      <p className="font-semibold">
        {out ? "Your credit has run out" : `Your credit is running low (below ${format.money(credit.lowBalanceThreshold)})`}
      </p>
      <p className="mt-1">
        {out
          ? "Outbound calls and inbound calls to toll-free numbers are blocked. Other inbound calls still work."
          : "At zero, outbound calls and inbound calls to toll-free numbers will be blocked."}{" "}
        {!credit.autoTopUp?.enabled
          ? "Add credit, or turn on auto top-up."
          : credit.autoTopUp.capHolds
            ? `Auto top-up is paused by its monthly cap until ${format.date(credit.autoTopUp.capResetsAt)}: add credit to keep calling.`
            : `Auto top-up adds ${format.money(credit.autoTopUp.amount)} when the balance drops below ${format.money(credit.autoTopUp.threshold)}.`}
      </p>
    </div>
  );
}

/** Auto top-up is on, but the monthly cap holds it back until the first of next month. */
function CapHolds({
  settings,
  format,
}: {
  settings: NonNullable<CreditOverview["autoTopUp"]> & { monthlyCap: number };
  format: AccountFormat;
}) {
  const spent = `${format.money(settings.spentThisMonth)} added automatically this month`;
  return (
    <div data-testid="auto-top-up-cap" className="rounded-md bg-amber-50 p-3 text-amber-900 ring-1 ring-amber-200">
      <p className="font-semibold">
        {settings.capHolds === "reached"
          ? `Paused: the monthly cap of ${format.money(settings.monthlyCap)} is reached (${spent}).`
          : `Paused: the next top-up of ${format.money(settings.amount)} would go over the monthly cap of ${format.money(settings.monthlyCap)} (${spent}).`}
      </p>
      <p className="mt-1">
        Auto top-up resumes when the cap resets on {format.date(settings.capResetsAt)}. Outbound calls stop when the
        balance reaches zero until then, unless you add credit.
      </p>
    </div>
  );
}

function AutoTopUpStatus({ credit, format }: { credit: CreditOverview; format: AccountFormat }) {
  const settings = credit.autoTopUp;
  return (
    <div data-testid="auto-top-up" className="space-y-1">
      <h3 className="font-medium text-slate-900">Auto top-up</h3>
      {!settings || (!settings.enabled && !settings.disabledReason) ? (
        <p>Off. Turn it on to add credit automatically when the balance runs low.</p>
      ) : settings.enabled && settings.capHolds && settings.monthlyCap !== null ? (
        <CapHolds settings={{ ...settings, monthlyCap: settings.monthlyCap }} format={format} />
      ) : settings.enabled ? (
        <p>
          On: adds {format.money(settings.amount)} when the balance drops below {format.money(settings.threshold)}
          {settings.monthlyCap !== null
            ? `, at most ${format.money(settings.monthlyCap)} a month (${format.money(settings.spentThisMonth)} so far this month)`
            : ""}
          .
        </p>
      ) : (
        <p className="text-red-800">Switched off: {settings.disabledReason}</p>
      )}
      <ul className="text-slate-600">
        {credit.pending ? (
          <li data-testid="top-up-in-flight">
            {credit.pending.status === "requires_action" ? "Waiting for card authentication" : "Payment in progress"}:{" "}
            {format.money(credit.pending.amount)} since {format.dateTime(credit.pending.since)}
            {credit.pending.status === "requires_action" ? (
              <>
                {" "}
                <Link
                  href={`/dashboard/account/billing/authenticate/${credit.pending.attemptId}`}
                  className="font-medium text-indigo-700 underline"
                >
                  Confirm with your bank
                </Link>
              </>
            ) : null}
          </li>
        ) : null}
        <li>
          Last top-up:{" "}
          {credit.lastTopUp
            ? `${format.money(credit.lastTopUp.amount)} (${credit.lastTopUp.kind === "auto" ? "automatic" : "manual"}) on ${format.dateTime(credit.lastTopUp.at)}`
            : "none yet"}
        </li>
        {credit.lastFailure ? (
          <li className={credit.lastFailure.settled ? undefined : "text-red-800"} data-testid="last-failure">
            {credit.lastFailure.settled ? "Earlier failure, a later top-up succeeded" : "Last failure"}:{" "}
            {format.money(credit.lastFailure.amount)} on {format.dateTime(credit.lastFailure.at)}: {credit.lastFailure.reason}
          </li>
        ) : null}
        {settings && settings.consecutiveFailures > 0 ? (
          <li className="text-red-800">Consecutive failures: {settings.consecutiveFailures} of 3</li>
        ) : null}
      </ul>
    </div>
  );
}

/** The VAT a credit purchase adds, as the company details say now. */
function creditVat(buyer: { country: string; vatNumber: string | null }) {
  const rule = vatOnCredit(buyer);
  const noneBecause =
    rule.rule === "reverse_charge"
      ? "No VAT is charged: reverse charge, your business accounts for it."
      : rule.rule === "outside_eu"
        ? "No VAT is charged: outside the scope of EU VAT."
        : null;
  return { rateBasisPoints: rule.rateBasisPoints, noneBecause };
}

export async function CreditSection({ accountId, trendDays }: { accountId: string; trendDays: number }) {
  const [account, credit, runway, trend, payment, details] = await Promise.all([
    loadAccount(accountId),
    loadCredit(accountId),
    loadRunway(accountId),
    loadTrend(accountId, trendDays),
    loadPaymentMethod(accountId),
    loadBillingDetails(accountId),
  ]);
  const provider = gatewayName();
  const f = accountFormat(account);
  return (
    <Section id="credit" title="Credit and auto top-up" action={<EditButton label="Edit auto top-up settings" href="/dashboard/account/billing/auto-top-up" />}>
      <div className="space-y-5">
        <div>
          <p className="text-slate-500">Balance</p>
          <p
            data-testid="balance"
            className={`text-3xl font-semibold tabular-nums ${credit.balance <= 0 ? "text-red-700" : "text-slate-900"}`}
          >
            {f.money(credit.balance)}
          </p>
          <p data-testid="runway" className="mt-1 text-slate-600">
            {runwayText(runway, credit, f)}
          </p>
          {runway.suggestion ? <RunwaySuggestion suggestion={runway.suggestion} format={f} /> : null}
        </div>
        <div data-testid="add-credit">
          <Reveal label="Add credit">
            {payment ? (
              <>
                <p className="mb-3 text-slate-600">
                  Charged to your {payment.type === "card" ? `card ending in ${payment.cardLast4}` : "PayPal account"}
                  {provider === "sandbox" ? " (sandbox: no money moves)" : ""}.
                </p>
                <AddCreditForm
                  presets={TOP_UP_PRESETS.map((value) => ({ value, label: f.money(value) }))}
                  currency={account.currency}
                  minLabel={f.money(TOP_UP_MIN)}
                  maxLabel={f.money(TOP_UP_MAX)}
                  vat={creditVat(details ?? { country: account.country, vatNumber: null })}
                />
              </>
            ) : (
              <p>
                Add a payment method first.{" "}
                <Link href="/dashboard/account/billing/payment-method" className="font-medium text-indigo-700 underline">
                  Add a card or PayPal
                </Link>
              </p>
            )}
          </Reveal>
        </div>
        <Banner credit={credit} format={f} />
        <div className="aside" data-testid="what-uses-credit">
          <h3 className="font-medium text-slate-900">What uses credit</h3>
          <p className="mt-1">
            Calls your packages do not cover (or past their monthly limit per user), premium destinations, calls
            forwarded to outside numbers, inbound calls to your toll-free numbers, and SMS. Prepaid minutes go first.
            Credit never pays the subscription and is not refundable. Outbound calls need a positive balance.{" "}
            <a href={`mailto:${getEnv().SUPPORT_EMAIL}`} className="text-indigo-700 underline">
              Questions? Email support
            </a>
          </p>
        </div>
        <AutoTopUpStatus credit={credit} format={f} />
        <p data-testid="low-balance-alert">
          {/* The alert is set on the auto top-up page (this section's edit button). */}
          Low-balance email {credit.lowBalanceThreshold > 0 ? `below ${f.money(credit.lowBalanceThreshold)}` : "off"}.{" "}
          <Link href="/dashboard/account/billing/notifications" className="font-medium text-indigo-700 underline">
            Email notifications
          </Link>
        </p>
        <div>
          <div className="flex items-center justify-between">
            <h3 className="font-medium text-slate-900">Balance trend</h3>
            <nav aria-label="Trend period" className="flex gap-1 text-xs">
              {TREND_DAYS.map((days) => (
                <Link
                  key={days}
                  href={`?trend=${days}`}
                  scroll={false}
                  aria-current={days === trendDays ? "true" : undefined}
                  className="toggle"
                >
                  {days} days
                </Link>
              ))}
            </nav>
          </div>
          <div className="mt-2">
            <BalanceChart
              points={trend}
              format={f}
              days={trendDays}
              currency={account.currency}
              threshold={credit.autoTopUp?.enabled ? credit.autoTopUp.threshold : null}
            />
          </div>
        </div>
        <details className="rounded-lg p-3 ring-1 ring-slate-200" data-testid="export">
          <summary className="cursor-pointer font-medium text-slate-900">Export credit movements</summary>
          <div className="mt-3">
            <ExportForm
              from={addDays(zonedDateString(new Date(), account.timeZone), -29)}
              to={zonedDateString(new Date(), account.timeZone)}
              types={MOVEMENT_TYPES.map((value) => ({ value, label: MOVEMENT_TYPE_LABELS[value] }))}
            />
          </div>
        </details>
      </div>
    </Section>
  );
}
