import { createStripeGateway } from "@/lib/payments/stripe-gateway";
import { type FakeStripe, startFakeStripe } from "./fake-stripe/server";
import type { TestDatabase } from "./fresh-database";
import { serveRoute } from "./route-server";

/**
 * The fake Stripe server, the real SDK's gateway pointed at it, and the app's own webhook
 * route handler (POST /api/stripe/webhook) served over HTTP with the test's database and
 * gateway behind its singletons, so that the fake delivers signed events to the real
 * route, as Stripe would.
 */
export interface StripeWithWebhooks {
  fake: FakeStripe;
  gateway: ReturnType<typeof createStripeGateway>;
  /** Where the route is served; the fake delivers to `${url}/api/stripe/webhook`. */
  endpoint: { url: string };
  webhookUrl: string;
  close(): Promise<void>;
}

export async function startStripeWithWebhooks(
  handle: TestDatabase,
  options: { webhookSecret: string; timeoutMs?: number },
): Promise<StripeWithWebhooks> {
  const fake = await startFakeStripe({ webhookSecret: options.webhookSecret });
  const gateway = createStripeGateway({ secretKey: "sk_test_fake", apiBase: fake.url, timeoutMs: options.timeoutMs ?? 400 });
  process.env.STRIPE_SECRET_KEY = "sk_test_fake";
  process.env.STRIPE_WEBHOOK_SECRET = options.webhookSecret;
  // The route reads the app's environment; these are what it needs besides Stripe.
  process.env.NEXTAUTH_URL ??= "http://localhost:3000";
  process.env.NEXTAUTH_SECRET ??= "x".repeat(32);
  process.env.OIDC_ISSUER ??= "http://localhost:3001";
  process.env.OIDC_CLIENT_ID ??= "test";
  process.env.OIDC_CLIENT_SECRET ??= "test";
  Object.assign(globalThis, { billingDatabase: Promise.resolve(handle), paymentGateway: gateway });
  const { POST } = await import("@/app/api/stripe/webhook/route");
  const endpoint = await serveRoute(POST);
  const webhookUrl = `${endpoint.url}/api/stripe/webhook`;
  fake.setWebhookUrl(webhookUrl);
  return {
    fake,
    gateway,
    endpoint,
    webhookUrl,
    async close() {
      await endpoint.close();
      await fake.close();
    },
  };
}
