import type { Executor } from "@/db/client";
import type { Account } from "@/db/schema";
import { type AddonView, getActiveAddons, getNumberCharges } from "./account-items";
import { getSubscription, monthsInPeriod, type SubscriptionView } from "./subscription";
import { buildSummary, type Summary } from "./summary";
import {
  type BundleView,
  type CategoryTotal,
  getActiveBundles,
  getIncludedPackages,
  getNotIncludedUsage,
  type IncludedPackage,
} from "./usage";

export interface Statement {
  period: { start: Date; end: Date };
  summary: Summary;
}

export interface StatementParts {
  subscription: SubscriptionView | null;
  numbers: Awaited<ReturnType<typeof getNumberCharges>>;
  packages: Pick<IncludedPackage, "name" | "quantity" | "monthlyPrice">[];
  bundles: BundleView[];
  usage: CategoryTotal[];
  addons: AddonView[];
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
    },
    numberGroups: parts.numbers.groups,
    numbers: parts.numbers.changed,
    packages: parts.packages.map((p) => ({ name: p.name, quantity: p.quantity, monthlyPrice: p.monthlyPrice })),
    bundles: parts.bundles
      .filter((b) => b.purchasedAt >= period.start && b.purchasedAt < period.end)
      .map((b) => ({ name: b.name, price: b.price })),
    usage: parts.usage.map((u) => ({ category: u.category, records: u.records, amount: u.amount })),
    addons: parts.addons.map((a) => ({ name: a.name, quantity: a.quantity, monthlyPrice: a.monthlyPrice })),
  });
  return { period, summary };
}

/** The current period's plan and services summary, read from the database. */
export async function getStatement(db: Executor, account: Account, now = new Date()): Promise<Statement | null> {
  const subscription = await getSubscription(db, account.id);
  if (!subscription) return null;
  const period = { start: subscription.periodStart, end: subscription.periodEnd };
  const [numbers, packages, bundles, usage, addons] = await Promise.all([
    getNumberCharges(db, account.id, period),
    getIncludedPackages(db, account, now),
    getActiveBundles(db, account.id, now),
    getNotIncludedUsage(db, account, period),
    getActiveAddons(db, account.id, now),
  ]);
  return statementFrom({ subscription, numbers, packages, bundles, usage, addons });
}
