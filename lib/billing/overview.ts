import { and, eq, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import {
  accounts,
  creditBalances,
  paymentMethods,
  plans,
  subscriptions,
  users,
} from "@/db/schema";

/** The headline figures of one account's billing; every query filters by the account. */
export async function getBillingOverview(db: Executor, accountId: string) {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw new Error(`account ${accountId} not found`);
  const [[subscription], [balance], [seats], [paymentMethod]] = await Promise.all([
    db
      .select({
        planName: plans.name,
        interval: subscriptions.interval,
        seatsPurchased: subscriptions.seatsPurchased,
        renewsAt: subscriptions.currentPeriodEnd,
      })
      .from(subscriptions)
      .innerJoin(plans, eq(plans.id, subscriptions.planId))
      .where(eq(subscriptions.accountId, accountId)),
    db.select({ balance: creditBalances.balance }).from(creditBalances).where(eq(creditBalances.accountId, accountId)),
    db
      .select({ used: sql<number>`count(*)::int` })
      .from(users)
      .where(and(eq(users.accountId, accountId), eq(users.active, true))),
    db
      .select()
      .from(paymentMethods)
      .where(and(eq(paymentMethods.accountId, accountId), isNull(paymentMethods.replacedAt))),
  ]);
  return {
    account,
    subscription: subscription ?? null,
    balance: balance?.balance ?? 0,
    seatsUsed: seats?.used ?? 0,
    paymentMethod: paymentMethod ?? null,
  };
}

export type BillingOverview = Awaited<ReturnType<typeof getBillingOverview>>;
