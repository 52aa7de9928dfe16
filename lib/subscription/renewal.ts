import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { accountPackages, phoneNumbers, plans, type Subscription, subscriptions } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { planChangeRecorded } from "./hooks";

type Interval = "month" | "year";

/** What stops when a subscription ends: its calling packages, and its numbers are released. */
export async function endWithSubscription(tx: Executor, accountId: string, endedAt: Date): Promise<void> {
  await tx
    .update(accountPackages)
    .set({ endedAt })
    .where(
      and(
        eq(accountPackages.accountId, accountId),
        lt(accountPackages.startedAt, endedAt),
        or(isNull(accountPackages.endedAt), gt(accountPackages.endedAt, endedAt)),
      ),
    );
  await tx
    .update(phoneNumbers)
    .set({ releasedAt: endedAt })
    .where(and(eq(phoneNumbers.accountId, accountId), isNull(phoneNumbers.releasedAt), lt(phoneNumbers.acquiredAt, endedAt)));
}

/**
 * What happens to the subscription when its period ends (in the caller's transaction,
 * with the period's invoice): canceled at period end, it ends (its packages with it);
 * otherwise the change scheduled for the renewal takes effect and the next period starts,
 * of the interval in force from then on.
 */
export async function renewSubscription(
  tx: Executor,
  subscription: Subscription,
  nextPeriodOf: (interval: Interval) => { start: Date; end: Date },
  now: Date,
): Promise<void> {
  const { accountId } = subscription;
  const where = and(eq(subscriptions.id, subscription.id), eq(subscriptions.accountId, accountId));
  if (subscription.cancelAtPeriodEnd) {
    const endedAt = subscription.currentPeriodEnd;
    await tx.update(subscriptions).set({ status: "canceled", scheduledPlanId: null, scheduledInterval: null, updatedAt: now }).where(where);
    await endWithSubscription(tx, accountId, endedAt);
    await recordAudit(tx, { accountId, actorUserId: null, action: "subscription.end", after: { endedAt: endedAt.toISOString() } });
    await planChangeRecorded(tx, { accountId, kind: "ended", description: "the subscription ended" });
    return;
  }
  const interval = subscription.scheduledInterval ?? subscription.interval;
  const next = nextPeriodOf(interval);
  const planId = subscription.scheduledPlanId ?? subscription.planId;
  await tx
    .update(subscriptions)
    .set({
      planId,
      interval,
      currentPeriodStart: next.start,
      currentPeriodEnd: next.end,
      scheduledPlanId: null,
      scheduledInterval: null,
      providerScheduleId: null,
      updatedAt: now,
    })
    .where(where);
  if (planId !== subscription.planId || interval !== subscription.interval) {
    const [plan] = await tx.select({ name: plans.name }).from(plans).where(eq(plans.id, planId));
    const description = `${plan?.name ?? "the plan"}, billed ${interval === "year" ? "yearly" : "monthly"}, from the renewal`;
    await recordAudit(tx, { accountId, actorUserId: null, action: "plan.renewal", after: { description } });
    await planChangeRecorded(tx, { accountId, kind: "renewed", description });
  }
}
