import Stripe from "stripe";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { errorResponse } from "@/lib/http/respond";
import { getGateway } from "@/lib/payments";
import { processStripeEvent } from "@/lib/payments/webhooks";

export const dynamic = "force-dynamic";

/** Stripe's events: verified on the raw body; never a silent 200 for what was not applied. */
export async function POST(request: Request) {
  const secret = getEnv().STRIPE_WEBHOOK_SECRET;
  if (!secret) return errorResponse(404, "Stripe is not configured on this server.");
  const signature = request.headers.get("stripe-signature");
  if (!signature) return errorResponse(400, "Missing Stripe-Signature header.");
  const payload = await request.text();
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(payload, signature, secret);
  } catch (error) {
    return errorResponse(400, `Invalid signature: ${error instanceof Error ? error.message : "rejected"}`);
  }
  try {
    const db = await getDb();
    const outcome = await processStripeEvent(db, getGateway(db), event);
    return Response.json({ received: true, outcome });
  } catch (error) {
    // Stripe retries non-2xx answers: nothing was applied, so a retry is safe.
    console.error(`stripe webhook ${event.id} (${event.type}) failed:`, error);
    return errorResponse(500, "The event could not be applied; it will be retried.");
  }
}
