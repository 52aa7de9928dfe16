import { and, eq } from "drizzle-orm";
import type PgBoss from "pg-boss";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { auditLog, billingDetails, invoices, paymentMethods, paymentProviderEvents, subscriptions } from "@/db/schema";
import { closePeriod } from "@/lib/invoices/close";
import { markOverdueUncollectible, payInvoice } from "@/lib/invoices/payment";
import { startInvoiceWorker } from "@/lib/invoices/worker";
import { startQueue } from "@/lib/jobs/queue";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import type { FakeStripe } from "../support/fake-stripe/server";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount, subscribe } from "../support/fixtures";
import { startStripeWithWebhooks, type StripeWithWebhooks } from "../support/stripe-webhooks";

const WEBHOOK_SECRET = "whsec_test_invoices_0123";
let handle: TestDatabase;
let db: Database;
let boss: PgBoss;
let stripe: StripeWithWebhooks;
let fake: FakeStripe;
let stripeGateway: StripeWithWebhooks["gateway"];

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 8 });
  db = handle.db;
  boss = await startQueue(handle);
  stripe = await startStripeWithWebhooks(handle, { webhookSecret: WEBHOOK_SECRET, timeoutMs: 2000 });
  ({ fake, gateway: stripeGateway } = stripe);
});

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await stripe?.close();
  await handle?.close();
});

const NOV = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const AFTER_NOV = new Date("2026-12-01T00:00:05Z");

async function tenant(provider: "sandbox" | "stripe", paymentMethodId: string, country = "DE") {
  const { account, admin } = await createAccount(db, { timeZone: "UTC", country });
  await subscribe(db, account.id, NOV, 4);
  await db.insert(billingDetails).values({ accountId: account.id, companyName: "Buyer GmbH", vatNumber: null, invoiceEmail: "ap@buyer.test", street: "Main St 1", city: "Berlin", postalCode: "10115", country });
  await db.insert(paymentMethods).values({ accountId: account.id, provider, type: "card", providerPaymentMethodId: paymentMethodId, cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 });
  return { account, admin };
}

async function issued(accountId: string) {
  const outcome = await closePeriod(db, accountId, AFTER_NOV);
  if (outcome.status !== "issued") throw new Error(`not issued: ${outcome.status}`);
  return outcome.invoice;
}

const read = async (id: string) => (await db.select().from(invoices).where(eq(invoices.id, id)))[0]!;

describe("the close job", () => {
  it("closes an ended period through pg-boss and collects the invoice with the saved card (sandbox)", async () => {
    const { account } = await tenant("sandbox", "pm_sandbox_succeeds_job");
    // The period ended a moment ago, while no worker ran.
    await db
      .update(subscriptions)
      .set({ currentPeriodStart: new Date(Date.now() - 31 * 86_400_000), currentPeriodEnd: new Date(Date.now() - 60_000) })
      .where(eq(subscriptions.accountId, account.id));
    const worker = await startInvoiceWorker(db, boss, createSandboxGateway(db), { pollingIntervalSeconds: 0.5, sweepMs: 60_000 });
    try {
      let rows: (typeof invoices.$inferSelect)[] = [];
      for (let i = 0; i < 60 && !(rows.length === 1 && rows[0]!.status === "paid"); i++) {
        await new Promise((r) => setTimeout(r, 250));
        rows = await db.select().from(invoices).where(eq(invoices.accountId, account.id));
      }
      expect(rows, "one invoice").toHaveLength(1);
      expect(rows[0]).toMatchObject({ kind: "period", status: "paid", netTotal: 10_000, grossTotal: 11_900 });
    } finally {
      await worker.stop();
    }
  });
});

describe("paying an invoice in the sandbox", () => {
  it("pays with the saved card once, however often it is asked", async () => {
    const { account, admin } = await tenant("sandbox", "pm_sandbox_succeeds_pay");
    const invoice = await issued(account.id);
    const gateway = createSandboxGateway(db);
    const request = { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id };
    const [a, b] = await Promise.all([payInvoice(db, gateway, request), payInvoice(db, gateway, request)]);
    expect(a.ok && b.ok).toBe(true);
    expect((await payInvoice(db, gateway, request)).ok).toBe(true);
    expect(await read(invoice.id)).toMatchObject({ status: "paid" });
    const charges = await db.execute(`select count(*)::int as n, sum(amount)::int as total from sandbox_payment_intents where account_id = '${account.id}'`);
    expect((charges as unknown as { rows: { n: number; total: number }[] }).rows[0]).toEqual({ n: 1, total: invoice.grossTotal });
  });

  it("leaves the invoice open with the reason when the card fails", async () => {
    const { account, admin } = await tenant("sandbox", "pm_sandbox_insufficient_funds_pay");
    const invoice = await issued(account.id);
    const result = await payInvoice(db, createSandboxGateway(db), { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id });
    expect(result.ok ? null : result.failure).toMatchObject({ kind: "refused", message: expect.stringMatching(/insufficient funds/) });
    expect(await read(invoice.id)).toMatchObject({ status: "open", paymentFailure: expect.stringMatching(/insufficient funds/) });
  });

  it("refuses another tenant's invoice, changing nothing", async () => {
    const { account } = await tenant("sandbox", "pm_sandbox_succeeds_a");
    const other = await tenant("sandbox", "pm_sandbox_succeeds_b");
    const invoice = await issued(account.id);
    const result = await payInvoice(db, createSandboxGateway(db), { accountId: other.account.id, invoiceId: invoice.id, actorUserId: other.admin.id });
    expect(result.ok ? null : result.failure.kind).toBe("not_found");
    expect(await read(invoice.id)).toMatchObject({ status: "open", paymentFailure: null });
  });
});

