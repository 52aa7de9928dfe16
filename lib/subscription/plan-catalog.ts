import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { accountPackages, callingPackages, type CallingPackage, phoneNumbers, type Plan, plans, subscriptions, users } from "@/db/schema";
import { sql } from "drizzle-orm";
import { monthsInPeriod } from "./queries";

/**
 * The plan catalogue an account chooses from (plans and calling packages in its
 * currency), and the account's plan as it stands: what is in force now and what is
 * scheduled for the renewal.
 */

export type Interval = "month" | "year";

export interface CatalogPlan {
  code: string;
  name: string;
  features: string[];
  maxSeats: number;
  /** Package codes the plan allows; null: all. */
  allowedPackageCodes: string[] | null;
  /** The plan's row per interval: seat price per interval. */
  prices: Partial<Record<Interval, { id: string; seatPrice: number }>>;
}

export interface CatalogPackage {
  id: string;
  code: string;
  name: string;
  scope: "domestic" | "international";
  coveredCountries: string[];
  unlimited: boolean;
  minutesPerUser: number;
  monthlyPrice: number;
}

/** The plans offered in the currency (and the account's own plan, offered or not), and the packages. */
export async function getPlanCatalog(
  db: Executor,
  currency: string,
  currentPlanCode: string | null = null,
): Promise<{ plans: CatalogPlan[]; packages: CatalogPackage[] }> {
  const [planRows, packageRows] = await Promise.all([
    db
      .select()
      .from(plans)
      .where(and(eq(plans.currency, currency), currentPlanCode ? or(eq(plans.offered, true), eq(plans.code, currentPlanCode)) : eq(plans.offered, true)))
      .orderBy(asc(plans.seatPrice)),
    db.select().from(callingPackages).where(eq(callingPackages.currency, currency)).orderBy(asc(callingPackages.name)),
  ]);
  const byCode = new Map<string, CatalogPlan>();
  for (const row of planRows) {
    const plan = byCode.get(row.code) ?? {
      code: row.code,
      name: row.name,
      features: row.features,
      maxSeats: row.maxSeats,
      allowedPackageCodes: row.allowedPackageCodes,
      prices: {},
    };
    plan.prices[row.interval] = { id: row.id, seatPrice: row.seatPrice };
    byCode.set(row.code, plan);
  }
  return { plans: [...byCode.values()], packages: packageRows.map(toCatalogPackage) };
}

export function toCatalogPackage(row: CallingPackage): CatalogPackage {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    scope: row.scope,
    coveredCountries: row.coveredCountries,
    unlimited: row.unlimited,
    minutesPerUser: (row.unlimited ? row.fairUseMinutesPerUser : row.includedMinutesPerUser) ?? 0,
    monthlyPrice: row.monthlyPrice,
  };
}

export function planAllows(plan: Pick<Plan, "allowedPackageCodes">, packageCode: string): boolean {
  return plan.allowedPackageCodes === null || plan.allowedPackageCodes.includes(packageCode);
}

/** A package's price per billing interval: its monthly price for each month of the interval. */
export function packagePriceFor(monthlyPrice: number, interval: Interval): number {
  return monthlyPrice * monthsInPeriod(interval);
}

export interface HeldPackage {
  rowId: string;
  package: CallingPackage;
  quantity: number;
  unitPrice: number;
  providerItemId: string | null;
  /** Set when its removal at the renewal is scheduled. */
  endsAt: Date | null;
}

/** The account's subscription with its plan, packages in force at `at`, and what is scheduled. */
export async function getPlanState(db: Executor, accountId: string, at = new Date()) {
  const [row] = await db
    .select({ subscription: subscriptions, plan: plans })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.accountId, accountId));
  if (!row) return null;
  const [held, scheduledPlan, [inUse]] = await Promise.all([
    db
      .select({ account: accountPackages, pkg: callingPackages })
      .from(accountPackages)
      .innerJoin(callingPackages, eq(callingPackages.id, accountPackages.packageId))
      .where(
        and(
          eq(accountPackages.accountId, accountId),
          // Started (or starting now) and not ended yet.
          sql`${accountPackages.startedAt} <= ${at}`,
          or(isNull(accountPackages.endedAt), gt(accountPackages.endedAt, at)),
        ),
      )
      .orderBy(asc(callingPackages.name)),
    row.subscription.scheduledPlanId
      ? db.select().from(plans).where(eq(plans.id, row.subscription.scheduledPlanId))
      : Promise.resolve([] as Plan[]),
    db
      .select({ count: sql<number>`count(*)`.mapWith(Number) })
      .from(users)
      .where(and(eq(users.accountId, accountId), eq(users.active, true))),
  ]);
  const packages: HeldPackage[] = held.map(({ account, pkg }) => ({
    rowId: account.id,
    package: pkg,
    quantity: account.quantity,
    unitPrice: account.unitPrice,
    providerItemId: account.providerItemId,
    endsAt: account.endedAt,
  }));
  const { subscription } = row;
  const removals = packages.filter((p) => p.endsAt !== null);
  const scheduled =
    subscription.scheduledPlanId !== null || subscription.scheduledInterval !== null || removals.length > 0
      ? {
          plan: scheduledPlan[0] ?? null,
          interval: subscription.scheduledInterval,
          removedPackages: removals.map((p) => p.package),
          at: subscription.currentPeriodEnd,
        }
      : null;
  return { subscription, plan: row.plan, packages, scheduled, seatsInUse: inUse?.count ?? 0 };
}

export type PlanState = NonNullable<Awaited<ReturnType<typeof getPlanState>>>;

/** The phone numbers the account holds now (they are released when the subscription ends). */
export async function countHeldNumbers(db: Executor, accountId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.accountId, accountId), isNull(phoneNumbers.releasedAt)));
  return row?.count ?? 0;
}
