import { and, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { accountPackages, accounts, rateCards, subscriptions, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { customerFor } from "@/lib/credit/top-ups";
import { formatMoney } from "@/lib/money";
import { GatewayRequestError, type PaymentGateway, type PlanShape, shapeTotal } from "@/lib/payments/gateway";
import { getPaymentMethod } from "@/lib/payments/payment-methods";
import { fail, ok, type Result } from "@/lib/result";
import { planChangeRecorded } from "./hooks";
import { getPlanState, type Interval, packagePriceFor } from "./plan-catalog";
import {
  intervalWord,
  lockSubscription,
  packageItem,
  type PlanRequest,
  providerFailure,
  refused,
  resolveRequest,
  seatItem,
  words,
} from "./plan-change";

/**
 * A brand-new account's first plan: the same choices as a change (plan, interval,
 * packages, checked by the same rules), priced in full for the first period, which its
 * invoice charges to the saved payment method when the period closes, as every period's.
 */

export type StartOutcome = { status: "started"; planName: string; renewsAt: Date } | { status: "unconfirmed" };

/**
 * A brand-new account's first plan: the provider starts the subscription (nothing is
 * charged yet), then the subscription and its packages are recorded.
 */
export async function startPlan(
  db: Database,
  gateway: PaymentGateway,
  request: PlanRequest & { accountId: string; userId: string; idempotencyKey: string; at?: Date },
): Promise<Result<StartOutcome>> {
  const at = request.at ?? new Date();
  const [account] = await db.select().from(accounts).where(eq(accounts.id, request.accountId));
  if (!account) return fail("not_found", "No such account.");
  const existing = await getPlanState(db, request.accountId, at);
  if (existing && existing.subscription.status !== "canceled") return refused("form", "This account has a plan already. Reload the page.");
  const [inUse] = await db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(users)
    .where(and(eq(users.accountId, request.accountId), eq(users.active, true)));
  // Every active user holds a seat; the seats page adds more.
  const seats = Math.max(1, inUse?.count ?? 0);
  const target = await resolveRequest(db, account.currency, request, { inUse: seats, purchased: 0 });
  if (!target.ok) return target;
  const method = await getPaymentMethod(db, request.accountId);
  if (!method) return refused("form", "Add a payment method first: the plan is charged to it.");
  const { plan, packages } = target.value;
  const shape: PlanShape = {
    interval: plan.interval,
    items: [seatItem(plan, seats, null), ...packages.map((p) => packageItem(p, plan.interval, seats, null))],
  };
  const asked = { value: false };
  try {
    const customerId = await customerFor(db, gateway, request.accountId);
    // Under the account's subscription lock, as every change: two starts at once (two
    // tabs, a double click with new keys) make one subscription at the provider.
    return await db.transaction(async (tx): Promise<Result<StartOutcome>> => {
      await lockSubscription(tx, request.accountId);
      const current = await getPlanState(tx, request.accountId, at);
      if (current && current.subscription.status !== "canceled") return refused("form", "This account has a plan already. Reload the page.");
      asked.value = true;
      const started = await gateway.startSubscription({
        accountId: request.accountId,
        customerId,
        paymentMethodId: method.providerPaymentMethodId,
        currency: account.currency,
        at,
        shape,
        idempotencyKey: request.idempotencyKey,
      });
      const [rateCard] = await tx.select({ id: rateCards.id }).from(rateCards).where(eq(rateCards.currency, account.currency)).limit(1);
      const subscription = {
        planId: plan.id,
        interval: plan.interval,
        status: "active" as const,
        seatsPurchased: seats,
        currentPeriodStart: started.periodStart,
        currentPeriodEnd: started.periodEnd,
        rateCardId: rateCard?.id ?? null,
        providerCustomerId: customerId,
        providerSubscriptionId: started.subscriptionId,
        providerSubscriptionItemId: started.itemIds.seats ?? null,
      };
      // An account's subscription that ended starts again in the same row (one per account).
      const [recorded] = await tx
        .insert(subscriptions)
        .values({ accountId: request.accountId, ...subscription })
        .onConflictDoUpdate({
          target: subscriptions.accountId,
          set: {
            ...subscription,
            cancelAtPeriodEnd: false,
            cancelReason: null,
            cancelRequestedAt: null,
            scheduledPlanId: null,
            scheduledInterval: null,
            providerScheduleId: null,
            updatedAt: new Date(),
          },
          setWhere: eq(subscriptions.status, "canceled"),
        })
        .returning({ id: subscriptions.id });
      if (!recorded) throw new Error("the account has an active subscription already");
      if (packages.length) {
        await tx.insert(accountPackages).values(
          packages.map((pkg) => ({
            accountId: request.accountId,
            packageId: pkg.id,
            quantity: seats,
            unitPrice: pkg.monthlyPrice,
            startedAt: started.periodStart,
            providerItemId: started.itemIds[pkg.id] ?? null,
          })),
        );
      }
      const description = `${plan.name}, ${intervalWord(plan.interval)}, ${seats} seats${packages.length ? ` with ${words(packages.map((p) => p.name))}` : ""}`;
      await recordAudit(tx, {
        accountId: request.accountId,
        actorUserId: request.userId,
        action: "plan.start",
        after: { description, perRenewal: formatMoney(shapeTotal(shape), account.currency) },
      });
      await planChangeRecorded(tx, { accountId: request.accountId, kind: "started", description });
      return ok({ status: "started", planName: plan.name, renewsAt: started.periodEnd });
    });
  } catch (error) {
    if (!asked.value || error instanceof GatewayRequestError) return providerFailure(error);
    // The provider may have started it; a retry with the same key finds the same subscription.
    console.error(`plan start of account ${request.accountId}: outcome not known`, error);
    return ok({ status: "unconfirmed" });
  }
}

export interface StartPreview {
  planName: string;
  seats: number;
  /** What each period costs, invoiced when it closes, minor units. */
  perRenewal: number;
  currency: string;
  interval: Interval;
  packages: string[];
}

/** What a first plan costs per period. */
export async function previewStart(db: Executor, accountId: string, request: PlanRequest): Promise<Result<StartPreview>> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) return fail("not_found", "No such account.");
  const [inUse] = await db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(users)
    .where(and(eq(users.accountId, accountId), eq(users.active, true)));
  const seats = Math.max(1, inUse?.count ?? 0);
  const target = await resolveRequest(db, account.currency, request, { inUse: seats, purchased: 0 });
  if (!target.ok) return target;
  const { plan, packages } = target.value;
  const perRenewal = seats * plan.seatPrice + packages.reduce((sum, p) => sum + seats * packagePriceFor(p.monthlyPrice, plan.interval), 0);
  return ok({ planName: plan.name, seats, perRenewal, currency: account.currency, interval: plan.interval, packages: packages.map((p) => p.name) });
}
