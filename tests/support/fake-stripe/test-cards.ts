/** Stripe's test payment methods, and what charging each one off-session does. */
export type Outcome = "succeeds" | "declined" | "insufficient_funds" | "authentication_required";

export interface TestPaymentMethod {
  type: "card" | "paypal";
  outcome: Outcome;
  card?: { brand: string; last4: string; exp_month: number; exp_year: number };
  paypal?: { payer_email: string };
}

export const TEST_PAYMENT_METHODS: Record<string, TestPaymentMethod> = {
  pm_card_visa: { type: "card", outcome: "succeeds", card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2034 } },
  pm_card_mastercard: {
    type: "card",
    outcome: "succeeds",
    card: { brand: "mastercard", last4: "4444", exp_month: 11, exp_year: 2033 },
  },
  pm_card_chargeDeclined: {
    type: "card",
    outcome: "declined",
    card: { brand: "visa", last4: "0002", exp_month: 12, exp_year: 2034 },
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    type: "card",
    outcome: "insufficient_funds",
    card: { brand: "visa", last4: "9995", exp_month: 12, exp_year: 2034 },
  },
  pm_card_authenticationRequired: {
    type: "card",
    outcome: "authentication_required",
    card: { brand: "visa", last4: "3184", exp_month: 12, exp_year: 2034 },
  },
  pm_paypal: { type: "paypal", outcome: "succeeds", paypal: { payer_email: "buyer@paypal.test" } },
};
