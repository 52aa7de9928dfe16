import { and, asc, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { type Invoice, invoiceLines, invoices } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { customerFor } from "@/lib/credit/top-ups";
import { declineMessage, GatewayRequestError, GatewayUnavailableError, type PaymentGateway } from "@/lib/payments/gateway";
import { getPaymentMethod } from "@/lib/payments/payment-methods";
import { notifySubscriptionPastDue } from "@/lib/notices/outbox";
import { followRenewalPayments } from "@/lib/subscription/past-due";
import { fail, ok, type Result } from "@/lib/result";
import { formatRate } from "./tax";

/**
 * Paying an invoice through the provider with the saved payment method: at issue (the
 * worker collects it) and when an admin presses "Pay now". The provider's answer and its
 * webhooks (invoice.paid, invoice.payment_failed) are recorded by the same function, in
 * whatever order they come: paid is final, a failure leaves the invoice open with the
 * reason shown. The same invoice and the same card are always the same payment at the
 * provider, so a double click or a retry never charges twice.
 */

export interface PaymentOutcome {
  /** The provider's invoice, when it keeps one. */
  providerInvoiceId: string | null;
  status: "paid" | "failed";
  failureMessage: string | null;
}

/** Records what the provider says about an invoice's payment, in the caller's transaction. */
export async function applyInvoicePayment(
  tx: Executor,
  accountId: string,
  invoiceId: string,
  outcome: PaymentOutcome,
  actorUserId: string | null = null,
): Promise<Invoice | null> {
  const [current] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.id, invoiceId), eq(invoices.accountId, accountId)))
    .for("update");
  if (!current) return null;
  const now = new Date();
  const payable = current.status === "open" || current.status === "uncollectible";
  const providerInvoiceId = current.providerInvoiceId ?? outcome.providerInvoiceId;
  if (outcome.status === "paid" && payable) {
    const [paid] = await tx
      .update(invoices)
      .set({ status: "paid", paidAt: now, paymentFailure: null, providerInvoiceId, updatedAt: now })
      .where(and(eq(invoices.id, invoiceId), eq(invoices.accountId, accountId)))
      .returning();
    await recordAudit(tx, {
      accountId,
      actorUserId,
      action: "invoice.pay",
      after: { number: current.number, gross: current.grossTotal, currency: current.currency },
    });
    if (current.kind === "period") await followRenewalPayments(tx, accountId);
    return paid!;
  }
  if (outcome.status === "failed" && payable) {
    const [failed] = await tx
      .update(invoices)
      .set({ paymentFailure: outcome.failureMessage ?? "The payment failed.", providerInvoiceId, updatedAt: now })
      .where(and(eq(invoices.id, invoiceId), eq(invoices.accountId, accountId)))
      .returning();
    if (current.kind === "period") {
      await notifySubscriptionPastDue(tx, {
        accountId,
        eventId: invoiceId,
        amount: current.grossTotal,
        currency: current.currency,
        reason: failed!.paymentFailure,
        invoiceNumber: current.number,
      });
    }
    if (current.kind === "period") await followRenewalPayments(tx, accountId);
    return failed!;
  }
  if (providerInvoiceId !== current.providerInvoiceId) {
    const [updated] = await tx
      .update(invoices)
      .set({ providerInvoiceId, updatedAt: now })
      .where(and(eq(invoices.id, invoiceId), eq(invoices.accountId, accountId)))
      .returning();
    return updated!;
  }
  return current;
}

/**
 * Records that an invoice will not be collected by retrying the card (the provider's
 * invoice.marked_uncollectible, or our own dunning below), in the caller's transaction.
 * Only an open invoice becomes uncollectible; it stays payable, and a later payment
 * settles it. Answers whether this changed the invoice.
 */
export async function applyInvoiceUncollectible(tx: Executor, accountId: string, invoiceId: string): Promise<boolean> {
  const [marked] = await tx
    .update(invoices)
    .set({ status: "uncollectible", updatedAt: new Date() })
    .where(and(eq(invoices.id, invoiceId), eq(invoices.accountId, accountId), eq(invoices.status, "open")))
    .returning({ number: invoices.number, gross: invoices.grossTotal, currency: invoices.currency, failure: invoices.paymentFailure });
  if (!marked) return false;
  await recordAudit(tx, {
    accountId,
    actorUserId: null,
    action: "invoice.uncollectible",
    after: { number: marked.number, gross: marked.gross, currency: marked.currency, reason: marked.failure },
  });
  return true;
}

/** How long an invoice whose payment failed stays open before it is marked uncollectible. */
export const UNCOLLECTIBLE_AFTER_DAYS = 30;

/**
 * Dunning's end: period invoices issued more than UNCOLLECTIBLE_AFTER_DAYS ago whose
 * payment failed and that are still open are marked uncollectible, at the provider first
 * (Stripe, for an invoice it keeps; its webhook says the same and changes nothing more),
 * then here. "Pay now" still pays them.
 */
