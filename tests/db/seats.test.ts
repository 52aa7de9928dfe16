import { eq, sql } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { accounts, auditLog, subscriptionChanges, subscriptions, users } from "@/db/schema";
import { changeSeats, previewSeats } from "@/lib/subscription/seats";
import { getStatement } from "@/lib/subscription/statement";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import { createStripeGateway } from "@/lib/payments/stripe-gateway";
import { refuseUpdates } from "../support/db-fault";
import { type FakeStripe, startFakeStripe } from "../support/fake-stripe/server";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount, subscribe } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;
let fake: FakeStripe;
let gateway: ReturnType<typeof createStripeGateway>;

const periodStart = new Date("2026-11-01T00:00:00Z");
const periodEnd = new Date("2026-12-01T00:00:00Z");
const middle = new Date("2026-11-16T00:00:00Z");

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 6 });
  db = handle.db;
  fake = await startFakeStripe({ webhookSecret: "whsec_unused" });
  gateway = createStripeGateway({ secretKey: "sk_test_fake", apiBase: fake.url, timeoutMs: 400 });
});

afterAll(async () => {
  await fake?.close();
  await handle?.close();
});

/** An account on a 25.00-per-seat plan with `seats` purchased and `active` users, linked to the fake. */
async function seatAccount(seats: number, active: number) {
  const { account, admin } = await createAccount(db);
  await subscribe(db, account.id, { start: periodStart, end: periodEnd }, seats);
  const sub = `sub_${account.id.slice(0, 8)}`;
  const item = `si_${account.id.slice(0, 8)}`;
  await db.update(subscriptions).set({ providerSubscriptionId: sub, providerSubscriptionItemId: item }).where(eq(subscriptions.accountId, account.id));
  for (let i = 1; i < active; i++) {
    await db.insert(users).values({ accountId: account.id, email: `u${i}@${account.slug}.test`, name: `User ${i}` });
  }
  fake.addSubscription({ id: sub, itemId: item, customer: "cus_x", quantity: seats, unitAmount: 2_500, currency: "EUR", periodStart, periodEnd });
  return { account, admin, sub };
}

const providerQuantity = (sub: string) =>
  (fake.subscription(sub)!.items as { data: { quantity: number }[] }).data[0]!.quantity;