describe("an invoice that is not paid", () => {
  it("in the sandbox, is marked uncollectible a month after its payment failed, and is still payable", async () => {
    const { account, admin } = await tenant("sandbox", "pm_sandbox_insufficient_funds_dunning");
    const invoice = await issued(account.id);
    const gateway = createSandboxGateway(db);
    expect((await payInvoice(db, gateway, { accountId: account.id, invoiceId: invoice.id, actorUserId: null })).ok).toBe(false);
    // An open invoice never tried is not marked: only a failed payment starts the clock.
    const { account: untried } = await tenant("sandbox", "pm_sandbox_succeeds_untried");
    const waiting = await issued(untried.id);
    const later = new Date(invoice.issuedAt.getTime() + 31 * 86_400_000);
    const marked = await markOverdueUncollectible(db, gateway, later);
    expect(marked).toContain(invoice.id);
    expect(marked).not.toContain(waiting.id);
    expect(await read(invoice.id)).toMatchObject({ status: "uncollectible" });
    expect(await read(waiting.id)).toMatchObject({ status: "open" });
    await db.update(paymentMethods).set({ providerPaymentMethodId: "pm_sandbox_succeeds_dunning" }).where(eq(paymentMethods.accountId, account.id));
    expect((await payInvoice(db, gateway, { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id })).ok).toBe(true);
    expect(await read(invoice.id)).toMatchObject({ status: "paid" });
  });
});

