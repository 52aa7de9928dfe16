import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import type { Database } from "@/db/client";
import { accounts, invoices, paymentProviderEvents, subscriptions, topUpAttempts } from "@/db/schema";
import { applyInvoicePayment, applyInvoiceUncollectible } from "@/lib/invoices/payment";
import { lockBalance } from "@/lib/credit/ledger";
import { applyChargeResult } from "@/lib/credit/top-ups";
import { syncProviderSubscription } from "@/lib/subscription/provider-events";
import { GatewayRequestError, type PaymentGateway, type SavedPaymentMethod } from "./gateway";
import { replacePaymentMethod } from "./payment-methods";
import { toCharge } from "./stripe-gateway";

const uuid = z.uuid();
const isUuid = (value: string) => uuid.safeParse(value).success;

export type WebhookOutcome = "processed" | "duplicate" | "ignored";

/** The provider's subscription states in which it would still bill a renewal. */
const RENEWING: readonly Stripe.Subscription.Status[] = ["active", "trialing", "past_due", "unpaid"];

async function knownAccountId(db: Database, value: unknown): Promise<string | null> {
  if (typeof value !== "string" || !isUuid(value)) return null;
  const [account] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, value));
  return account?.id ?? null;
}

/**
 * A subscription of ours that the provider would still collect (made before the
 * one-biller rule, changed by hand at the provider, or started and never recorded) is
 * told to stop: its periods are charged by our invoices only. Asked before the event is
 * stored, so that if the provider does not answer, the event fails and is sent again; a
 * refusal (it ended meanwhile, say) is logged, and the event applied.
 */
async function keepFromCollecting(db: Database, gateway: PaymentGateway, object: Stripe.Subscription): Promise<void> {
  if (object.pause_collection?.behavior === "void" || !RENEWING.includes(object.status)) return;
  const [linked] = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(eq(subscriptions.providerSubscriptionId, object.id));
  if (!linked && !(await knownAccountId(db, object.metadata?.accountId))) return;
  try {
    await gateway.stopCollecting({ subscriptionId: object.id });
  } catch (error) {
    if (!(error instanceof GatewayRequestError)) throw error;
    console.error(`subscription ${object.id}: the provider refused to stop collecting it:`, error.message);
  }
}

/**
 * Applies one verified Stripe event. The event id is stored under a unique key in the
 * same transaction as its effect, so a repeated event changes nothing; effects are
 * guarded by the attempt's state, so events may come in any order.
 */
export async function processStripeEvent(
  db: Database,
  gateway: PaymentGateway,
  event: Stripe.Event,
): Promise<WebhookOutcome> {
  const object = event.data.object as unknown as { metadata?: Record<string, string> };
  const accountId = await knownAccountId(db, object.metadata?.accountId);
  // Anything the provider must be asked about is fetched before the transaction opens.
  let saved: SavedPaymentMethod | null = null;
  // Only a confirmed setup replaces the saved method: a card the bank refused never does.
  const setup = event.type === "setup_intent.succeeded" ? (event.data.object as Stripe.SetupIntent) : null;
  if (setup?.status === "succeeded" && accountId) {
    const id = typeof setup.payment_method === "string" ? setup.payment_method : setup.payment_method?.id;
    if (id) saved = await gateway.retrievePaymentMethod(id);
  }
  if (event.type === "customer.subscription.created" || event.type === "customer.subscription.updated") {
    await keepFromCollecting(db, gateway, event.data.object as Stripe.Subscription);
  }
  return db.transaction(async (tx) => {
    const [stored] = await tx
      .insert(paymentProviderEvents)
      .values({ id: event.id, type: event.type, accountId, payload: event as unknown as Record<string, unknown> })
      .onConflictDoNothing()
      .returning({ id: paymentProviderEvents.id });
    if (!stored) return "duplicate";
    switch (event.type) {
      case "payment_intent.succeeded":
      case "payment_intent.payment_failed":
      case "payment_intent.requires_action":
      case "payment_intent.processing": {
        const intent = event.data.object as Stripe.PaymentIntent;
        const attemptId = intent.metadata?.attemptId;
        if (!accountId || typeof attemptId !== "string" || !isUuid(attemptId)) return "ignored";
        // Balance before attempt, as everywhere (see lockBalance).
        await lockBalance(tx, accountId);
        const [attempt] = await tx
          .select()
          .from(topUpAttempts)
          .where(and(eq(topUpAttempts.id, attemptId), eq(topUpAttempts.accountId, accountId)))
          .for("update");
        if (!attempt) return "ignored";
        await applyChargeResult(tx, attempt, toCharge(intent));
        return "processed";
      }
      case "invoice.paid":
      case "invoice.payment_failed": {
        const invoice = event.data.object as Stripe.Invoice;
        const invoiceId = invoice.metadata?.invoiceId;
        if (!accountId || typeof invoiceId !== "string" || !isUuid(invoiceId)) return "ignored";
        const [ours] = await tx
          .select({ gross: invoices.grossTotal, currency: invoices.currency, providerInvoiceId: invoices.providerInvoiceId })
          .from(invoices)
          .where(and(eq(invoices.id, invoiceId), eq(invoices.accountId, accountId)));
        // Only the provider invoice made for ours, for our amount, settles it.
        if (!ours || (ours.providerInvoiceId && ours.providerInvoiceId !== invoice.id)) return "ignored";
        if (invoice.total !== ours.gross || invoice.currency.toUpperCase() !== ours.currency) return "ignored";
        await applyInvoicePayment(tx, accountId, invoiceId, {
          providerInvoiceId: invoice.id ?? null,
          status: event.type === "invoice.paid" ? "paid" : "failed",
          failureMessage: event.type === "invoice.paid" ? null : "The card was declined. Contact the bank or use another payment method.",
        });
        return "processed";
      }
      case "invoice.marked_uncollectible": {
        const invoice = event.data.object as Stripe.Invoice;
        const invoiceId = invoice.metadata?.invoiceId;
        if (!accountId || typeof invoiceId !== "string" || !isUuid(invoiceId)) return "ignored";
        const [ours] = await tx
          .select({ providerInvoiceId: invoices.providerInvoiceId })
          .from(invoices)
          .where(and(eq(invoices.id, invoiceId), eq(invoices.accountId, accountId)));
        // Only the provider invoice made for ours speaks for it.
        if (!ours || ours.providerInvoiceId !== invoice.id) return "ignored";
        await applyInvoiceUncollectible(tx, accountId, invoiceId);
        return "processed";
      }
      case "setup_intent.succeeded": {
        if (!accountId || !saved) return "ignored";
        await replacePaymentMethod(tx, accountId, "stripe", saved, null);
        return "processed";
      }
      case "customer.subscription.updated":
      case "customer.subscription.deleted":
        return syncProviderSubscription(
          tx,
          event.data.object as Stripe.Subscription,
          event.type === "customer.subscription.deleted",
          new Date(event.created * 1000),
        );
      default:
        return "ignored";
    }
  });
}
