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

export interface PaymentGateway {
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
