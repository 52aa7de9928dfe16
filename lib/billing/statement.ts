import type { Executor } from "@/db/client";
import type { Account } from "@/db/schema";
import { getActiveAddons, getNumbersInPeriod } from "./account-items";
import { getSubscription, monthsInPeriod } from "./subscription";
import { buildSummary, type Summary } from "./summary";
import { getActiveBundles, getIncludedPackages, getNotIncludedUsage } from "./usage";

export interface Statement {
  period: { start: Date; end: Date };
  summary: Summary;
}

/** The current period's plan and services summary, read from the database. */
export async function getStatement(db: Executor, account: Account, now = new Date()): Promise<Statement | null> {
  const subscription = await getSubscription(db, account.id);
  if (!subscription) return null;
  const period = { start: subscription.periodStart, end: subscription.periodEnd };
  const [numbers, packages, bundles, usage, addons] = await Promise.all([
    getNumbersInPeriod(db, account.id, period),
    getIncludedPackages(db, account, now),
    getActiveBundles(db, account.id, now),
    getNotIncludedUsage(db, account, period),
    getActiveAddons(db, account.id, now),
  ]);
  const summary = buildSummary({
    period,
    monthsInPeriod: monthsInPeriod(subscription.interval),
    subscription: {
      planName: subscription.planName,
      interval: subscription.interval,
      seats: subscription.seatsPurchased,
      seatPrice: subscription.seatPrice,
    },
    numbers,
    packages: packages.map((p) => ({ name: p.name, quantity: p.quantity, monthlyPrice: p.monthlyPrice })),
    bundles: bundles
      .filter((b) => b.purchasedAt >= period.start && b.purchasedAt < period.end)
      .map((b) => ({ name: b.name, price: b.price })),
    usage: usage.map((u) => ({ category: u.category, records: u.records, amount: u.amount })),
    addons: addons.map((a) => ({ name: a.name, quantity: a.quantity, monthlyPrice: a.monthlyPrice })),
  });
  return { period, summary };
}