describe("seats", () => {
  it("previews the cost now and from the next renewal", async () => {
    const { account } = await seatAccount(10, 3);
    expect(await previewSeats(db, gateway, account.id, 14, middle)).toMatchObject({
      ok: true,
      value: {
        from: 10,
        to: 14,
        prorationNow: 5_000, // 4 seats x 25.00 x half the period
        nextRenewal: 35_000,
        currentRenewal: 25_000,
        currency: "EUR",
      },
    });
  });

  it("refuses to go below the seats in use, naming who holds them, and above the plan's maximum", async () => {
    const { account } = await seatAccount(10, 3);
    const inUse = /^3 seats are in use \(Admin, User 1 and User 2\), so you can't go below 3\. Deactivate users first\.$/;
    const refusedWith = (message: string | RegExp) => ({
      ok: false,
      failure: { kind: "refused", message: expect.stringMatching(message), fields: { quantity: expect.stringMatching(message) } },
    });
    expect(await previewSeats(db, gateway, account.id, 2), "preview below the seats in use").toEqual(refusedWith(inUse));
    expect(
      await changeSeats(db, gateway, { accountId: account.id, userId: "x", quantity: 2, idempotencyKey: "k" }),
      "change below the seats in use",
    ).toEqual(refusedWith(inUse));
    expect(await previewSeats(db, gateway, account.id, 51), "above the maximum").toEqual(refusedWith(/^The plan allows up to 50 seats\.$/));
    expect(await previewSeats(db, gateway, account.id, 0), "zero").toEqual(refusedWith(/^Enter a whole number of seats, at least 1\.$/));
  });

  it("refuses a seat change while a plan change is scheduled for the renewal, changing nothing", async () => {
    const { account } = await seatAccount(10, 3);
    await db.update(subscriptions).set({ scheduledInterval: "year" }).where(eq(subscriptions.accountId, account.id));
    const message = "A plan change is scheduled for the renewal. Undo it on the plan page to change seats before then.";
    expect(await previewSeats(db, gateway, account.id, 12)).toEqual({ ok: false, failure: { kind: "refused", message, fields: { quantity: message } } });
    expect((await changeSeats(db, gateway, { accountId: account.id, userId: "x", quantity: 12, idempotencyKey: "scheduled" })).ok).toBe(false);
    const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    expect(row!.seatsPurchased).toBe(10);
  });

  it("names the first few holders of many seats, not every user", async () => {
    const { account } = await seatAccount(30, 25);
    const result = await previewSeats(db, gateway, account.id, 5);
    expect(result.ok ? null : result.failure.message).toBe(
      "25 seats are in use (Admin, User 1, User 10 and 22 more), so you can't go below 25. Deactivate users first.",
    );
  });

  it("changes the provider first and records the quantity it confirmed, with an audit entry", async () => {
    const { account, admin, sub } = await seatAccount(10, 3);
    expect(await changeSeats(db, gateway, { accountId: account.id, userId: admin.id, quantity: 12, idempotencyKey: "k1" })).toEqual({ ok: true, value: { status: "changed", from: 10, to: 12 } });
    expect(providerQuantity(sub)).toBe(12);
    const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    expect(row!.seatsPurchased).toBe(12);
    const audit = await db.select().from(auditLog).where(eq(auditLog.accountId, account.id));
    expect(audit).toEqual([
      expect.objectContaining({ action: "seats.change", before: { seats: 10 }, after: { seats: 12, prorationAmount: expect.any(Number) }, actorUserId: admin.id }),
    ]);
  });

  it("leaves the change unconfirmed when the provider does not answer, and makes it once when asked again with the same key", async () => {
    const { account, admin, sub } = await seatAccount(10, 3);
    const request = { accountId: account.id, userId: admin.id, quantity: 15, idempotencyKey: "k1", at: new Date() };
    fake.failNext({ kind: "error500" }, 3);
    expect(await changeSeats(db, gateway, request)).toEqual({ ok: true, value: { status: "unconfirmed", from: 10, requested: 15 } });
    expect(providerQuantity(sub)).toBe(10);
    const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    expect(row!.seatsPurchased).toBe(10);
    expect(await db.select().from(auditLog).where(eq(auditLog.accountId, account.id))).toEqual([]);
    expect(await db.select().from(subscriptionChanges).where(eq(subscriptionChanges.accountId, account.id))).toEqual([]);
    expect(await changeSeats(db, gateway, request)).toEqual({ ok: true, value: { status: "changed", from: 10, to: 15 } });
    expect(providerQuantity(sub)).toBe(15);
  });

  it("records a change the provider made but the database did not, once, when asked again with the same key", async () => {
    const { account, admin, sub } = await seatAccount(10, 3);
    const updatesAtProvider = () =>
      fake.events().filter((e) => e.type === "customer.subscription.updated" && (e.data.object as { id: string }).id === sub);
    // Priced at one instant, as the form sends its preview's time with its key: asked again,
    // the provider sees the same request.
    const request = { accountId: account.id, userId: admin.id, quantity: 12, idempotencyKey: "k-unknown", at: new Date() };
    const allowWrites = await refuseUpdates(db, "subscriptions", `new.seats_purchased <> old.seats_purchased and new.account_id = '${account.id}'`);
    try {
      expect(await changeSeats(db, gateway, request)).toEqual({ ok: true, value: { status: "unconfirmed", from: 10, requested: 12 } });
      expect(providerQuantity(sub), "the provider made the change").toBe(12);
      const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
      expect(row!.seatsPurchased, "the database did not record it").toBe(10);
      expect(await db.select().from(auditLog).where(eq(auditLog.accountId, account.id))).toEqual([]);
      await allowWrites();
      expect(await changeSeats(db, gateway, request)).toEqual({ ok: true, value: { status: "changed", from: 10, to: 12 } });
    } finally {
      await allowWrites();
    }
    expect(updatesAtProvider(), "one change (and one proration) at the provider").toHaveLength(1);
    const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    expect(row!.seatsPurchased).toBe(12);
    const audit = await db.select().from(auditLog).where(eq(auditLog.accountId, account.id));
    expect(audit).toEqual([
      expect.objectContaining({ action: "seats.change", before: { seats: 10 }, after: { seats: 12, prorationAmount: expect.any(Number) }, actorUserId: admin.id }),
    ]);
    const changes = await db.select().from(subscriptionChanges).where(eq(subscriptionChanges.accountId, account.id));
    expect(changes.map((c) => [c.fromQuantity, c.toQuantity]), "the change recorded once").toEqual([[10, 12]]);
  });

  it("keeps the database and the provider in agreement when two admins change seats at once", async () => {
    const { account, admin, sub } = await seatAccount(10, 3);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(
        [11 + round, 20 + round, 30 + round].map((quantity, i) =>
          changeSeats(db, gateway, { accountId: account.id, userId: admin.id, quantity, idempotencyKey: `r${round}-${i}` }),
        ),
      );
      expect(results.every((r) => r.status === "fulfilled" && r.value.ok)).toBe(true);
      const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
      expect(row!.seatsPurchased).toBe(providerQuantity(sub));
    }
  });
});


