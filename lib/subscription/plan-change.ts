import { and, eq, gt, inArray, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import {
  accountPackages,
  callingPackages,
  type CallingPackage,
  type Plan,
  plans,
  subscriptionChanges,
  subscriptions,
} from "@/db/schema";
import { run } from "@/db/typed-sql";
import { recordAudit } from "@/lib/audit/record";
import {
  GatewayRequestError,
  GatewayUnavailableError,
  type PaymentGateway,
  type PlanChange,
  type PlanItem,
  type PlanShape,
  shapeTotal,
} from "@/lib/payments/gateway";
import { type Failure, fail, ok, type Result } from "@/lib/result";
import { planChangeRecorded } from "./hooks";
import { getPlanState, type Interval, packagePriceFor, planAllows, type PlanState } from "./plan-catalog";

/**
 * Choosing or changing the plan, its calling packages and its billing interval.
 *
 * The rules:
 *   - A dearer plan (by seat price per month) and added packages take effect at once,
 *     prorated by the provider for the rest of the period.
 *   - A cheaper plan, removed packages and any change of billing interval take effect at
 *     the renewal: the provider schedules them, nothing is prorated, and they can be
 *     undone until then. A package being removed keeps covering calls until the renewal.
 *   - Refused at the field: a plan allowing fewer seats than are in use or purchased, a
 *     package the plan does not allow, anything outside the account's catalogue.
 *   - While a change is scheduled or the subscription is canceled at period end, a new
 *     change waits: the admin undoes (or resumes) first, so provider and page agree.
 *   - The provider is asked first; the database records what it confirmed, with the
 *     audit entry, in one transaction under the account's subscription lock.
 */

export interface PlanRequest {
  planCode: string;
  interval: Interval;
  packageIds: string[];
}

/** The lock every change of the account's subscription takes (seats, plan, provider events). */
export async function lockSubscription(tx: Executor, accountId: string): Promise<void> {
  await run(tx, sql`select pg_advisory_xact_lock(hashtext(${`seats:${accountId}`}))`);
}

export function refused(field: "plan" | "packages" | "interval" | "form", message: string): { ok: false; failure: Failure } {
  return field === "form" ? fail("refused", message) : fail("refused", message, { [field]: message });
}

export function providerFailure(error: unknown): { ok: false; failure: Failure } {
  if (error instanceof GatewayUnavailableError) {
    return fail("unavailable", "The payment provider did not answer, so nothing was changed. Please try again.");
  }
  if (error instanceof GatewayRequestError) return fail("refused", `The payment provider refused the change: ${error.message}`);
  throw error;
}

export const words = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;

export const intervalWord = (interval: Interval) => (interval === "year" ? "yearly" : "monthly");

/** The plan and packages asked for, from the account's own catalogue, checked against the rules. */
export async function resolveRequest(
  db: Executor,
  currency: string,
  request: PlanRequest,
  seats: { inUse: number; purchased: number },
  /** The account's plan: kept even when it is no longer offered. */
  currentPlanCode: string | null = null,
): Promise<Result<{ plan: Plan; packages: CallingPackage[] }>> {
  const [plan] = await db
    .select()
    .from(plans)
    .where(and(eq(plans.code, request.planCode), eq(plans.currency, currency), eq(plans.interval, request.interval)));
  if (!plan || (!plan.offered && plan.code !== currentPlanCode)) return refused("plan", "Choose one of the plans shown.");
  const ids = [...new Set(request.packageIds)];
  const packages = ids.length
    ? await db.select().from(callingPackages).where(and(inArray(callingPackages.id, ids), eq(callingPackages.currency, currency)))
    : [];
  if (packages.length !== ids.length) return refused("packages", "Choose calling packages from the list shown.");
  const needed = Math.max(seats.inUse, seats.purchased);
  if (needed > plan.maxSeats) {
    const why = seats.inUse >= seats.purchased ? `${seats.inUse} seats are in use` : `you have ${seats.purchased} seats`;
    return refused("plan", `${plan.name} allows up to ${plan.maxSeats} seats, and ${why}. Remove seats or deactivate users first.`);
  }
  const notAllowed = packages.filter((p) => !planAllows(plan, p.code));
  if (notAllowed.length > 0) {
    const names = words(notAllowed.map((p) => p.name));
    return refused("packages", `${plan.name} does not include ${names}. Choose another plan, or leave ${names} out.`);
  }
  return ok({ plan, packages: packages.sort((a, b) => a.name.localeCompare(b.name)) });
}

/**
 * The provider's prices: a plan's row has its own (one per interval); a package's price is
 * monthly, and its yearly price (a subscription's items share one interval) is named
 * after it with "_year".
 */
const priceIdOfPlan = (plan: Plan) => plan.providerPriceId ?? `plan:${plan.id}`;
const priceIdOfPackage = (pkg: CallingPackage, interval: Interval) =>
  pkg.providerPriceId ? (interval === "year" ? `${pkg.providerPriceId}_year` : pkg.providerPriceId) : `package:${pkg.id}:${interval}`;

export function seatItem(plan: Plan, quantity: number, itemId: string | null): PlanItem {
  return { key: "seats", priceId: priceIdOfPlan(plan), unitAmount: plan.seatPrice, quantity, itemId };
}

export function packageItem(pkg: CallingPackage, interval: Interval, quantity: number, itemId: string | null): PlanItem {
  return { key: pkg.id, priceId: priceIdOfPackage(pkg, interval), unitAmount: packagePriceFor(pkg.monthlyPrice, interval), quantity, itemId };
}

const monthlySeatPrice = (plan: Plan) => plan.seatPrice / (plan.interval === "year" ? 12 : 1);

export interface PlannedChange {
  change: PlanChange;
  /** Plan in force from now on (the current one unless upgraded). */
  planNow: Plan;
  /** Plan from the renewal, when it differs from planNow or the interval changes. */
  planAtRenewal: Plan | null;
  intervalAtRenewal: Interval | null;
  added: CallingPackage[];
  removed: CallingPackage[];
  /** What happens now and at the renewal, in words. */
  now: string[];
  atRenewal: string[];
}

/** Splits the request into what takes effect now and what at the renewal. */
async function planChange(db: Executor, state: PlanState, target: { plan: Plan; packages: CallingPackage[] }, at: Date): Promise<PlannedChange> {
  const { subscription, plan: current } = state;
  const interval = subscription.interval;
  const intervalChanges = target.plan.interval !== interval;
  // The target plan at the current interval, for an upgrade made at once.
  let targetNow = target.plan;
  if (intervalChanges) {
    const [sameInterval] = await db
      .select()
      .from(plans)
      .where(and(eq(plans.code, target.plan.code), eq(plans.currency, target.plan.currency), eq(plans.interval, interval)));
    targetNow = sameInterval ?? current;
  }
  const upgrade = targetNow.id !== current.id && monthlySeatPrice(targetNow) > monthlySeatPrice(current);
  const planNow = upgrade ? targetNow : current;
  const planAtRenewal = target.plan.id !== planNow.id ? target.plan : null;

  const heldIds = new Set(state.packages.map((p) => p.package.id));
  const wanted = new Set(target.packages.map((p) => p.id));
  const added = target.packages.filter((p) => !heldIds.has(p.id));
  const removed = state.packages.filter((p) => !wanted.has(p.package.id)).map((p) => p.package);
  const seats = subscription.seatsPurchased;

  const currentShape: PlanShape = {
    interval,
    items: [
      seatItem(current, seats, subscription.providerSubscriptionItemId),
      ...state.packages.map((p) => packageItem(p.package, interval, p.quantity, p.providerItemId)),
    ],
  };
  const nowShape: PlanShape = {
    interval,
    items: [
      seatItem(planNow, seats, subscription.providerSubscriptionItemId),
      ...state.packages.map((p) => packageItem(p.package, interval, p.quantity, p.providerItemId)),
      ...added.map((p) => packageItem(p, interval, seats, null)),
    ],
  };
  const scheduled = planAtRenewal !== null || removed.length > 0 || intervalChanges;
  const quantityOf = (pkg: CallingPackage) => state.packages.find((p) => p.package.id === pkg.id)?.quantity ?? seats;
  const renewalShape: PlanShape | null = scheduled
    ? {
        interval: target.plan.interval,
        items: [
          seatItem(target.plan, seats, null),
          ...target.packages.map((p) => packageItem(p, target.plan.interval, quantityOf(p), null)),
        ],
      }
    : null;

  const now: string[] = [];
  if (upgrade) now.push(`${current.name} becomes ${planNow.name}`);
  if (added.length) now.push(`${words(added.map((p) => p.name))} ${added.length > 1 ? "are" : "is"} added`);
  const atRenewal: string[] = [];
  if (planAtRenewal && planAtRenewal.code !== planNow.code) atRenewal.push(`${planNow.name} becomes ${planAtRenewal.name}`);
  if (intervalChanges) atRenewal.push(`billing becomes ${intervalWord(target.plan.interval)}`);
  if (removed.length) atRenewal.push(`${words(removed.map((p) => p.name))} ${removed.length > 1 ? "are" : "is"} removed`);

  return {
    change: {
      accountId: subscription.accountId,
      subscriptionId: subscription.providerSubscriptionId ?? "",
      at,
      currency: current.currency,
      period: { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd },
      current: currentShape,
      now: nowShape,
      atRenewal: renewalShape,
    },
    planNow,
    planAtRenewal,
    intervalAtRenewal: intervalChanges ? target.plan.interval : null,
    added,
    removed,
    now,
    atRenewal,
  };
}

/** Why no change can be made now, or null. */
function blocked(state: PlanState): string | null {
  if (state.subscription.status === "canceled") return "This subscription has ended. Choose a plan to start a new one.";
  if (state.subscription.cancelAtPeriodEnd) return "The subscription is canceled at the end of the period. Resume it first, then change the plan.";
  if (state.scheduled) return "A change is already scheduled for the renewal. Undo it first, then choose again.";
  return null;
}

async function plannedFor(db: Executor, accountId: string, request: PlanRequest, at: Date): Promise<Result<{ state: PlanState; planned: PlannedChange }>> {
  const state = await getPlanState(db, accountId, at);
  if (!state) return refused("form", "This account has no plan yet.");
  const why = blocked(state);
  if (why) return refused("form", why);
  const target = await resolveRequest(
    db,
    state.plan.currency,
    request,
    { inUse: state.seatsInUse, purchased: state.subscription.seatsPurchased },
    state.plan.code,
  );
  if (!target.ok) return target;
  const planned = await planChange(db, state, target.value, at);
  if (planned.now.length === 0 && planned.atRenewal.length === 0) {
    return refused("form", "That is your current plan: nothing would change.");
  }
  return ok({ state, planned });
}

export interface PlanPreview {
  /** Charged (positive) or credited (negative) now, minor units. */
  prorationNow: number;
  /** What each renewal costs from the next one, minor units. */
  nextRenewal: number;
  currentRenewal: number;
  currency: string;
  now: string[];
  atRenewal: string[];
  renewsAt: Date;
}

/** What the change costs now and from the renewal, and when each part takes effect, from the provider. */
export async function previewPlanChange(
  db: Database,
  gateway: PaymentGateway,
  accountId: string,
  request: PlanRequest,
  at = new Date(),
): Promise<Result<PlanPreview>> {
  const found = await plannedFor(db, accountId, request, at);
  if (!found.ok) return found;
  const { state, planned } = found.value;
  try {
    const preview = await gateway.previewPlanChange(planned.change);
    return ok({
      ...preview,
      currentRenewal: shapeTotal(planned.change.current),
      now: planned.now,
      atRenewal: planned.atRenewal,
      renewsAt: state.subscription.currentPeriodEnd,
    });
  } catch (error) {
    return providerFailure(error);
  }
}

export type PlanChangeOutcome =
  | { status: "changed"; now: string[]; atRenewal: string[]; prorationAmount: number; currency: string; renewsAt: Date }
  /** The provider was asked and may have made the change, but it is not recorded. */
  | { status: "unconfirmed" };

/**
 * Makes the change at the provider (once per idempotency key), then records what it
 * confirmed: the plan and packages in force now, what is scheduled for the renewal, the
 * proration as a subscription change (it appears on the period's invoice), and the audit
 * entry. `at` is the preview's instant, so that the charge is the price shown.
 */
export async function changePlan(
  db: Database,
  gateway: PaymentGateway,
  request: PlanRequest & { accountId: string; userId: string; idempotencyKey: string; at?: Date },
): Promise<Result<PlanChangeOutcome>> {
  const asked = { value: false };
  const at = request.at ?? new Date();
  try {
    return await db.transaction(async (tx): Promise<Result<PlanChangeOutcome>> => {
      await lockSubscription(tx, request.accountId);
      const found = await plannedFor(tx, request.accountId, request, at);
      if (!found.ok) return found;
      const { state, planned } = found.value;
      asked.value = true;
      const confirmed = await gateway.changePlan({ ...planned.change, idempotencyKey: request.idempotencyKey });
      const { subscription } = state;
      await tx
        .update(subscriptions)
        .set({
          planId: planned.planNow.id,
          providerSubscriptionItemId: confirmed.itemIds.seats ?? subscription.providerSubscriptionItemId,
          scheduledPlanId: planned.planAtRenewal?.id ?? null,
          scheduledInterval: planned.intervalAtRenewal,
          providerScheduleId: confirmed.scheduleId,
          updatedAt: new Date(),
        })
        .where(and(eq(subscriptions.id, subscription.id), eq(subscriptions.accountId, request.accountId)));
      if (planned.added.length) {
        await tx.insert(accountPackages).values(
          planned.added.map((pkg) => ({
            accountId: request.accountId,
            packageId: pkg.id,
            quantity: subscription.seatsPurchased,
            unitPrice: pkg.monthlyPrice,
            startedAt: at,
            providerItemId: confirmed.itemIds[pkg.id] ?? null,
          })),
        );
      }
      for (const held of state.packages) {
        const itemId = confirmed.itemIds[held.package.id];
        const removed = planned.removed.some((p) => p.id === held.package.id);
        if (!removed && (!itemId || itemId === held.providerItemId)) continue;
        await tx
          .update(accountPackages)
          .set(removed ? { endedAt: subscription.currentPeriodEnd } : { providerItemId: itemId })
          .where(and(eq(accountPackages.id, held.rowId), eq(accountPackages.accountId, request.accountId)));
      }
      const description = [
        ...planned.now.map((w) => `${w} now`),
        ...planned.atRenewal.map((w) => `${w} at the renewal`),
      ].join("; ");
      if (planned.now.length > 0) {
        await tx.insert(subscriptionChanges).values({
          accountId: request.accountId,
          kind: "plan",
          fromQuantity: subscription.seatsPurchased,
          toQuantity: subscription.seatsPurchased,
          effectiveAt: at,
          prorationAmount: confirmed.prorationAmount,
          currency: confirmed.currency,
          providerInvoiceId: confirmed.invoiceId,
          actorUserId: request.userId,
          description: planned.now.join(" and "),
          fromPlanId: state.plan.id,
        });
      }
      await recordAudit(tx, {
        accountId: request.accountId,
        actorUserId: request.userId,
        action: "plan.change",
        before: { plan: state.plan.name, interval: subscription.interval, packages: state.packages.map((p) => p.package.name) },
        after: {
          now: planned.now,
          atRenewal: planned.atRenewal,
          renewsAt: subscription.currentPeriodEnd.toISOString(),
          prorationAmount: confirmed.prorationAmount,
        },
      });
      await planChangeRecorded(tx, { accountId: request.accountId, kind: "changed", description });
      return ok({
        status: "changed",
        now: planned.now,
        atRenewal: planned.atRenewal,
        prorationAmount: confirmed.prorationAmount,
        currency: confirmed.currency,
        renewsAt: subscription.currentPeriodEnd,
      });
    });
  } catch (error) {
    if (!asked.value || error instanceof GatewayRequestError) return providerFailure(error);
    console.error(`plan change of account ${request.accountId}: outcome not known`, error);
    return ok({ status: "unconfirmed" });
  }
}

/** Drops the change scheduled for the renewal, at the provider first; the plan stays as it is. */
export async function undoScheduledChange(
  db: Database,
  gateway: PaymentGateway,
  request: { accountId: string; userId: string },
): Promise<Result<{ undone: string[] }>> {
  try {
    return await db.transaction(async (tx) => {
      await lockSubscription(tx, request.accountId);
      const state = await getPlanState(tx, request.accountId);
      if (!state) return refused("form", "This account has no plan yet.");
      if (!state.scheduled) return refused("form", "No change is scheduled.");
      const { subscription } = state;
      await gateway.cancelScheduledChange({
        subscriptionId: subscription.providerSubscriptionId ?? "",
        scheduleId: subscription.providerScheduleId,
      });
      const undone = scheduledWords(state);
      await tx
        .update(subscriptions)
        .set({ scheduledPlanId: null, scheduledInterval: null, providerScheduleId: null, updatedAt: new Date() })
        .where(and(eq(subscriptions.id, subscription.id), eq(subscriptions.accountId, request.accountId)));
      await tx
        .update(accountPackages)
        .set({ endedAt: null })
        .where(
          and(
            eq(accountPackages.accountId, request.accountId),
            eq(accountPackages.endedAt, subscription.currentPeriodEnd),
            gt(accountPackages.endedAt, new Date()),
          ),
        );
      await recordAudit(tx, {
        accountId: request.accountId,
        actorUserId: request.userId,
        action: "plan.undo",
        before: { scheduled: undone },
      });
      await planChangeRecorded(tx, { accountId: request.accountId, kind: "undone", description: undone.join("; ") });
      return ok({ undone });
    });
  } catch (error) {
    return providerFailure(error);
  }
}

/** The scheduled change in words: "Expert becomes Essential", "Europe is removed". */
export function scheduledWords(state: PlanState): string[] {
  const scheduled = state.scheduled;
  if (!scheduled) return [];
  const list: string[] = [];
  if (scheduled.plan && scheduled.plan.code !== state.plan.code) list.push(`${state.plan.name} becomes ${scheduled.plan.name}`);
  if (scheduled.interval) list.push(`billing becomes ${intervalWord(scheduled.interval)}`);
  if (scheduled.removedPackages.length) {
    list.push(`${words(scheduled.removedPackages.map((p) => p.name))} ${scheduled.removedPackages.length > 1 ? "are" : "is"} removed`);
  }
  return list;
}
