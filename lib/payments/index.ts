import type { Executor } from "@/db/client";
import { getPaymentEnv } from "@/lib/env";
import type { PaymentGateway } from "./gateway";
import { createSandboxGateway, type SandboxGateway } from "./sandbox-gateway";
import { createStripeGateway } from "./stripe-gateway";

const globalForGateway = globalThis as unknown as { paymentGateway?: PaymentGateway };

/** Which provider this deployment uses: Stripe when STRIPE_SECRET_KEY is set, else the sandbox. */
export function gatewayName(): PaymentGateway["name"] {
  return getPaymentEnv().STRIPE_SECRET_KEY ? "stripe" : "sandbox";
}

/**
 * The payment provider. Stripe's client is made once per process; the sandbox keeps its
 * payments in the database it is given, so every process sees the same ones.
 */
export function getGateway(db: Executor): PaymentGateway {
  const env = getPaymentEnv();
  if (!env.STRIPE_SECRET_KEY) return createSandboxGateway(db);
  globalForGateway.paymentGateway ??= createStripeGateway({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE });
  return globalForGateway.paymentGateway;
}

/** The sandbox, with its stand-ins for the bank's pages; null when Stripe is configured. */
export function getSandboxGateway(db: Executor): SandboxGateway | null {
  return getPaymentEnv().STRIPE_SECRET_KEY ? null : createSandboxGateway(db);
}