export async function markOverdueUncollectible(db: Database, gateway: PaymentGateway, now = new Date()) {
  const overdue = await db
    .select({ id: invoices.id, accountId: invoices.accountId, providerInvoiceId: invoices.providerInvoiceId })
    .from(invoices)
    .where(
      and(
        eq(invoices.kind, "period"),
        eq(invoices.status, "open"),
        sql`${invoices.paymentFailure} is not null`,
        lt(invoices.issuedAt, sql`${now}::timestamptz - make_interval(days => ${UNCOLLECTIBLE_AFTER_DAYS})`),
      ),
    );
  const marked: string[] = [];
  for (const invoice of overdue) {
    if (invoice.providerInvoiceId) {
      await gateway.markInvoiceUncollectible({ accountId: invoice.accountId, providerInvoiceId: invoice.providerInvoiceId });
    }
    if (await db.transaction((tx) => applyInvoiceUncollectible(tx, invoice.accountId, invoice.id))) marked.push(invoice.id);
  }
  return marked;
}

/** What the provider's invoice lists: our lines, and the VAT per rate; they add up to our gross. */
async function providerItems(db: Executor, invoice: Invoice) {
  const lines = await db
    .select({ description: invoiceLines.description, amount: invoiceLines.netAmount })
    .from(invoiceLines)
    .where(and(eq(invoiceLines.invoiceId, invoice.id), eq(invoiceLines.accountId, invoice.accountId)))
    .orderBy(asc(invoiceLines.position));
  const vat = invoice.taxBreakdown
    .filter((b) => b.tax !== 0)
    .map((b) => ({ description: `VAT ${formatRate(b.rateBasisPoints)}`, amount: b.tax }));
  return [...lines, ...vat];
}

export interface PayRequest {
  accountId: string;
  invoiceId: string;
  /** The admin who pressed "Pay now"; null when the worker collects at issue. */
  actorUserId: string | null;
}

/** Pays an open invoice with the saved payment method. Paying a paid invoice again changes nothing. */
export async function payInvoice(db: Database, gateway: PaymentGateway, request: PayRequest): Promise<Result<Invoice>> {
  const [invoice] = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.id, request.invoiceId), eq(invoices.accountId, request.accountId)));
  if (!invoice) return fail("not_found", "No such invoice.");
  if (invoice.status === "paid") return ok(invoice);
  if (invoice.status !== "open" && invoice.status !== "uncollectible") {
    return fail("refused", `Invoice ${invoice.number} is ${invoice.status}: there is nothing to pay.`);
  }
  if (invoice.grossTotal <= 0) {
    // Nothing is due (a period of credits only): settled without a payment.
    const settled = await db.transaction((tx) =>
      applyInvoicePayment(tx, invoice.accountId, invoice.id, { providerInvoiceId: null, status: "paid", failureMessage: null }, request.actorUserId),
    );
    return ok(settled!);
  }
  const method = await getPaymentMethod(db, request.accountId);
  if (!method) return fail("refused", "No payment method is saved. Add a card or PayPal first.");
  let answer;
  try {
    const customerId = await customerFor(db, gateway, request.accountId);
    answer = await gateway.payInvoice({
      accountId: request.accountId,
      customerId,
      paymentMethodId: method.providerPaymentMethodId,
      invoiceId: invoice.id,
      number: invoice.number,
      currency: invoice.currency,
      items: await providerItems(db, invoice),
      providerInvoiceId: invoice.providerInvoiceId,
      idempotencyKey: `invoice:${invoice.id}`,
    });
  } catch (error) {
    if (error instanceof GatewayUnavailableError) {
      return fail("unavailable", "The payment provider did not answer. Nothing was charged twice; try again in a minute.");
    }
    if (error instanceof GatewayRequestError) return fail("refused", error.message);
    throw error;
  }
  const failureMessage = answer.status === "failed" ? declineMessage(answer.failureCode, answer.failureMessage) : null;
  const updated = await db.transaction((tx) =>
    applyInvoicePayment(tx, request.accountId, invoice.id, { ...answer, failureMessage }, request.actorUserId),
  );
  if (answer.status === "failed") return fail("refused", failureMessage!);
  return ok(updated!);
}

/**
 * Open period invoices of the last week that the worker has not tried to collect yet (a
 * crash between issue and payment), older than `olderThanMs`.
 */
export async function uncollectedInvoices(db: Executor, olderThanMs = 60_000) {
  return db
    .select({ id: invoices.id, accountId: invoices.accountId })
    .from(invoices)
    .where(
      and(
        inArray(invoices.kind, ["period"]),
        eq(invoices.status, "open"),
        isNull(invoices.paymentFailure),
        isNull(invoices.providerInvoiceId),
        lt(invoices.createdAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`),
        // Collection is tried at issue; an invoice left open for longer waits for "Pay now".
        gt(invoices.issuedAt, sql`now() - interval '7 days'`),
      ),
    );
}
