import { and, asc, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { plans, subscriptionChanges, subscriptions, users } from "@/db/schema";
import { run } from "@/db/typed-sql";
import { recordAudit } from "@/lib/audit/record";
import {
  GatewayRequestError,
  GatewayUnavailableError,
  type PaymentGateway,
  type SeatChange,
  type SeatChangePreview,
} from "@/lib/payments/gateway";
import { type Failure, fail, ok, type Result } from "@/lib/result";
import { notifyPlanChanged } from "@/lib/notices/outbox";

/** A seat change the rules do not allow: the message says why, in words, about the quantity. */
function refused(message: string): { ok: false; failure: Failure } {
  return fail("refused", message, { quantity: message });
}

/**
 * The provider's trouble in words. It does not answer: reached only before a change was
 * asked for, so nothing changed. It refuses: nothing changed either.
 */
function providerFailure(error: unknown): { ok: false; failure: Failure } {
  if (error instanceof GatewayUnavailableError) {
    return fail("unavailable", "The payment provider did not answer, so nothing was changed. Please try again.");
  }
  if (error instanceof GatewayRequestError) return fail("refused", `The payment provider refused the change: ${error.message}`);
  throw error;
}

async function seatState(db: Executor, accountId: string) {
  const [subscription] = await db
    .select({
      id: subscriptions.id,
      seatsPurchased: subscriptions.seatsPurchased,
      periodStart: subscriptions.currentPeriodStart,
      periodEnd: subscriptions.currentPeriodEnd,
      providerSubscriptionId: subscriptions.providerSubscriptionId,
      providerSubscriptionItemId: subscriptions.providerSubscriptionItemId,
      seatPrice: plans.seatPrice,
      currency: plans.currency,
      maxSeats: plans.maxSeats,
      scheduledPlanId: subscriptions.scheduledPlanId,
      scheduledInterval: subscriptions.scheduledInterval,
    })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.accountId, accountId));
  if (!subscription) return null;
  const active = await db
    .select({ name: users.name, email: users.email })
    .from(users)
    .where(and(eq(users.accountId, accountId), eq(users.active, true)))
    .orderBy(asc(users.name));
  return { subscription, active };
}

type SeatState = NonNullable<Awaited<ReturnType<typeof seatState>>>;

/**
 * The account's seats, when it has a plan and the quantity is allowed: not below the
 * seats in use (naming who holds them), not above the plan's maximum.
 */
async function allowedChange(db: Executor, accountId: string, quantity: number): Promise<Result<SeatState>> {
  const state = await seatState(db, accountId);
  if (!state) return refused("This account has no plan yet.");
  const { subscription, active } = state;
  if (!Number.isInteger(quantity) || quantity < 1) return refused("Enter a whole number of seats, at least 1.");
  // The renewal's plan and seats are fixed at the provider when a change is scheduled.
  if (subscription.scheduledPlanId || subscription.scheduledInterval) {
    return refused("A plan change is scheduled for the renewal. Undo it on the plan page to change seats before then.");
  }
  if (quantity > subscription.maxSeats) return refused(`The plan allows up to ${subscription.maxSeats} seats.`);
  if (quantity < active.length) {
    return refused(`${active.length} seats are in use (${holders(active)}), so you can't go below ${active.length}. Deactivate users first.`);
  }
  return ok(state);
}

/** The first few holders by name, "Ann, Bob, Cy and 22 more": the users page lists them all. */
const HOLDERS_NAMED = 3;
function holders(active: { name: string }[]): string {
  const names = active.slice(0, HOLDERS_NAMED).map((u) => u.name);
  const more = active.length - names.length;
  if (more > 0) return `${names.join(", ")} and ${more} more`;
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names.join("");
}

function seatChange(state: SeatState, quantity: number, at: Date): SeatChange {
  const { subscription } = state;
  return {
    // Empty when not linked to a provider (the sandbox needs no ids; Stripe refuses).
    subscriptionId: subscription.providerSubscriptionId ?? "",
    subscriptionItemId: subscription.providerSubscriptionItemId ?? "",
    quantity,
    at,
    pricing: {
      seatPrice: subscription.seatPrice,
      currency: subscription.currency,
      currentQuantity: subscription.seatsPurchased,
      periodStart: subscription.periodStart,
      periodEnd: subscription.periodEnd,
    },
  };
}

