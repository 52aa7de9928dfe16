import Stripe from "stripe";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { getGateway } from "@/lib/payments";
import { processStripeEvent } from "@/lib/payments/webhooks";

export const dynamic = "force-dynamic";

const json = (status: number, body: Record<string, unknown>) => Response.json(body, { status });

/** Stripe's events: verified on the raw body; never a silent 200 for what was not applied. */
export async function POST(request: Request) {
  const secret = getEnv().STRIPE_WEBHOOK_SECRET;
  if (!secret) return json(404, { error: "Stripe is not configured on this server." });
  const signature = request.headers.get("stripe-signature");
  if (!signature) return json(400, { error: "Missing Stripe-Signature header." });
  const payload = await request.text();
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(payload, signature, secret);
  } catch (error) {
    return json(400, { error: `Invalid signature: ${error instanceof Error ? error.message : "rejected"}` });
  }
  try {
    const db = await getDb();
    const outcome = await processStripeEvent(db, getGateway(db), event);
    return json(200, { received: true, outcome });
  } catch (error) {
    // Stripe retries non-2xx answers: nothing was applied, so a retry is safe.
    console.error(`stripe webhook ${event.id} (${event.type}) failed:`, error);
    return json(500, { error: "The event could not be applied; it will be retried." });
  }
}
