/** What the app needs from a payment provider; Stripe and the demo sandbox implement it. */

export type ChargeStatus = "succeeded" | "requires_action" | "failed" | "processing" | "canceled";

export interface ChargeResult {
  paymentIntentId: string;
  status: ChargeStatus;
  amount: number;
  currency: string;
  /** For completing authentication in the browser. */
  clientSecret: string | null;
  failureCode: string | null;
  failureMessage: string | null;
}

export interface ChargeRequest {
  /** The account paying: a provider answers about its own charges only. */
  accountId: string;
  customerId: string;
  paymentMethodId: string;
  /** Minor units. */
  amount: number;
  currency: string;
  /** The same key always means the same charge: the provider never charges it twice. */
  idempotencyKey: string;
  description: string;
  metadata: Record<string, string>;
}

/** One charge of one account, as the provider knows it. */
export interface ChargeRef {
  accountId: string;
  paymentIntentId: string;
}

export interface SavedPaymentMethod {
  providerPaymentMethodId: string;
  type: "card" | "paypal";
  card: { brand: string; last4: string; expMonth: number; expYear: number } | null;
  paypalEmail: string | null;
}

export interface SeatChange {
  subscriptionId: string;
  subscriptionItemId: string;
  quantity: number;
  /** The instant the change is priced at (Stripe's proration date). */
  at: Date;
  /** What the database knows of the plan; the sandbox prices with it, Stripe with its own. */
  pricing: { seatPrice: number; currency: string; currentQuantity: number; periodStart: Date; periodEnd: Date };
}

export interface SeatChangePreview {
  /** Charged (positive) or credited (negative) now for the rest of the period, minor units. */
  prorationNow: number;
  /** What each renewal costs from the next one, minor units. */
  nextRenewal: number;
  currency: string;
}

export interface SeatChangeResult {
  /** The quantity the provider confirmed. */
  quantity: number;
  /** What the provider charged (positive) or credited (negative) for the rest of the period, minor units. */
  prorationAmount: number;
  currency: string;
  /** The provider's invoice of the proration, when it issued one. */
  invoiceId: string | null;
}

/** One of our invoices, to be paid through the provider with the saved payment method. */
export interface InvoicePaymentRequest {
  accountId: string;
  customerId: string;
  paymentMethodId: string;
  /** Our invoice's id and number: the provider's invoice carries them. */
  invoiceId: string;
  number: string;
  currency: string;
  /** What the provider's invoice lists: our net lines, then the VAT as one line per rate; they add up to the gross. */
  items: { description: string; amount: number }[];
  /** The provider's invoice made for ours by an earlier try, to be paid rather than made again. */
  providerInvoiceId: string | null;
  /** The same key is the same invoice and the same payment at the provider. */
  idempotencyKey: string;
}

export interface InvoicePaymentResult {
  /** The provider's invoice, when it keeps one (Stripe); null for the sandbox. */
  providerInvoiceId: string | null;
  status: "paid" | "failed";
  failureCode: string | null;
  failureMessage: string | null;
}

export interface PaymentGateway extends PlanGateway {
  readonly name: "stripe" | "sandbox";
  /** Creates the provider's customer for an account (idempotent per account). */
  createCustomer(input: { accountId: string; name: string; email: string | null }): Promise<string>;
  /** Charges a saved payment method without the cardholder present. */
  chargeOffSession(request: ChargeRequest): Promise<ChargeResult>;
  retrieveCharge(charge: ChargeRef): Promise<ChargeResult>;
  /**
   * Cancels a charge still waiting for the cardholder, so that it can never be confirmed
   * later; answers the charge's state (one that succeeded meanwhile stays succeeded).
   */
  cancelCharge(charge: ChargeRef): Promise<ChargeResult>;
  /** Starts saving a card or PayPal for future off-session charges. */
  createSetup(input: { customerId: string; accountId: string }): Promise<{ setupId: string; clientSecret: string }>;
  retrievePaymentMethod(providerPaymentMethodId: string): Promise<SavedPaymentMethod>;
  /** What changing the subscription's seats would cost now and from the next renewal. */
  previewSeatChange(change: SeatChange): Promise<SeatChangePreview>;
  /** Changes the seats (once per idempotency key); answers what the provider confirmed and charged. */
  changeSeats(change: SeatChange & { idempotencyKey: string }): Promise<SeatChangeResult>;
  /** Makes the provider's invoice for one of ours (once) and pays it with the saved method (once per key). */
  payInvoice(request: InvoicePaymentRequest): Promise<InvoicePaymentResult>;
  /**
   * Tells the provider that an invoice it keeps will not be collected by retrying the
   * card: it stays payable, and is settled if it is paid after all. Idempotent.
   */
  markInvoiceUncollectible(request: { accountId: string; providerInvoiceId: string }): Promise<void>;
}

/** Proration by the second of the period left, rounded once: the sandbox's price of a seat change. */
export function prorateSeatChange(change: SeatChange): SeatChangePreview {
  const { seatPrice, currentQuantity, periodStart, periodEnd, currency } = change.pricing;
  const total = periodEnd.getTime() - periodStart.getTime();
  const left = Math.min(Math.max(periodEnd.getTime() - change.at.getTime(), 0), total);
  const numerator = seatPrice * (change.quantity - currentQuantity) * Math.round(left / 1000);
  const denominator = Math.round(total / 1000);
  const sign = Math.sign(numerator);
  const magnitude = Math.abs(numerator);
  const rounded = Math.floor(magnitude / denominator) + ((magnitude % denominator) * 2 >= denominator ? 1 : 0);
  return { prorationNow: sign * rounded || 0, nextRenewal: seatPrice * change.quantity, currency };
}

