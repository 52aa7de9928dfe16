import { divideRounded } from "@/lib/money";
import { addDays, daysBetween } from "@/lib/time";
import {
  AUTO_TOP_UP_AMOUNT_MAX,
  AUTO_TOP_UP_AMOUNT_MIN,
  AUTO_TOP_UP_CAP_MAX,
  AUTO_TOP_UP_THRESHOLD_MAX,
  AUTO_TOP_UP_THRESHOLD_MIN,
} from "./limits";

/**
 * How long credit lasts, in words a billing admin can act on. Pure: it reads the balance,
 * what usage took from credit over the last 30 days, and the auto top-up settings.
 *
 * The rules:
 *   1. Nothing spent in 30 days: no estimate. Balance at or below zero: it has run out.
 *   2. Spend is the last 30 days' average per day; a date is today plus the whole days
 *      the credit lasts at that rate (rounded down), in the account's calendar.
 *   3. Auto top-up off: credit runs out on that date.
 *   4. Auto top-up on without a monthly cap: it refills, so credit does not run out.
 *   5. With a cap: the top-ups still allowed this month are what is left under it,
 *      whole top-ups only. If the balance and those top-ups last until the cap resets
 *      (the first of next month), it refills; otherwise the cap is reached when the
 *      last allowed top-up is made (the balance crosses the threshold for the last
 *      time) and credit runs out when that is spent too.
 *   6. The cap already holds top-ups back: like off, unless the cap resets before the
 *      credit runs out (then top-ups resume first).
 *   7. When credit runs out (or the cap stops top-ups) before the month ends, a suggestion:
 *      the threshold is three days' spend, and the amount is what the rest of the month
 *      costs beyond the balance (whole tens of the currency, rounded up, within the bounds of
 *      auto top-up; split into equal top-ups above the largest amount), with the monthly cap
 *      it needs when the current one is lower.
 */

export interface RunwayInput {
  /** Minor units. */
  balance: number;
  /** What usage took from credit over the last 30 days, net (minor units). */
  burn30Days: number;
  /** Today in the account's time zone, "YYYY-MM-DD". */
  today: string;
  autoTopUp: {
    enabled: boolean;
    threshold: number;
    amount: number;
    monthlyCap: number | null;
    spentThisMonth: number;
    /** The day the monthly cap resets, "YYYY-MM-DD" in the account's time zone. */
    capResetsOn: string;
    capHolds: "reached" | "next_exceeds" | null;
  } | null;
}

export type RunwayOutlook =
  | { kind: "no_spend" }
  | { kind: "out" }
  | { kind: "refills" }
  | { kind: "resumes"; resumesOn: string }
  | { kind: "cap_reached"; capReachedOn: string; runsOutOn: string }
  | { kind: "runs_out"; runsOutOn: string };

export const RUNWAY_WINDOW_DAYS = 30;

/** Whole days an amount lasts at the 30-day spend: floor(amount / (burn / 30)). */
function daysOf(amount: number, burn30Days: number): number {
  return Math.floor((Math.max(0, amount) * RUNWAY_WINDOW_DAYS) / burn30Days);
}

export function runwayOutlook({ balance, burn30Days, today, autoTopUp }: RunwayInput): RunwayOutlook {
  if (balance <= 0) return { kind: "out" };
  if (burn30Days <= 0) return { kind: "no_spend" };
  const runsOutOn = addDays(today, daysOf(balance, burn30Days));
  if (!autoTopUp?.enabled) return { kind: "runs_out", runsOutOn };
  if (autoTopUp.capHolds) {
    return autoTopUp.capResetsOn <= runsOutOn
      ? { kind: "resumes", resumesOn: autoTopUp.capResetsOn }
      : { kind: "runs_out", runsOutOn };
  }
  if (autoTopUp.monthlyCap === null) return { kind: "refills" };
  const allowed = Math.max(1, Math.floor((autoTopUp.monthlyCap - autoTopUp.spentThisMonth) / autoTopUp.amount));
  const lastRunsOutOn = addDays(today, daysOf(balance + allowed * autoTopUp.amount, burn30Days));
  if (lastRunsOutOn >= autoTopUp.capResetsOn) return { kind: "refills" };
  const capReachedOn = addDays(
    today,
    daysOf(balance - autoTopUp.threshold + (allowed - 1) * autoTopUp.amount, burn30Days),
  );
  return { kind: "cap_reached", capReachedOn, runsOutOn: lastRunsOutOn };
}

/** What spend costs per day on average: the 30-day spend over 30, rounded once. */
export function dailySpend(burn30Days: number): number {
  return divideRounded(Math.max(0, burn30Days), RUNWAY_WINDOW_DAYS);
}

export interface TopUpSuggestion {
  threshold: number;
  amount: number;
  /** How many top-ups of `amount` the rest of the month takes. */
  topUps: number;
  /** The monthly cap this needs, when the account's cap is lower; otherwise null. */
  monthlyCap: number | null;
}

/** Tens of the major unit (1,000 minor units), rounded up. */
const WHOLE_TENS = 1_000;
const roundUp = (amount: number, step: number) => Math.ceil(amount / step) * step;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * Auto top-up settings that would last until `nextMonthStartsOn` at the 30-day spend, when
 * the outlook says credit runs out (or the cap stops top-ups) before then; null otherwise.
 */
export function suggestTopUp(input: RunwayInput, outlook: RunwayOutlook, nextMonthStartsOn: string): TopUpSuggestion | null {
  const stopsOn =
    outlook.kind === "runs_out" ? outlook.runsOutOn : outlook.kind === "cap_reached" ? outlook.runsOutOn : null;
  if (stopsOn === null || stopsOn >= nextMonthStartsOn || input.burn30Days <= 0) return null;
  const daysLeft = daysBetween(input.today, nextMonthStartsOn);
  const spendToMonthEnd = Math.ceil((input.burn30Days * daysLeft) / RUNWAY_WINDOW_DAYS);
  const needed = spendToMonthEnd - Math.max(0, input.balance);
  if (needed <= 0) return null;
  const threshold = clamp(
    roundUp(Math.ceil((input.burn30Days * 3) / RUNWAY_WINDOW_DAYS), WHOLE_TENS),
    AUTO_TOP_UP_THRESHOLD_MIN,
    AUTO_TOP_UP_THRESHOLD_MAX,
  );
  const topUps = Math.ceil(needed / AUTO_TOP_UP_AMOUNT_MAX);
  const amount = clamp(roundUp(Math.ceil(needed / topUps), WHOLE_TENS), AUTO_TOP_UP_AMOUNT_MIN, AUTO_TOP_UP_AMOUNT_MAX);
  const settings = input.autoTopUp;
  const capNeeded = (settings?.spentThisMonth ?? 0) + topUps * amount;
  // Never a cap the settings would refuse.
  const monthlyCap = settings?.monthlyCap != null && settings.monthlyCap < capNeeded ? Math.min(capNeeded, AUTO_TOP_UP_CAP_MAX) : null;
  return { threshold, amount, topUps, monthlyCap };
}
