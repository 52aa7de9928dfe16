import { and, desc, eq, gte, inArray, lt, lte } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { creditBalances, creditDailyBalances, topUpAttempts } from "@/db/schema";
import { type AutoTopUpState, getAutoTopUpState } from "@/lib/credit/auto-top-up";
import { addDays, nextMonthStart, zonedDateString } from "@/lib/time";
import {
  dailySpend,
  RUNWAY_WINDOW_DAYS,
  type RunwayOutlook,
  runwayOutlook,
  suggestTopUp,
  type TopUpSuggestion,
} from "./runway";

export { RUNWAY_WINDOW_DAYS };

export interface CreditOverview {
  balance: number;
  lowBalanceThreshold: number;
  state: "ok" | "low" | "out";
  autoTopUp: Pick<
    AutoTopUpState,
    | "enabled"
    | "threshold"
    | "amount"
    | "monthlyCap"
    | "consecutiveFailures"
    | "disabledReason"
    | "spentThisMonth"
    | "capResetsAt"
    | "capHolds"
  > | null;
  lastTopUp: { amount: number; at: Date; kind: "manual" | "auto" } | null;
  /** The latest failed top-up; `settled` once a later top-up succeeded (history, not an alarm). */
  lastFailure: { amount: number; at: Date; reason: string; settled: boolean } | null;
  pending: { attemptId: string; amount: number; since: Date; status: "pending" | "requires_action" } | null;
}

export function creditState(balance: number, lowBalanceThreshold: number): CreditOverview["state"] {
  if (balance <= 0) return "out";
  return balance < lowBalanceThreshold ? "low" : "ok";
}

export async function getCreditOverview(db: Executor, accountId: string): Promise<CreditOverview> {
  // A payment canceled after waiting in vain for the cardholder is shown as a failure too.
  const attempts = (status: "succeeded" | "failed") =>
    db
      .select()
      .from(topUpAttempts)
      .where(
        and(
          eq(topUpAttempts.accountId, accountId),
          inArray(topUpAttempts.status, status === "failed" ? ["failed", "canceled"] : ["succeeded"]),
        ),
      )
      .orderBy(desc(topUpAttempts.updatedAt))
      .limit(1);
  const [[balanceRow], settings, [succeeded], [failed], [pending]] = await Promise.all([
    db.select().from(creditBalances).where(eq(creditBalances.accountId, accountId)),
    getAutoTopUpState(db, accountId),
    attempts("succeeded"),
    attempts("failed"),
    db
      .select()
      .from(topUpAttempts)
      .where(
        and(
          eq(topUpAttempts.accountId, accountId),
          inArray(topUpAttempts.status, ["pending", "requires_action"]),
        ),
      )
      .orderBy(desc(topUpAttempts.createdAt))
      .limit(1),
  ]);
  const balance = balanceRow?.balance ?? 0;
  const lastTopUpAt = succeeded ? (succeeded.settledAt ?? succeeded.updatedAt) : null;
  const lowBalanceThreshold = balanceRow?.lowBalanceThreshold ?? 1000;
  return {
    balance,
    lowBalanceThreshold,
    state: creditState(balance, lowBalanceThreshold),
    autoTopUp: settings
      ? {
          enabled: settings.enabled,
          threshold: settings.threshold,
          amount: settings.amount,
          monthlyCap: settings.monthlyCap,
          consecutiveFailures: settings.consecutiveFailures,
          disabledReason: settings.disabledReason,
          spentThisMonth: settings.spentThisMonth,
          capResetsAt: settings.capResetsAt,
          capHolds: settings.capHolds,
        }
      : null,
    lastTopUp: succeeded ? { amount: succeeded.amount, at: lastTopUpAt!, kind: succeeded.kind } : null,
    lastFailure: failed
      ? {
          amount: failed.amount,
          at: failed.updatedAt,
          reason: failed.failureMessage ?? failed.failureCode ?? "The payment was declined.",
          settled: !!lastTopUpAt && lastTopUpAt > failed.updatedAt,
        }
      : null,
    pending: pending
      ? {
          attemptId: pending.id,
          amount: pending.amount,
          since: pending.createdAt,
          status: pending.status as "pending" | "requires_action",
        }
      : null,
  };
}