describe("paying an invoice through Stripe", () => {
  it("makes a Stripe invoice of the same total, pays it, and invoice.paid settles ours once", async () => {
    const { account, admin } = await tenant("stripe", "pm_card_visa");
    const invoice = await issued(account.id);
    const result = await payInvoice(db, stripeGateway, { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id });
    expect(result.ok).toBe(true);
    await fake.whenIdle();
    const stored = await read(invoice.id);
    expect(stored.status).toBe("paid");
    expect(stored.providerInvoiceId).toMatch(/^in_/);
    const stripeInvoice = fake.invoice(stored.providerInvoiceId!);
    expect(stripeInvoice).toMatchObject({ status: "paid", total: invoice.grossTotal, currency: "eur" });
    expect((stripeInvoice!.metadata as Record<string, string>).invoiceId).toBe(invoice.id);
    const paidEvents = fake.sentEvents().filter((e) => e.event.type === "invoice.paid");
    expect(paidEvents.length).toBe(1);
    expect(paidEvents[0]!.status).toBe(200);
    // The same event again changes nothing.
    expect(await fake.deliver(paidEvents[0]!.event)).toBe(200);
    expect(await read(invoice.id)).toEqual(stored);
  });

  it("a declined card: invoice.payment_failed keeps it open with the reason; paying later with a good card settles it", async () => {
    const { account, admin } = await tenant("stripe", "pm_card_chargeDeclinedInsufficientFunds");
    const invoice = await issued(account.id);
    const result = await payInvoice(db, stripeGateway, { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id });
    expect(result.ok).toBe(false);
    await fake.whenIdle();
    expect(fake.sentEvents().some((e) => e.event.type === "invoice.payment_failed" && e.status === 200)).toBe(true);
    const failed = await read(invoice.id);
    expect(failed).toMatchObject({ status: "open", paymentFailure: expect.any(String) });
    await db.update(paymentMethods).set({ providerPaymentMethodId: "pm_card_visa" }).where(eq(paymentMethods.accountId, account.id));
    expect((await payInvoice(db, stripeGateway, { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id })).ok).toBe(true);
    await fake.whenIdle();
    expect(await read(invoice.id)).toMatchObject({ status: "paid", providerInvoiceId: failed.providerInvoiceId });
  });

  it("a month after its payment failed, the sweep marks it uncollectible at Stripe and here; the webhook and its replay change nothing more; it can still be paid", async () => {
    const { account, admin } = await tenant("stripe", "pm_card_chargeDeclinedInsufficientFunds");
    const invoice = await issued(account.id);
    expect((await payInvoice(db, stripeGateway, { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id })).ok).toBe(false);
    await fake.whenIdle();
    const failed = await read(invoice.id);
    const issuedAt = failed.issuedAt.getTime();

    expect(await markOverdueUncollectible(db, stripeGateway, new Date(issuedAt + 29 * 86_400_000)), "not before 30 days").not.toContain(invoice.id);
    expect(await read(invoice.id)).toMatchObject({ status: "open" });
    expect(await markOverdueUncollectible(db, stripeGateway, new Date(issuedAt + 31 * 86_400_000))).toContain(invoice.id);
    await fake.whenIdle();
    const marked = fake.sentEvents().filter((e) => e.event.type === "invoice.marked_uncollectible" && (e.event.data.object as Stripe.Invoice).id === failed.providerInvoiceId);
    expect(marked.map((e) => e.status), "Stripe said so too, and the route took it").toEqual([200]);
    const stored = await read(invoice.id);
    expect(stored).toMatchObject({ status: "uncollectible", paymentFailure: failed.paymentFailure });
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.accountId, account.id), eq(auditLog.action, "invoice.uncollectible")));
    expect(audit, "recorded once").toHaveLength(1);

    // The same event again, and the sweep again, change nothing.
    expect(await fake.deliver(marked[0]!.event)).toBe(200);
    expect(await markOverdueUncollectible(db, stripeGateway, new Date(issuedAt + 40 * 86_400_000))).not.toContain(invoice.id);
    expect(await read(invoice.id)).toEqual(stored);

    await db.update(paymentMethods).set({ providerPaymentMethodId: "pm_card_visa" }).where(eq(paymentMethods.accountId, account.id));
    expect((await payInvoice(db, stripeGateway, { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id })).ok).toBe(true);
    await fake.whenIdle();
    expect(await read(invoice.id)).toMatchObject({ status: "paid" });
  });

  it("takes invoice.marked_uncollectible only for the provider invoice made for ours", async () => {
    const { account, admin } = await tenant("stripe", "pm_card_chargeDeclinedInsufficientFunds");
    const invoice = await issued(account.id);
    await payInvoice(db, stripeGateway, { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id });
    await fake.whenIdle();
    const event = {
      id: `evt_other_${invoice.id.slice(0, 8)}`,
      object: "event",
      type: "invoice.marked_uncollectible",
      data: { object: { id: "in_not_ours", object: "invoice", status: "uncollectible", metadata: { accountId: account.id, invoiceId: invoice.id } } },
    } as unknown as Stripe.Event;
    expect(await fake.deliver(event)).toBe(200);
    expect(await read(invoice.id)).toMatchObject({ status: "open" });
  });

  it.each([
    ["a bad signature", { signWith: "whsec_wrong" }, 400],
    ["a tampered body", { tamper: true }, 400],
  ] as const)("refuses %s with a 400 and changes nothing", async (_label, how, status) => {
    const { account } = await tenant("stripe", "pm_card_visa");
    const invoice = await issued(account.id);
    const event = {
      id: `evt_forged_${invoice.id.slice(0, 8)}_${_label.length}`,
      object: "event",
      type: "invoice.paid",
      data: { object: { id: "in_forged", object: "invoice", total: invoice.grossTotal, amount: 1, currency: "eur", metadata: { accountId: account.id, invoiceId: invoice.id } } },
    } as unknown as Stripe.Event;
    expect(await fake.deliver(event, how)).toBe(status);
    expect(await read(invoice.id)).toMatchObject({ status: "open" });
    expect(await db.select().from(paymentProviderEvents).where(eq(paymentProviderEvents.id, event.id))).toHaveLength(0);
  });

  it.each([
    ["another amount", (gross: number) => ({ total: gross + 1 })],
    ["an invoice id that is not ours", () => ({ metadata: { invoiceId: "00000000-0000-4000-8000-000000000000" } })],
    ["no invoice id", () => ({ metadata: {} })],
  ])("ignores a signed invoice.paid with %s", async (_label, change) => {
    const { account } = await tenant("stripe", "pm_card_visa");
    const invoice = await issued(account.id);
    const object = { id: "in_other", object: "invoice", total: invoice.grossTotal, currency: "eur", metadata: { accountId: account.id, invoiceId: invoice.id } };
    const changed = change(invoice.grossTotal);
    const event = {
      id: `evt_${Math.random().toString(36).slice(2)}`,
      object: "event",
      type: "invoice.paid",
      data: { object: { ...object, ...changed, metadata: { accountId: account.id, ...("metadata" in changed ? changed.metadata : { invoiceId: invoice.id }) } } },
    } as unknown as Stripe.Event;
    expect(await fake.deliver(event)).toBe(200);
    expect(await read(invoice.id)).toMatchObject({ status: "open", paidAt: null });
    const [stored] = await db.select().from(paymentProviderEvents).where(and(eq(paymentProviderEvents.id, event.id)));
    expect(stored?.type, "recorded once, as received").toBe("invoice.paid");
  });
});
