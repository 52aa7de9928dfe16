import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { type SandboxPaymentIntent, sandboxPaymentIntents } from "@/db/schema";
import {
  type ChargeRef,
  type ChargeRequest,
  type ChargeResult,
  GatewayRequestError,
  type PaymentGateway,
  proratePlanChange,
  prorateSeatChange,
  type SavedPaymentMethod,
} from "./gateway";

/**
 * The demo's payment provider when no Stripe key is set: no money moves. Cards behave as
 * Stripe's test cards do: saving one confirms it as Stripe's SetupIntent does (the
 * declined card is refused there; insufficient funds and 3-D Secure show only when
 * charged), and a saved payment method carries the outcome of its charges.
 */
export const SANDBOX_CARDS: Record<string, { outcome: SandboxOutcome; brand: string; last4: string }> = {
  "4242424242424242": { outcome: "succeeds", brand: "visa", last4: "4242" },
  "5555555555554444": { outcome: "succeeds", brand: "mastercard", last4: "4444" },
  "4000000000000002": { outcome: "declined", brand: "visa", last4: "0002" },
  "4000000000009995": { outcome: "insufficient_funds", brand: "visa", last4: "9995" },
  "4000002760003184": { outcome: "authentication_required", brand: "visa", last4: "3184" },
};

export type SandboxOutcome = "succeeds" | "declined" | "insufficient_funds" | "authentication_required";

/** Sandbox payment method ids name their outcome: pm_sandbox_<outcome>_<suffix>. */
export function sandboxPaymentMethodId(outcome: SandboxOutcome, suffix: string): string {
  return `pm_sandbox_${outcome}_${suffix}`;
}

function outcomeOf(paymentMethodId: string): SandboxOutcome {
  const match = paymentMethodId.match(/^pm_sandbox_(succeeds|declined|insufficient_funds|authentication_required)_/);
  return (match?.[1] as SandboxOutcome) ?? "succeeds";
}

/** What confirming a card for later payments answers, as Stripe's SetupIntent does. */
export type SandboxSetupResult =
  | { status: "succeeded"; method: SavedPaymentMethod }
  | { status: "requires_payment_method"; code: string; message: string };

export interface SandboxCard {
  number: string;
  expMonth: number;
  expYear: number;
}

export interface SandboxGateway extends PaymentGateway {
  readonly name: "sandbox";
  /** The sandbox's stand-in for the bank's 3-D Secure page. */
  authenticate(charge: ChargeRef, approve: boolean): Promise<ChargeResult>;
  /** Confirms a card for future off-session charges (Stripe's SetupIntent confirmation). */
  confirmCardSetup(card: SandboxCard): SandboxSetupResult;
}

/** A subscription item's id, derived from what it is: the same item always has the same id. */
function sandboxItemId(subscriptionId: string, key: string): string {
  return `si_sandbox_${createHash("sha256").update(`${subscriptionId}:${key}`).digest("hex").slice(0, 16)}`;
}

/** The charge's id is derived from its idempotency key: the same key names the same charge. */
function intentIdFor(idempotencyKey: string): string {
  return `pi_sandbox_${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 24)}`;
}

type ChargeState = Pick<SandboxPaymentIntent, "status" | "failureCode" | "failureMessage">;

function chargeState(paymentMethodId: string): ChargeState {
  switch (outcomeOf(paymentMethodId)) {
    case "declined":
      return { status: "failed", failureCode: "generic_decline", failureMessage: "Your card was declined." };
    case "insufficient_funds":
      return { status: "failed", failureCode: "insufficient_funds", failureMessage: "Your card has insufficient funds." };
    case "authentication_required":
      return { status: "requires_action", failureCode: null, failureMessage: null };
    default:
      return { status: "succeeded", failureCode: null, failureMessage: null };
  }
}

function toCharge(row: SandboxPaymentIntent): ChargeResult {
  return {
    paymentIntentId: row.id,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    clientSecret: row.status === "requires_action" ? `${row.id}_secret_sandbox` : null,
    failureCode: row.failureCode,
    failureMessage: row.failureMessage,
  };
}