export interface TrendPoint {
  day: string;
  balance: number;
}

/**
 * Closing balance of each of the last `days` days (account time zone), carried forward
 * over days without movements, from the daily rollup.
 */
export async function getBalanceTrend(
  db: Executor,
  account: { id: string; timeZone: string },
  days: number,
  now = new Date(),
): Promise<TrendPoint[]> {
  const today = zonedDateString(now, account.timeZone);
  const from = addDays(today, -(days - 1));
  const [rows, [before]] = await Promise.all([
    db
      .select({ day: creditDailyBalances.day, balance: creditDailyBalances.closingBalance })
      .from(creditDailyBalances)
      .where(
        and(
          eq(creditDailyBalances.accountId, account.id),
          gte(creditDailyBalances.day, from),
          lte(creditDailyBalances.day, today),
        ),
      )
      .orderBy(creditDailyBalances.day),
    db
      .select({ balance: creditDailyBalances.closingBalance })
      .from(creditDailyBalances)
      .where(and(eq(creditDailyBalances.accountId, account.id), lt(creditDailyBalances.day, from)))
      .orderBy(desc(creditDailyBalances.day))
      .limit(1),
  ]);
  if (rows.length === 0 && !before) return [];
  const byDay = new Map(rows.map((r) => [r.day, r.balance]));
  const points: TrendPoint[] = [];
  let balance = before?.balance ?? 0;
  for (let i = 0; i < days; i++) {
    const day = addDays(from, i);
    balance = byDay.get(day) ?? balance;
    points.push({ day, balance });
  }
  return points;
}

export interface Runway {
  /** Credit spent on usage over the last 30 days, net of refunds and adjustments. */
  burn30Days: number;
  /** Whole days the balance lasts at that rate, without top-ups; null when nothing was spent. */
  daysLeft: number | null;
  /** What happens at that rate, auto top-up and its monthly cap included. */
  outlook: RunwayOutlook;
  /** The 30-day spend per day (minor units). */
  perDay: number;
  /** Auto top-up settings that would last to the end of the month, when credit would not. */
  suggestion: TopUpSuggestion | null;
}


/**
 * The runway at the last 30 days' spend. Pass the auto top-up settings (as the credit
 * overview reads them) so that it knows whether, and until when, top-ups refill.
 */
export async function getRunway(
  db: Executor,
  account: { id: string; timeZone: string },
  balance: number,
  now = new Date(),
  autoTopUp: CreditOverview["autoTopUp"] = null,
): Promise<Runway> {
  const today = zonedDateString(now, account.timeZone);
  const rows = await db
    .select({ usageNet: creditDailyBalances.usageNet })
    .from(creditDailyBalances)
    .where(
      and(
        eq(creditDailyBalances.accountId, account.id),
        gte(creditDailyBalances.day, addDays(today, -(RUNWAY_WINDOW_DAYS - 1))),
        lte(creditDailyBalances.day, today),
      ),
    );
  const burn = 0 - rows.reduce((sum, r) => sum + r.usageNet, 0) || 0;
  const input = {
    balance,
    burn30Days: burn,
    today,
    autoTopUp: autoTopUp && { ...autoTopUp, capResetsOn: zonedDateString(autoTopUp.capResetsAt, account.timeZone) },
  };
  const outlook = runwayOutlook(input);
  return {
    burn30Days: burn,
    daysLeft: runwayDays(balance, burn),
    outlook,
    perDay: dailySpend(burn),
    suggestion: suggestTopUp(input, outlook, nextMonthStart(today)),
  };
}

/** Days the balance lasts at the 30-day burn: floor(balance / (burn / 30)). */
export function runwayDays(balance: number, burn30Days: number): number | null {
  if (burn30Days <= 0) return null;
  if (balance <= 0) return 0;
  return Math.floor((balance * RUNWAY_WINDOW_DAYS) / burn30Days);
}