export interface SeatPreview extends SeatChangePreview {
  from: number;
  to: number;
  renewsAt: Date;
  currentRenewal: number;
}

/** What the change costs now (proration) and from the next renewal, from the provider. */
export async function previewSeats(
  db: Database,
  gateway: PaymentGateway,
  accountId: string,
  quantity: number,
  at = new Date(),
): Promise<Result<SeatPreview>> {
  const allowed = await allowedChange(db, accountId, quantity);
  if (!allowed.ok) return allowed;
  const state = allowed.value;
  let preview: SeatChangePreview;
  try {
    preview = await gateway.previewSeatChange(seatChange(state, quantity, at));
  } catch (error) {
    return providerFailure(error);
  }
  return ok({
    ...preview,
    from: state.subscription.seatsPurchased,
    to: quantity,
    renewsAt: state.subscription.periodEnd,
    currentRenewal: state.subscription.seatsPurchased * state.subscription.seatPrice,
  });
}

export type SeatChangeOutcome =
  | { status: "changed"; from: number; to: number }
  /** The provider was asked and may have made the change, but it is not recorded. */
  | { status: "unconfirmed"; from: number; requested: number };

/**
 * Changes the seats at the provider (once per idempotency key), then records the quantity
 * the provider confirmed and what it charged or credited for the rest of the period. A
 * per-account lock serializes concurrent changes, so the database and the provider
 * cannot end up disagreeing; a refusal changes nothing. `at` is the instant the change is
 * priced at: the preview's, so that the charge is the price that was shown. Once the
 * provider has been asked, a failure leaves the outcome unconfirmed rather than failed:
 * the provider may have changed the seats (and charged the proration), and asking again
 * with the same key returns that change instead of making another.
 */
export async function changeSeats(
  db: Database,
  gateway: PaymentGateway,
  request: { accountId: string; userId: string; quantity: number; idempotencyKey: string; at?: Date },
): Promise<Result<SeatChangeOutcome>> {
  // Set once the provider is asked: from then on, a failure does not mean nothing changed.
  const asked: { from: number | null } = { from: null };
  try {
    return await db.transaction(async (tx): Promise<Result<SeatChangeOutcome>> => {
      await run(tx, sql`select pg_advisory_xact_lock(hashtext(${`seats:${request.accountId}`}))`);
      const allowed = await allowedChange(tx, request.accountId, request.quantity);
      if (!allowed.ok) return allowed;
      const state = allowed.value;
      const from = state.subscription.seatsPurchased;
      if (request.quantity === from) return ok({ status: "changed", from, to: from });
      asked.from = from;
      const at = request.at ?? new Date();
      const confirmed = await gateway.changeSeats({
        ...seatChange(state, request.quantity, at),
        idempotencyKey: request.idempotencyKey,
      });
      await tx
        .update(subscriptions)
        .set({ seatsPurchased: confirmed.quantity, updatedAt: new Date() })
        .where(and(eq(subscriptions.id, state.subscription.id), eq(subscriptions.accountId, request.accountId)));
      if (confirmed.quantity !== from) {
        const [change] = await tx.insert(subscriptionChanges).values({
          accountId: request.accountId,
          kind: "seats",
          fromQuantity: from,
          toQuantity: confirmed.quantity,
          effectiveAt: at,
          prorationAmount: confirmed.prorationAmount,
          currency: confirmed.currency,
          providerInvoiceId: confirmed.invoiceId,
          actorUserId: request.userId,
        }).returning({ id: subscriptionChanges.id });
        await notifyPlanChanged(tx, {
          accountId: request.accountId,
          changeId: change!.id,
          lines: [{ label: "Seats", from: String(from), to: String(confirmed.quantity) }],
          amount: confirmed.prorationAmount,
          currency: confirmed.currency,
          effectiveAt: at,
          actorUserId: request.userId,
        });
      }
      await recordAudit(tx, {
        accountId: request.accountId,
        actorUserId: request.userId,
        action: "seats.change",
        before: { seats: from },
        after: { seats: confirmed.quantity, prorationAmount: confirmed.prorationAmount },
      });
      return ok({ status: "changed", from, to: confirmed.quantity });
    });
  } catch (error) {
    if (asked.from === null || error instanceof GatewayRequestError) return providerFailure(error);
    console.error(`seat change of account ${request.accountId} to ${request.quantity}: outcome not known`, error);
    return ok({ status: "unconfirmed", from: asked.from, requested: request.quantity });
  }
}
