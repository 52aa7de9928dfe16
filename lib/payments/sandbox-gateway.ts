import { createHash } from "node:crypto";
import { type ChargeRequest, type ChargeResult, type PaymentGateway, prorateSeatChange, type SavedPaymentMethod } from "./gateway";

/**
 * The demo's payment provider when no Stripe key is set: no money moves. Payment methods
 * saved in the sandbox carry the outcome of Stripe's test card they were saved with.
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

export interface SandboxGateway extends PaymentGateway {
  /** The sandbox's stand-in for the bank's 3-D Secure page. */
  authenticate(paymentIntentId: string, approve: boolean): Promise<ChargeResult>;
}

export function createSandboxGateway(): SandboxGateway {
  // Charges are kept in memory: the same idempotency key returns the same charge.
  const charges = new Map<string, ChargeResult>();
  const byIntent = new Map<string, ChargeResult>();

  function charge(request: ChargeRequest): ChargeResult {
    const id = `pi_sandbox_${createHash("sha256").update(request.idempotencyKey).digest("hex").slice(0, 24)}`;
    const outcome = outcomeOf(request.paymentMethodId);
    const failed = (code: string, message: string): ChargeResult => ({
      paymentIntentId: id,
      status: "failed",
      amount: request.amount,
      currency: request.currency,
      clientSecret: null,
      failureCode: code,
      failureMessage: message,
    });
    switch (outcome) {
      case "declined":
        return failed("generic_decline", "Your card was declined.");
      case "insufficient_funds":
        return failed("insufficient_funds", "Your card has insufficient funds.");
      case "authentication_required":
        return {
          paymentIntentId: id,
          status: "requires_action",
          amount: request.amount,
          currency: request.currency,
          clientSecret: `${id}_secret_sandbox`,
          failureCode: null,
          failureMessage: null,
        };
      default:
        return {
          paymentIntentId: id,
          status: "succeeded",
          amount: request.amount,
          currency: request.currency,
          clientSecret: null,
          failureCode: null,
          failureMessage: null,
        };
    }
  }

  return {
    name: "sandbox",
    async createCustomer({ accountId }) {
      return `cus_sandbox_${accountId.replace(/-/g, "").slice(0, 24)}`;
    },
    async chargeOffSession(request) {
      const existing = charges.get(request.idempotencyKey);
      if (existing) return existing;
      const result = charge(request);
      charges.set(request.idempotencyKey, result);
      byIntent.set(result.paymentIntentId, result);
      return result;
    },
    async authenticate(paymentIntentId, approve) {
      const existing = byIntent.get(paymentIntentId);
      const result: ChargeResult = existing
        ? approve
          ? { ...existing, status: "succeeded", clientSecret: null }
          : { ...existing, status: "failed", failureCode: "authentication_failed", failureMessage: "The cardholder did not confirm the payment." }
        : (() => {
            throw new Error(`no sandbox charge ${paymentIntentId}`);
          })();
      byIntent.set(paymentIntentId, result);
      for (const [key, value] of charges) if (value.paymentIntentId === paymentIntentId) charges.set(key, result);
      return result;
    },
    async retrieveCharge(paymentIntentId) {
      const result = byIntent.get(paymentIntentId);
      if (!result) throw new Error(`no sandbox charge ${paymentIntentId}`);
      return result;
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
    async changeSeats(change) {
      const { prorationNow, currency } = prorateSeatChange(change);
      return { quantity: change.quantity, prorationAmount: prorationNow, currency, invoiceId: null };
    },
  };
}
