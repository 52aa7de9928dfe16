import { getPaymentEnv } from "@/lib/env";
import type { PaymentGateway } from "./gateway";
import { createSandboxGateway } from "./sandbox-gateway";
import { createStripeGateway } from "./stripe-gateway";

const globalForGateway = globalThis as unknown as { paymentGateway?: PaymentGateway };

/** Stripe when STRIPE_SECRET_KEY is set, otherwise the demo's sandbox. One per process. */
export function getGateway(): PaymentGateway {
  if (!globalForGateway.paymentGateway) {
    const env = getPaymentEnv();
    globalForGateway.paymentGateway = env.STRIPE_SECRET_KEY
      ? createStripeGateway({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE })
      : createSandboxGateway();
  }
  return globalForGateway.paymentGateway;
}