/** The sandbox's charges are rows of `sandbox_payment_intents`, in the app's database. */
export function createSandboxGateway(db: Executor): SandboxGateway {
  async function find({ accountId, paymentIntentId }: ChargeRef): Promise<SandboxPaymentIntent> {
    const [row] = await db
      .select()
      .from(sandboxPaymentIntents)
      .where(and(eq(sandboxPaymentIntents.accountId, accountId), eq(sandboxPaymentIntents.id, paymentIntentId)));
    if (!row) throw new GatewayRequestError(`No such payment: ${paymentIntentId}`);
    return row;
  }

  /** Moves a charge that waits for the cardholder on; a charge past that stays as it is. */
  async function settleWaiting(ref: ChargeRef, next: ChargeState): Promise<ChargeResult> {
    const [changed] = await db
      .update(sandboxPaymentIntents)
      .set({ ...next, updatedAt: new Date() })
      .where(
        and(
          eq(sandboxPaymentIntents.accountId, ref.accountId),
          eq(sandboxPaymentIntents.id, ref.paymentIntentId),
          eq(sandboxPaymentIntents.status, "requires_action"),
        ),
      )
      .returning();
    return toCharge(changed ?? (await find(ref)));
  }

  return {
    name: "sandbox",
    async createCustomer({ accountId }) {
      return `cus_sandbox_${accountId.replace(/-/g, "").slice(0, 24)}`;
    },
    async chargeOffSession(request: ChargeRequest) {
      const currency = request.currency.toUpperCase();
      await db
        .insert(sandboxPaymentIntents)
        .values({
          id: intentIdFor(request.idempotencyKey),
          accountId: request.accountId,
          idempotencyKey: request.idempotencyKey,
          paymentMethodId: request.paymentMethodId,
          amount: request.amount,
          currency,
          ...chargeState(request.paymentMethodId),
        })
        .onConflictDoNothing();
      const [row] = await db
        .select()
        .from(sandboxPaymentIntents)
        .where(
          and(
            eq(sandboxPaymentIntents.accountId, request.accountId),
            eq(sandboxPaymentIntents.idempotencyKey, request.idempotencyKey),
          ),
        );
      // As Stripe answers a key reused for another request: refused, nothing charged.
      if (!row || row.amount !== request.amount || row.currency !== currency || row.paymentMethodId !== request.paymentMethodId) {
        throw new GatewayRequestError("This idempotency key was already used for another payment.");
      }
      return toCharge(row);
    },
    async authenticate(ref, approve) {
      return settleWaiting(
        ref,
        approve
          ? { status: "succeeded", failureCode: null, failureMessage: null }
          : { status: "failed", failureCode: "authentication_failed", failureMessage: "The cardholder did not confirm the payment." },
      );
    },
    async cancelCharge(ref) {
      return settleWaiting(ref, { status: "canceled", failureCode: "canceled", failureMessage: "The payment was canceled." });
    },
    async retrieveCharge(ref) {
      return toCharge(await find(ref));
    },
    confirmCardSetup(card) {
      const known = SANDBOX_CARDS[card.number];
      if (!known) {
        return { status: "requires_payment_method", code: "test_mode_live_card", message: "In the sandbox, use one of Stripe's test card numbers." };
      }
      // Stripe's declined test card is refused when set up, not only when charged.
      if (known.outcome === "declined") {
        return { status: "requires_payment_method", code: "card_declined", message: "Your card was declined." };
      }
      return {
        status: "succeeded",
        method: {
          providerPaymentMethodId: sandboxPaymentMethodId(known.outcome, crypto.randomUUID().slice(0, 8)),
          type: "card",
          card: { brand: known.brand, last4: known.last4, expMonth: card.expMonth, expYear: card.expYear },
          paypalEmail: null,
        },
      };
    },
    async createSetup({ accountId }) {
      const id = `seti_sandbox_${Date.now().toString(36)}`;
      return { setupId: id, clientSecret: `${id}_secret_${accountId.slice(0, 8)}` };
    },
    async retrievePaymentMethod(id): Promise<SavedPaymentMethod> {
      return { providerPaymentMethodId: id, type: "card", card: null, paypalEmail: null };
    },
    async previewSeatChange(change) {
      return prorateSeatChange(change);
    },
    async payInvoice(request) {
      const gross = request.items.reduce((sum, item) => sum + item.amount, 0);
      const charge = await this.chargeOffSession({
        accountId: request.accountId,
        customerId: request.customerId,
        paymentMethodId: request.paymentMethodId,
        amount: gross,
        currency: request.currency,
        idempotencyKey: `${request.idempotencyKey}:pay:${request.paymentMethodId}`,
        description: `Invoice ${request.number}`,
        metadata: { invoiceId: request.invoiceId },
      });
      const paid = charge.status === "succeeded";
      return {
        providerInvoiceId: null,
        status: paid ? "paid" : "failed",
        failureCode: paid ? null : charge.status === "requires_action" ? "authentication_required" : charge.failureCode,
        failureMessage: paid ? null : charge.failureMessage,
      };
    },
    async markInvoiceUncollectible() {
      // The sandbox keeps no invoices of its own: ours is the only record.
    },
    async changeSeats(change) {
      const { prorationNow, currency } = prorateSeatChange(change);
      return { quantity: change.quantity, prorationAmount: prorationNow, currency, invoiceId: null };
    },
    async previewPlanChange(change) {
      return proratePlanChange(change);
    },
    async changePlan(change) {
      const { prorationNow, currency } = proratePlanChange(change);
      const itemIds = Object.fromEntries(change.now.items.map((item) => [item.key, item.itemId ?? sandboxItemId(change.subscriptionId, item.key)]));
      return { prorationAmount: prorationNow, currency, invoiceId: null, itemIds, scheduleId: null };
    },
    async cancelScheduledChange() {},
    async stopCollecting() {
      // The sandbox never charges a subscription: our invoices are its only charges.
    },
    async setCancelAtPeriodEnd({ cancel }) {
      return cancel;
    },
    async startSubscription(request) {
      const subscriptionId = `sub_sandbox_${request.accountId.replace(/-/g, "").slice(0, 24)}`;
      const periodEnd = new Date(request.at);
      if (request.shape.interval === "year") periodEnd.setUTCFullYear(periodEnd.getUTCFullYear() + 1);
      else periodEnd.setUTCMonth(periodEnd.getUTCMonth() + 1);
      const itemIds = Object.fromEntries(request.shape.items.map((item) => [item.key, sandboxItemId(subscriptionId, item.key)]));
      return { subscriptionId, itemIds, periodStart: request.at, periodEnd };
    },
  };
}
