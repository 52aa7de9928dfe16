import { and, eq, lte, ne } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { type Account, accounts, type Invoice, invoices, subscriptions } from "@/db/schema";
import { getAddonsInPeriod, getNumberCharges } from "@/lib/subscription/items";
import { renewSubscription } from "@/lib/subscription/renewal";
import { statementFrom } from "@/lib/subscription/statement";
import { getActiveBundles, getIncludedPackages, getNotIncludedUsage } from "@/lib/usage/queries";
import type { Summary, SummaryLine } from "@/lib/subscription/summary";
import { getSeatChanges, getSubscription, monthsInPeriod } from "@/lib/subscription/queries";
import { formatMoney } from "@/lib/money";
import { zonedMidnight, zonedParts } from "@/lib/time";
import { type DocumentLine, issueDocument, partiesOf } from "./issue";

/**
 * Closing a period: at renewal, the period that ended is invoiced once and the
 * subscription moves on to the next one, in one transaction.
 *
 * - The invoice is the period's statement (lib/subscription/statement.ts), the same
 *   figures the page's summary shows for that period: plan x seats, seat changes as the
 *   provider prorated them, numbers and add-ons prorated by day, calling packages and
 *   prepaid minutes.
 * - Usage charged from credit is not invoiced again (the credit was invoiced when it was
 *   bought); the invoice says how much credit paid, as a note.
 * - Idempotent: the subscription row is locked first, so a second closer (a retry, another
 *   worker) waits and then finds the period already moved on; the unique key on
 *   (account, period start) is the final guard.
 */

export type CloseOutcome =
  | { status: "issued"; invoice: Invoice }
  /** The period was invoiced before (the subscription is moved on if it was not). */
  | { status: "already_issued"; invoice: Invoice }
  | { status: "not_due" };

/** A summary line's item, with the days it was held when it is prorated by day. */
export function lineDescription(line: SummaryLine): string {
  const days = line.basis?.kind === "price" ? line.basis.days : undefined;
  return days ? `${line.item} (${days[0]} of ${days[1]} days, prorated)` : line.item;
}

/** The lines of the period's invoice: the summary's lines less what credit paid. */
export function invoiceLinesOf(summary: Summary): DocumentLine[] {
  return summary.groups.flatMap((group) =>
    group.lines
      .filter((line) => !line.paidFromCredit)
      .map((line) => ({
        groupKey: group.key,
        description: lineDescription(line),
        quantity: line.quantity,
        quantityLabel: line.quantityLabel ?? null,
        unitPrice: line.unitPrice,
        netAmount: line.total,
      })),
  );
}

/** The next period: as long as the last, from the same day of the month, local midnight. */
export function nextPeriod(end: Date, interval: "month" | "year", timeZone: string): { start: Date; end: Date } {
  const { year, month, day } = zonedParts(end, timeZone);
  return { start: end, end: zonedMidnight(year, month + monthsInPeriod(interval), day, timeZone) };
}

export function paidFromCreditNote(paidFromCredit: number, formatted: string): string | null {
  if (paidFromCredit <= 0) return null;
  return `Usage of ${formatted} this period was paid from prepaid credit, invoiced when the credit was bought; it is not charged again.`;
}

/**
 * The period's statement as it stood at `at` (its last instant), the page's own
 * (statementFrom), its parts read one after another: a transaction is one connection,
 * which runs one query at a time.
 */
async function statementAt(tx: Executor, account: Account, at: Date) {
  const subscription = await getSubscription(tx, account.id);
  if (!subscription) return null;
  const period = { start: subscription.periodStart, end: subscription.periodEnd };
  return statementFrom({
    subscription,
    seatChanges: await getSeatChanges(tx, account.id, period),
    numbers: await getNumberCharges(tx, account.id, period),
    packages: await getIncludedPackages(tx, account, at),
    bundles: await getActiveBundles(tx, account.id, at),
    usage: await getNotIncludedUsage(tx, account, period),
    addons: await getAddonsInPeriod(tx, account.id, period),
  });
}

/** Closes the account's current period if it has ended by `now`. */
export async function closePeriod(db: Database, accountId: string, now = new Date()): Promise<CloseOutcome> {
  return db.transaction(async (tx) => closePeriodIn(tx, accountId, now));
}

export async function closePeriodIn(tx: Executor, accountId: string, now: Date): Promise<CloseOutcome> {
  const [subscription] = await tx
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.accountId, accountId))
    .for("update");
  if (!subscription || subscription.status === "canceled" || subscription.currentPeriodEnd > now) return { status: "not_due" };
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) return { status: "not_due" };
  const period = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };
  const moveOn = () =>
    renewSubscription(tx, subscription, (interval) => nextPeriod(period.end, interval, account.timeZone), now);

  const [existing] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.accountId, accountId), eq(invoices.kind, "period"), eq(invoices.periodStart, period.start)));
  if (existing) {
    await moveOn();
    return { status: "already_issued", invoice: existing };
  }
  const statement = await statementAt(tx, account, new Date(period.end.getTime() - 1));
  if (!statement) return { status: "not_due" };
  const { seller, buyer, tax } = await partiesOf(tx, accountId);
  const invoice = await issueDocument(tx, {
    accountId,
    kind: "period",
    status: "open",
    issuedAt: period.end,
    period,
    currency: account.currency,
    timeZone: account.timeZone,
    lines: invoiceLinesOf(statement.summary),
    seller,
    buyer,
    tax,
    paidFromCredit: statement.summary.paidFromCredit,
    note: paidFromCreditNote(statement.summary.paidFromCredit, formatMoney(statement.summary.paidFromCredit, account.currency)),
  });
  await moveOn();
  return { status: "issued", invoice };
}

/** Accounts whose period has ended by `now`: the sweep closes them (again after downtime). */
export async function accountsDue(db: Executor, now = new Date()): Promise<string[]> {
  const rows = await db
    .select({ accountId: subscriptions.accountId })
    .from(subscriptions)
    .where(and(lte(subscriptions.currentPeriodEnd, now), ne(subscriptions.status, "canceled")));
  return rows.map((r) => r.accountId);
}

/** Closes every period of the account that has ended by `now` (several after downtime), oldest first. */
export async function closeDuePeriods(db: Database, accountId: string, now = new Date(), limit = 36): Promise<Invoice[]> {
  const issued: Invoice[] = [];
  for (let i = 0; i < limit; i++) {
    const outcome = await closePeriod(db, accountId, now);
    if (outcome.status === "not_due") break;
    if (outcome.status === "issued") issued.push(outcome.invoice);
  }
  return issued;
}
