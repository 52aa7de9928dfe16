import { and, asc, eq, gte, lt, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { accountPackages, plans, subscriptionChanges, subscriptions, users } from "@/db/schema";

export interface SubscriptionView {
  planName: string;
  interval: "month" | "year";
  status: string;
  seatsPurchased: number;
  seatsUsed: number;
  maxSeats: number;
  seatPrice: number;
  periodStart: Date;
  periodEnd: Date;
  /** Canceled at the end of the period: it ends on periodEnd. */
  cancelAtPeriodEnd: boolean;
  /** A change (plan, interval, removed package) takes effect at the renewal. */
  changeScheduled: boolean;
}

/** The account's plan and seats; seats used are the account's active users. */
export async function getSubscription(db: Executor, accountId: string): Promise<SubscriptionView | null> {
  const [row] = await db
    .select({
      planName: plans.name,
      interval: subscriptions.interval,
      status: subscriptions.status,
      seatsPurchased: subscriptions.seatsPurchased,
      maxSeats: plans.maxSeats,
      seatPrice: plans.seatPrice,
      periodStart: subscriptions.currentPeriodStart,
      periodEnd: subscriptions.currentPeriodEnd,
      cancelAtPeriodEnd: subscriptions.cancelAtPeriodEnd,
      changeScheduled: sql<boolean>`(
        ${subscriptions.scheduledPlanId} is not null or ${subscriptions.scheduledInterval} is not null
        or exists (select 1 from ${accountPackages} where ${accountPackages.accountId} = ${subscriptions.accountId}
          and ${accountPackages.endedAt} > now()))`.mapWith(Boolean),
      seatsUsed: sql<number>`(
        select count(*) from ${users}
        where ${users.accountId} = ${subscriptions.accountId} and ${users.active})`.mapWith(Number),
    })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(and(eq(subscriptions.accountId, accountId)));
  return row ?? null;
}

/** Monthly prices are charged once per month of the period. */
export function monthsInPeriod(interval: "month" | "year"): number {
  return interval === "year" ? 12 : 1;
}

export interface SeatChangeView {
  from: number;
  to: number;
  at: Date;
  /** What the provider charged (positive) or credited (negative) for it, minor units. */
  amount: number;
  /** A plan change (plan, packages) in words; null for a change of seats. */
  description?: string | null;
  /** The plan before a plan change. */
  fromPlan?: { name: string; seatPrice: number } | null;
}

/** The seat and plan changes made within the period, in the order they took effect. */
export async function getSeatChanges(
  db: Executor,
  accountId: string,
  period: { start: Date; end: Date },
): Promise<SeatChangeView[]> {
  return db
    .select({
      from: subscriptionChanges.fromQuantity,
      to: subscriptionChanges.toQuantity,
      at: subscriptionChanges.effectiveAt,
      amount: subscriptionChanges.prorationAmount,
      description: subscriptionChanges.description,
      fromPlanName: plans.name,
      fromSeatPrice: plans.seatPrice,
    })
    .from(subscriptionChanges)
    .leftJoin(plans, eq(plans.id, subscriptionChanges.fromPlanId))
    .where(
      and(
        eq(subscriptionChanges.accountId, accountId),
        gte(subscriptionChanges.effectiveAt, period.start),
        lt(subscriptionChanges.effectiveAt, period.end),
      ),
    )
    .orderBy(asc(subscriptionChanges.effectiveAt), asc(subscriptionChanges.createdAt))
    .then((rows) =>
      rows.map(({ fromPlanName, fromSeatPrice, ...change }) => ({
        ...change,
        fromPlan: fromPlanName !== null && fromSeatPrice !== null ? { name: fromPlanName, seatPrice: fromSeatPrice } : null,
      })),
    );
}
