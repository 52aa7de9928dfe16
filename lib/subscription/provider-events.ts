import { and, eq, gt, inArray, isNull, lt, ne, or, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Executor } from "@/db/client";
import { run } from "@/db/typed-sql";
import { accountPackages, callingPackages, plans, subscriptions } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { closePeriodIn } from "@/lib/invoices/close";
import { planChangeRecorded } from "./hooks";
import { hasUnpaidRenewals } from "./past-due";
import { lockSubscription } from "./plan-change";
import { endWithSubscription } from "./renewal";

/**
 * Keeps the subscription in step with the provider's `customer.subscription.updated` and
 * `customer.subscription.deleted` events: status, period, cancellation at period end, the
 * plan (by the seat item's price), seats, and which calling packages are in force. The
 * event sets the state the provider has; applying it again changes nothing. Every change
 * it makes is audited in words.
 */

const STATUS: Record<string, "active" | "past_due" | "canceled" | "trialing"> = {
  active: "active",
  trialing: "trialing",
  past_due: "past_due",
  unpaid: "past_due",
  canceled: "canceled",
  incomplete_expired: "canceled",
};

type ProviderItem = { id: string; quantity?: number; price: { id: string }; current_period_start?: number; current_period_end?: number };

export async function syncProviderSubscription(
  tx: Executor,
  object: Stripe.Subscription,
  deleted: boolean,
  /** When the provider created the event. */
  eventAt: Date,
): Promise<"processed" | "ignored"> {
  const [ours] = await tx
    .select({ accountId: subscriptions.accountId })
    .from(subscriptions)
    .where(eq(subscriptions.providerSubscriptionId, object.id));
  if (!ours) return "ignored";
  const accountId = ours.accountId;
  // Behind a change that waits on the provider, give up soon: the event fails, and the
  // provider sends it again, rather than holding a connection for as long.
  await run(tx, sql`set local lock_timeout = '5s'`);
  await lockSubscription(tx, accountId);
  // Ended at the provider within a period (canceled at once, by hand): that period ends
  // then, and is invoiced as it stood, the unused days not credited (as the provider
  // does not refund them); the periods are charged when they close, so it would otherwise
  // never be.
  if (deleted && object.ended_at) {
    const endedAt = new Date(object.ended_at * 1000);
    await tx
      .update(subscriptions)
      .set({ currentPeriodEnd: endedAt, updatedAt: new Date() })
      .where(
        and(
          eq(subscriptions.accountId, accountId),
          ne(subscriptions.status, "canceled"),
          lt(subscriptions.currentPeriodStart, endedAt),
          gt(subscriptions.currentPeriodEnd, endedAt),
        ),
      );
  }
  // Our periods that have ended are invoiced first, at the plan and seats they had, and
  // moved on by our own renewal: the provider's renewal event must not skip an invoice.
  for (let closed = 0; closed < 24; closed++) {
    if ((await closePeriodIn(tx, accountId, new Date())).status === "not_due") break;
  }
  const [subscription] = await tx.select().from(subscriptions).where(eq(subscriptions.accountId, accountId));
  if (!subscription) return "ignored";
  // Events may arrive in any order: one older than the last applied describes a past state.
  if (subscription.providerEventAt && eventAt < subscription.providerEventAt) return "ignored";
  await tx
    .update(subscriptions)
    .set({ providerEventAt: eventAt })
    .where(and(eq(subscriptions.id, subscription.id), eq(subscriptions.accountId, accountId)));
  const [plan] = await tx.select().from(plans).where(eq(plans.id, subscription.planId));
  const items = (object.items?.data ?? []) as unknown as ProviderItem[];
  const now = new Date();
  const changes: string[] = [];
  const set: Partial<typeof subscriptions.$inferInsert> = {};

  let status = deleted ? "canceled" : (STATUS[object.status] ?? subscription.status);
  // Our invoices are the only charges (the provider's subscription never collects), so
  // past due means a renewal invoice of ours is unpaid: the provider's word alone would
  // show a past due of nothing, with nothing to pay; an unpaid renewal keeps it past due.
  if (status === "active" || status === "past_due") status = (await hasUnpaidRenewals(tx, accountId)) ? "past_due" : "active";
  if (status !== subscription.status) {
    set.status = status;
    changes.push(`status ${subscription.status.replace("_", " ")} → ${status.replace("_", " ")}`);
  }
  const cancel = Boolean(object.cancel_at_period_end);
  if (!deleted && cancel !== subscription.cancelAtPeriodEnd) {
    set.cancelAtPeriodEnd = cancel;
    if (!cancel) Object.assign(set, { cancelReason: null, cancelRequestedAt: null });
    changes.push(cancel ? "canceled at the end of the period" : "resumed");
  }
  // The seat item by its id; after a phase of a schedule changed the price, the provider
  // bills the seats under a new item, found by a plan's price, and linked from then on.
  let seatItem = items.find((i) => i.id === subscription.providerSubscriptionItemId);
  if (!seatItem && plan && items.length > 0) {
    const seatPrices = await tx
      .select({ priceId: plans.providerPriceId })
      .from(plans)
      .where(and(eq(plans.currency, plan.currency), inArray(plans.providerPriceId, items.map((i) => i.price.id))));
    const prices = new Set(seatPrices.map((p) => p.priceId));
    seatItem = items.find((i) => prices.has(i.price.id));
    // Bookkeeping, not a change the account hears about.
    if (seatItem) set.providerSubscriptionItemId = seatItem.id;
  }
  const period = seatItem ?? items[0];
  // An ended subscription keeps the period it was invoiced up to.
  if (!deleted && period?.current_period_start && period.current_period_end) {
    const start = new Date(period.current_period_start * 1000);
    const end = new Date(period.current_period_end * 1000);
    if (start.getTime() !== subscription.currentPeriodStart.getTime() || end.getTime() !== subscription.currentPeriodEnd.getTime()) {
      Object.assign(set, { currentPeriodStart: start, currentPeriodEnd: end });
      changes.push(`period ${start.toISOString().slice(0, 10)} to ${end.toISOString().slice(0, 10)}`);
    }
  }
  if (seatItem && plan) {
    if (seatItem.price.id !== plan.providerPriceId) {
      const [next] = await tx
        .select()
        .from(plans)
        .where(and(eq(plans.providerPriceId, seatItem.price.id), eq(plans.currency, plan.currency)));
      if (next) {
        Object.assign(set, { planId: next.id, interval: next.interval });
        changes.push(`plan ${plan.name} (${plan.interval}ly) → ${next.name} (${next.interval}ly)`);
        // The change scheduled for the renewal has happened.
        if (next.id === subscription.scheduledPlanId || next.interval === subscription.scheduledInterval) {
          Object.assign(set, { scheduledPlanId: null, scheduledInterval: null, providerScheduleId: null });
        }
      }
    }
    if (seatItem.quantity && seatItem.quantity !== subscription.seatsPurchased) {
      set.seatsPurchased = seatItem.quantity;
      changes.push(`seats ${subscription.seatsPurchased} → ${seatItem.quantity}`);
    }
  }

  // Packages: those the provider no longer bills end, and those it bills start, when it
  // changed them (the event's time), not when the event reached us.
  const changedAt = eventAt < now ? eventAt : now;
  const held = await tx
    .select({ row: accountPackages, pkg: callingPackages })
    .from(accountPackages)
    .innerJoin(callingPackages, eq(callingPackages.id, accountPackages.packageId))
    .where(and(eq(accountPackages.accountId, accountId), or(isNull(accountPackages.endedAt), gt(accountPackages.endedAt, now))));
  const billedPrices = new Set(items.filter((i) => i.id !== seatItem?.id).map((i) => i.price.id));
  const isBilled = (providerPriceId: string | null) =>
    providerPriceId !== null && (billedPrices.has(providerPriceId) || billedPrices.has(`${providerPriceId}_year`));
  // Packages bought before the provider billed them as items are left alone.
  const linked = held.some((h) => h.row.providerItemId !== null);
  if (seatItem && (linked || billedPrices.size > 0)) {
    for (const { row, pkg } of held) {
      if (deleted || !isBilled(pkg.providerPriceId)) {
        await tx
          .update(accountPackages)
          .set({ endedAt: changedAt })
          .where(and(eq(accountPackages.id, row.id), eq(accountPackages.accountId, accountId)));
        changes.push(`${pkg.name} ended`);
      }
    }
    if (!deleted && plan) {
      const heldPrices = new Set(held.map((h) => h.pkg.providerPriceId));
      for (const item of items) {
        if (item.id === seatItem?.id) continue;
        const priceId = item.price.id.replace(/_year$/, "");
        if (heldPrices.has(priceId)) continue;
        const [pkg] = await tx
          .select()
          .from(callingPackages)
          .where(and(eq(callingPackages.providerPriceId, priceId), eq(callingPackages.currency, plan.currency)));
        if (!pkg) continue;
        await tx.insert(accountPackages).values({
          accountId,
          packageId: pkg.id,
          quantity: item.quantity ?? subscription.seatsPurchased,
          unitPrice: pkg.monthlyPrice,
          startedAt: changedAt,
          providerItemId: item.id,
        });
        changes.push(`${pkg.name} started`);
      }
    }
  }

  if (deleted && subscription.status !== "canceled") {
    const endedAt = object.ended_at ? new Date(object.ended_at * 1000) : now;
    await endWithSubscription(tx, accountId, endedAt < now ? endedAt : now);
    changes.push("calls, numbers and credit stopped");
  }
  if (Object.keys(set).length > 0) {
    await tx
      .update(subscriptions)
      .set({ ...set, updatedAt: now })
      .where(and(eq(subscriptions.id, subscription.id), eq(subscriptions.accountId, accountId)));
  }
  if (changes.length === 0) return "processed";
  const description = changes.join("; ");
  await recordAudit(tx, { accountId, actorUserId: null, action: "subscription.provider_update", after: { description } });
  // A new period alone is a renewal, not a change to tell the account about.
  if (changes.some((change) => !change.startsWith("period "))) {
    await planChangeRecorded(tx, { accountId, kind: deleted ? "ended" : "changed", description });
  }
  return "processed";
}