describe("the period's summary is what the provider charged", () => {
  async function accountRow(id: string) {
    const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
    return row!;
  }

  it("makes the Subscription subtotal equal the provider's invoices for the period, to the cent", async () => {
    const { account, admin, sub } = await seatAccount(30, 3);
    const changes = [
      { quantity: 32, at: new Date("2026-11-14T09:17:23Z") },
      { quantity: 31, at: new Date("2026-11-20T15:41:07Z") },
    ];
    for (const [i, change] of changes.entries()) {
      await changeSeats(db, gateway, { accountId: account.id, userId: admin.id, ...change, idempotencyKey: `period-${i}` });
    }

    // The oracle: the provider's own invoices for this subscription's period, read through the SDK.
    const stripe = new Stripe("sk_test_fake", { host: "127.0.0.1", port: fake.port, protocol: "http" });
    const invoices = (await stripe.invoices.list({ subscription: sub })).data.filter((invoice) =>
      invoice.lines.data.some((line) => line.period.start >= periodStart.getTime() / 1000 && line.period.start < periodEnd.getTime() / 1000),
    );
    const prorations = invoices.filter((i) => i.billing_reason === "subscription_update").sort((a, b) => a.created - b.created || a.lines.data[0]!.period.start - b.lines.data[0]!.period.start);
    expect(invoices.map((i) => i.billing_reason).sort(), "the period's invoice and one per change").toEqual(["subscription_create", "subscription_update", "subscription_update"]);
    const invoiced = invoices.reduce((sum, invoice) => sum + invoice.total, 0);

    const statement = await getStatement(db, await accountRow(account.id));
    const subscription = statement!.summary.groups.find((g) => g.key === "subscription")!;
    expect(subscription.subtotal, "Subscription subtotal").toBe(invoiced);
    expect(subscription.lines.map((l) => l.total), "one line per invoice").toEqual([
      invoices.find((i) => i.billing_reason === "subscription_create")!.total,
      ...prorations.map((i) => i.total),
    ]);
    expect(subscription.lines.map((l) => [l.item, l.change?.kind, l.change?.at])).toEqual([
      ["Test plan plan (monthly), seats", undefined, undefined],
      ["2 seats added (30 to 32), prorated", "added", changes[0]!.at],
      ["1 seat removed (32 to 31), prorated", "removed", changes[1]!.at],
    ]);

    const recorded = await db.select().from(subscriptionChanges).where(eq(subscriptionChanges.accountId, account.id));
    expect(recorded.map((r) => [r.kind, r.fromQuantity, r.toQuantity, r.prorationAmount, r.currency, r.providerInvoiceId, r.actorUserId])).toEqual(
      prorations.map((invoice, i) => ["seats", i === 0 ? 30 : 32, i === 0 ? 32 : 31, invoice.total, "EUR", invoice.id, admin.id]),
    );
  });

  it("shows the previewed amount as the change's line after confirming (sandbox), with its audit entry", async () => {
    const sandbox = createSandboxGateway(db);
    const { account, admin } = await createAccount(db);
    await subscribe(db, account.id, { start: periodStart, end: periodEnd }, 5);
    const pricedAt = new Date("2026-11-09T10:00:01Z");
    const statementBefore = await getStatement(db, await accountRow(account.id));
    const previewed = await previewSeats(db, sandbox, account.id, 8, pricedAt);
    if (!previewed.ok) throw new Error(`preview refused: ${previewed.failure.message}`);
    const preview = previewed.value;
    await changeSeats(db, sandbox, { accountId: account.id, userId: admin.id, quantity: 8, idempotencyKey: "sandbox-1", at: pricedAt });

    const statement = await getStatement(db, await accountRow(account.id));
    const lines = statement!.summary.groups.find((g) => g.key === "subscription")!.lines;
    expect(lines.map((l) => [l.item, l.quantity, l.total])).toEqual([
      ["Test plan plan (monthly), seats", 5, 5 * 2_500],
      ["3 seats added (5 to 8), prorated", 3, preview.prorationNow],
    ]);
    expect(statement!.summary.total - statementBefore!.summary.total, "the total grew by the previewed amount").toBe(preview.prorationNow);
    // Written in the same transaction as the change: both or neither.
    const [written] = ((await db.execute(sql`
      select (select count(*)::int from subscription_changes where account_id = ${account.id} and provider_invoice_id is null) as changes,
             (select count(*)::int from audit_log where account_id = ${account.id} and action = 'seats.change') as audits`)) as unknown as {
      rows: { changes: number; audits: number }[];
    }).rows;
    expect(written).toEqual({ changes: 1, audits: 1 });
  });

  it("starts the period with the seats left by the last period's changes, which it leaves out", async () => {
    const sandbox = createSandboxGateway(db);
    const { account, admin } = await createAccount(db);
    await subscribe(db, account.id, { start: new Date("2026-10-01T00:00:00Z"), end: periodStart }, 5);
    await changeSeats(db, sandbox, { accountId: account.id, userId: admin.id, quantity: 7, idempotencyKey: "october", at: new Date("2026-10-20T00:00:00Z") });
    await db.update(subscriptions).set({ currentPeriodStart: periodStart, currentPeriodEnd: periodEnd }).where(eq(subscriptions.accountId, account.id));
    await changeSeats(db, sandbox, { accountId: account.id, userId: admin.id, quantity: 9, idempotencyKey: "november", at: middle });
    const statement = await getStatement(db, await accountRow(account.id));
    const [recorded] = await db.select().from(subscriptionChanges).where(sql`${subscriptionChanges.accountId} = ${account.id} and ${subscriptionChanges.effectiveAt} = ${middle.toISOString()}`);
    expect(statement!.summary.groups.find((g) => g.key === "subscription")!.lines.map((l) => [l.quantity, l.total])).toEqual([
      [7, 7 * 2_500],
      [2, recorded!.prorationAmount],
    ]);
  });
});
