import { and, asc, desc, eq, gt, gte, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import {
  accountPackages,
  callingPackages,
  prepaidBundles,
  usageDailyTotals,
  usageUserMonthly,
  users,
} from "@/db/schema";
import { zonedDateString, zonedMonthStart } from "@/lib/time";
import type { UsageCategory } from "@/lib/subscription/summary";

export interface IncludedPackage {
  id: string;
  name: string;
  scope: "domestic" | "international";
  /** Countries covered; a domestic package covers the account's own country. */
  coveredCountries: string[];
  unlimited: boolean;
  /** Minutes per user per month: the fair-use limit, or the included minutes. */
  minutesPerUser: number;
  quantity: number;
  monthlyPrice: number;
  /** Since when it covers calls. */
  startedAt: Date;
  /** Until when, when its removal at the renewal is scheduled. */
  endsAt: Date | null;
  /** This month's minutes per user inside the package, most first. */
  users: { userId: string; name: string; minutes: number }[];
}

/** Active calling packages, with this month's minutes per user (account time zone). */
export async function getIncludedPackages(
  db: Executor,
  account: { id: string; country: string; timeZone: string },
  now = new Date(),
): Promise<IncludedPackage[]> {
  const month = zonedMonthStart(now, account.timeZone);
  const [packages, minutes] = await Promise.all([
    db
      .select({
        id: callingPackages.id,
        name: callingPackages.name,
        scope: callingPackages.scope,
        coveredCountries: callingPackages.coveredCountries,
        unlimited: callingPackages.unlimited,
        fairUse: callingPackages.fairUseMinutesPerUser,
        included: callingPackages.includedMinutesPerUser,
        quantity: accountPackages.quantity,
        monthlyPrice: accountPackages.unitPrice,
        startedAt: accountPackages.startedAt,
        endsAt: accountPackages.endedAt,
      })
      .from(accountPackages)
      .innerJoin(callingPackages, eq(callingPackages.id, accountPackages.packageId))
      .where(
        and(
          eq(accountPackages.accountId, account.id),
          lt(accountPackages.startedAt, now),
          or(isNull(accountPackages.endedAt), gt(accountPackages.endedAt, now)),
        ),
      )
      .orderBy(asc(callingPackages.name)),
    db
      .select({
        packageId: usageUserMonthly.packageId,
        userId: usageUserMonthly.userId,
        name: users.name,
        seconds: usageUserMonthly.seconds,
      })
      .from(usageUserMonthly)
      .innerJoin(users, and(eq(users.id, usageUserMonthly.userId), eq(users.accountId, account.id)))
      .where(and(eq(usageUserMonthly.accountId, account.id), eq(usageUserMonthly.month, month)))
      .orderBy(desc(usageUserMonthly.seconds), asc(users.name)),
  ]);
  return packages.map((p) => ({
    id: p.id,
    name: p.name,
    scope: p.scope,
    coveredCountries: p.scope === "domestic" ? [account.country] : p.coveredCountries,
    unlimited: p.unlimited,
    minutesPerUser: (p.unlimited ? p.fairUse : p.included) ?? 0,
    quantity: p.quantity,
    monthlyPrice: p.monthlyPrice,
    startedAt: p.startedAt,
    endsAt: p.endsAt,
    users: minutes
      .filter((m) => m.packageId === p.id)
      .map((m) => ({ userId: m.userId, name: m.name, minutes: Math.floor(m.seconds / 60) })),
  }));
}

export interface BundleView {
  name: string;
  minutesIncluded: number;
  minutesLeft: number;
  expiresAt: Date;
  price: number;
  purchasedAt: Date;
}

/** Prepaid minute bundles that have not expired. */
export async function getActiveBundles(db: Executor, accountId: string, now = new Date()): Promise<BundleView[]> {
  const rows = await db
    .select()
    .from(prepaidBundles)
    .where(and(eq(prepaidBundles.accountId, accountId), gt(prepaidBundles.expiresAt, now)))
    .orderBy(asc(prepaidBundles.expiresAt));
  return rows.map((b) => ({
    name: b.name,
    minutesIncluded: Math.floor(b.secondsIncluded / 60),
    minutesLeft: Math.floor((b.secondsIncluded - b.secondsUsed) / 60),
    expiresAt: b.expiresAt,
    price: b.price,
    purchasedAt: b.purchasedAt,
  }));
}

export const NOT_INCLUDED_CATEGORIES: UsageCategory[] = [
  "outside_packages",
  "premium",
  "forwarded",
  "toll_free_inbound",
  "sms",
];

export interface CategoryTotal {
  category: UsageCategory;
  records: number;
  seconds: number;
  fragments: number;
  amount: number;
}

/**
 * What was charged from credit in the period, per "not included" category, from the daily
 * usage rollup (days in the account's time zone). Every category is listed, zero or not.
 */
export async function getNotIncludedUsage(
  db: Executor,
  account: { id: string; timeZone: string },
  period: { start: Date; end: Date },
): Promise<CategoryTotal[]> {
  const rows = await db
    .select({
      category: usageDailyTotals.category,
      records: sql<number>`sum(${usageDailyTotals.records})`.mapWith(Number),
      seconds: sql<number>`sum(${usageDailyTotals.seconds})`.mapWith(Number),
      fragments: sql<number>`sum(${usageDailyTotals.fragments})`.mapWith(Number),
      amount: sql<number>`sum(${usageDailyTotals.amount})`.mapWith(Number),
    })
    .from(usageDailyTotals)
    .where(
      and(
        eq(usageDailyTotals.accountId, account.id),
        gte(usageDailyTotals.day, zonedDateString(period.start, account.timeZone)),
        lt(usageDailyTotals.day, zonedDateString(period.end, account.timeZone)),
      ),
    )
    .groupBy(usageDailyTotals.category);
  return NOT_INCLUDED_CATEGORIES.map((category) => {
    const row = rows.find((r) => r.category === category);
    return {
      category,
      records: row?.records ?? 0,
      seconds: row?.seconds ?? 0,
      fragments: row?.fragments ?? 0,
      amount: row?.amount ?? 0,
    };
  });
}