/** The provider could not be reached or answered with a server error: nothing is known yet. */
export class GatewayUnavailableError extends Error {}

/** The provider refused the request itself (bad parameters): retrying will not help. */
export class GatewayRequestError extends Error {}

/** Words an admin can act on, for the provider's decline codes. */
export function declineMessage(code: string | null, fallback: string | null): string {
  switch (code) {
    case "insufficient_funds":
      return "The card has insufficient funds. Use another card or try a smaller amount.";
    case "authentication_required":
      return "The bank asks the cardholder to confirm this payment.";
    case "expired_card":
      return "The card has expired. Replace the payment method.";
    case "generic_decline":
    case "card_declined":
      return "The card was declined. Contact the bank or use another payment method.";
    case "authentication_expired":
      return "The payment was not confirmed with the bank within 24 hours, so it was canceled. Nothing was charged.";
    default:
      return fallback ?? "The payment was declined.";
  }
}

/** One item of a subscription: the seats of a plan, or a calling package per user. */
export interface PlanItem {
  /** "seats", or the calling package's id in the catalogue. */
  key: string;
  /** The provider's price of the item. */
  priceId: string;
  /** Per billing interval, minor units. */
  unitAmount: number;
  quantity: number;
  /** The item's id at the provider once it exists. */
  itemId: string | null;
}

export interface PlanShape {
  interval: "month" | "year";
  items: PlanItem[];
}

/**
 * A change of the subscription's plan, interval or calling packages. `now` is what the
 * subscription is made of from `at` on (prorated); `atRenewal`, when set, what it is made
 * of from the next renewal on (scheduled, nothing prorated).
 */
export interface PlanChange {
  accountId: string;
  subscriptionId: string;
  at: Date;
  currency: string;
  period: { start: Date; end: Date };
  current: PlanShape;
  now: PlanShape;
  atRenewal: PlanShape | null;
}

export interface PlanChangeResult {
  /** Charged (positive) or credited (negative) for the rest of the period, minor units. */
  prorationAmount: number;
  currency: string;
  invoiceId: string | null;
  /** The provider's item id of each item of `now`, by key. */
  itemIds: Record<string, string>;
  /** The provider's schedule of the change at the renewal, when it keeps one (Stripe). */
  scheduleId: string | null;
}

/** A subscription started for an account that has none yet. */
export interface NewSubscription {
  accountId: string;
  customerId: string;
  paymentMethodId: string;
  currency: string;
  at: Date;
  shape: PlanShape;
  idempotencyKey: string;
}

export interface StartedSubscription {
  subscriptionId: string;
  itemIds: Record<string, string>;
  periodStart: Date;
  periodEnd: Date;
}

/**
 * What the provider offers to manage a plan. Kept apart from PaymentGateway's core so
 * that a gateway states it; both ours implement it.
 */
export interface PlanGateway {
  previewPlanChange(change: PlanChange): Promise<SeatChangePreview>;
  /** Applies `now` at once (prorated) and schedules `atRenewal`; once per idempotency key. */
  changePlan(change: PlanChange & { idempotencyKey: string }): Promise<PlanChangeResult>;
  /** Drops a change scheduled for the renewal. */
  cancelScheduledChange(input: { subscriptionId: string; scheduleId: string | null }): Promise<void>;
  /** Cancels at the end of the period (true) or resumes (false); answers what the provider confirmed. */
  setCancelAtPeriodEnd(input: { subscriptionId: string; cancel: boolean; reason: string | null }): Promise<boolean>;
  /**
   * Starts the subscription. Its periods are charged by our invoices when they close, so
   * the provider charges nothing when it starts, nor at a change or a renewal.
   */
  startSubscription(request: NewSubscription): Promise<StartedSubscription>;
  /** Keeps a subscription made elsewhere from collecting its own invoices (see startSubscription). */
  stopCollecting(input: { subscriptionId: string }): Promise<void>;
}

/** What a shape costs per interval, minor units. */
export function shapeTotal(shape: PlanShape): number {
  return shape.items.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
}

/**
 * The proration of moving from `current` to `now` at `at`, by the second of the period
 * left: each item's unused time credited and remaining time charged, each rounded on its
 * own, half away from zero (as Stripe prices it; the sandbox's price of a plan change).
 */
export function proratePlanChange(change: PlanChange): SeatChangePreview {
  const total = Math.round((change.period.end.getTime() - change.period.start.getTime()) / 1000);
  const left = Math.min(Math.max(Math.round((change.period.end.getTime() - change.at.getTime()) / 1000), 0), total);
  const share = (amount: number) => {
    const magnitude = Math.abs(amount) * left;
    const rounded = Math.floor(magnitude / total) + ((magnitude % total) * 2 >= total ? 1 : 0);
    return Math.sign(amount) * rounded;
  };
  const amounts = new Map<string, { before: number; after: number }>();
  for (const item of change.current.items) amounts.set(item.key, { before: item.unitAmount * item.quantity, after: 0 });
  for (const item of change.now.items) {
    const entry = amounts.get(item.key) ?? { before: 0, after: 0 };
    entry.after = item.unitAmount * item.quantity;
    amounts.set(item.key, entry);
  }
  let prorationNow = 0;
  for (const { before, after } of amounts.values()) {
    if (before === after) continue;
    prorationNow += share(after) - share(before);
  }
  return { prorationNow: prorationNow || 0, nextRenewal: shapeTotal(change.atRenewal ?? change.now), currency: change.currency };
}
