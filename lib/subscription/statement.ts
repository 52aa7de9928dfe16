import type { Executor } from "@/db/client";
import type { Account } from "@/db/schema";
import { type AddonHeld, getAddonsInPeriod, getNumberCharges } from "./items";
import { getSeatChanges, getSubscription, monthsInPeriod, type SeatChangeView, type SubscriptionView } from "./queries";
import { buildSummary, numberChanges, type Summary } from "./summary";
import {
  type BundleView,
  type CategoryTotal,
  getActiveBundles,
  getIncludedPackages,
  getNotIncludedUsage,
  type IncludedPackage,
} from "@/lib/usage/queries";

export interface Statement {
  period: { start: Date; end: Date };
  /** Monthly prices are charged this many times in the period (12 on a yearly plan). */
  months: number;
  summary: Summary;
  /** How many numbers were added or released within the period (the summary groups them). */
  numbersChanged: number;
}

export interface StatementParts {
  subscription: SubscriptionView | null;
  /** Seat changes within the period, with what the provider charged for each. */
  seatChanges: SeatChangeView[];
  numbers: Awaited<ReturnType<typeof getNumberCharges>>;
  packages: (Pick<IncludedPackage, "name" | "quantity" | "monthlyPrice"> & { startedAt?: Date })[];
  bundles: BundleView[];
  usage: CategoryTotal[];
  /** Add-ons held at any time during the period. */
  addons: AddonHeld[];
}

/** The current period's plan and services summary from already loaded parts. */
export function statementFrom(parts: StatementParts): Statement | null {
  const { subscription } = parts;
  if (!subscription) return null;
  const period = { start: subscription.periodStart, end: subscription.periodEnd };
  const summary = buildSummary({
    period,
    monthsInPeriod: monthsInPeriod(subscription.interval),
    subscription: {
      planName: subscription.planName,
      interval: subscription.interval,
      seats: subscription.seatsPurchased,
      seatPrice: subscription.seatPrice,
      seatChanges: parts.seatChanges,
    },
    numberGroups: parts.numbers.groups,
    numbers: parts.numbers.changed,
    // A package added within the period is charged by its plan change, as the provider prorated it.
    packages: parts.packages
      .filter((p) => !p.startedAt || p.startedAt <= period.start)
      .map((p) => ({ name: p.name, quantity: p.quantity, monthlyPrice: p.monthlyPrice })),
    // Bought within the period: charged in it; bought before: shown as already paid.
    bundles: parts.bundles
      .filter((b) => b.purchasedAt < period.end)
      .map((b) => ({
        name: b.name,
        price: b.price,
        purchasedAt: b.purchasedAt,
        minutesIncluded: b.minutesIncluded,
        minutesLeft: b.minutesLeft,
      })),
    usage: parts.usage.map((u) => ({
      category: u.category,
      records: u.records,
      seconds: u.seconds,
      fragments: u.fragments,
      amount: u.amount,
    })),
    addons: parts.addons,
  });
  const months = monthsInPeriod(subscription.interval);
  const numbersChanged = numberChanges({ period, monthsInPeriod: months, numbers: parts.numbers.changed }).length;
  return { period, months, summary, numbersChanged };
}

/** The current period's plan and services summary, read from the database. */
export async function getStatement(db: Executor, account: Account, now = new Date()): Promise<Statement | null> {
  const subscription = await getSubscription(db, account.id);
  if (!subscription) return null;
  const period = { start: subscription.periodStart, end: subscription.periodEnd };
  const [seatChanges, numbers, packages, bundles, usage, addons] = await Promise.all([
    getSeatChanges(db, account.id, period),
    getNumberCharges(db, account.id, period),
    getIncludedPackages(db, account, now),
    getActiveBundles(db, account.id, now),
    getNotIncludedUsage(db, account, period),
    getAddonsInPeriod(db, account.id, period),
  ]);
  return statementFrom({ subscription, seatChanges, numbers, packages, bundles, usage, addons });
}
