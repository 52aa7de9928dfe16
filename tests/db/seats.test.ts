import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { auditLog, subscriptions, users } from "@/db/schema";
import { changeSeats, previewSeats, SeatChangeRefused } from "@/lib/billing/seats";
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
      from: 10,
      to: 14,
      prorationNow: 5_000, // 4 seats x 25.00 x half the period
      nextRenewal: 35_000,
      currentRenewal: 25_000,
      currency: "EUR",
    });
  });

  it("refuses to go below the seats in use, naming who holds them, and above the plan's maximum", async () => {
    const { account } = await seatAccount(10, 3);
    await expect(previewSeats(db, gateway, account.id, 2)).rejects.toThrow(SeatChangeRefused);
    await expect(changeSeats(db, gateway, { accountId: account.id, userId: "x", quantity: 2, idempotencyKey: "k" })).rejects.toThrow(
      /3 seats are in use.*Seats are held by: Admin \(admin@.*\), User 1 \(u1@.*\), User 2 \(u2@.*\)\./,
    );
    await expect(previewSeats(db, gateway, account.id, 51)).rejects.toThrow("The plan allows up to 50 seats.");
    await expect(previewSeats(db, gateway, account.id, 0)).rejects.toThrow("Enter a whole number of seats, at least 1.");
  });

  it("changes the provider first and records the quantity it confirmed, with an audit entry", async () => {
    const { account, admin, sub } = await seatAccount(10, 3);
    expect(await changeSeats(db, gateway, { accountId: account.id, userId: admin.id, quantity: 12, idempotencyKey: "k1" })).toEqual({ status: "changed", from: 10, to: 12 });
    expect(providerQuantity(sub)).toBe(12);
    const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    expect(row!.seatsPurchased).toBe(12);
    const audit = await db.select().from(auditLog).where(eq(auditLog.accountId, account.id));
    expect(audit).toEqual([expect.objectContaining({ action: "seats.change", before: { seats: 10 }, after: { seats: 12 }, actorUserId: admin.id })]);
  });

  it("leaves the change unconfirmed when the provider does not answer, and makes it once when asked again with the same key", async () => {
    const { account, admin, sub } = await seatAccount(10, 3);
    const request = { accountId: account.id, userId: admin.id, quantity: 15, idempotencyKey: "k1" };
    fake.failNext({ kind: "error500" }, 3);
    expect(await changeSeats(db, gateway, request)).toEqual({ status: "unconfirmed", from: 10, requested: 15 });
    expect(providerQuantity(sub)).toBe(10);
    const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    expect(row!.seatsPurchased).toBe(10);
    expect(await db.select().from(auditLog).where(eq(auditLog.accountId, account.id))).toEqual([]);
    expect(await changeSeats(db, gateway, request)).toEqual({ status: "changed", from: 10, to: 15 });
    expect(providerQuantity(sub)).toBe(15);
  });

  it("records a change the provider made but the database did not, once, when asked again with the same key", async () => {
    const { account, admin, sub } = await seatAccount(10, 3);
    const updatesAtProvider = () =>
      fake.events().filter((e) => e.type === "customer.subscription.updated" && (e.data.object as { id: string }).id === sub);
    const request = { accountId: account.id, userId: admin.id, quantity: 12, idempotencyKey: "k-unknown" };
    const allowWrites = await refuseUpdates(db, "subscriptions", `new.seats_purchased <> old.seats_purchased and new.account_id = '${account.id}'`);
    try {
      expect(await changeSeats(db, gateway, request)).toEqual({ status: "unconfirmed", from: 10, requested: 12 });
      expect(providerQuantity(sub), "the provider made the change").toBe(12);
      const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
      expect(row!.seatsPurchased, "the database did not record it").toBe(10);
      expect(await db.select().from(auditLog).where(eq(auditLog.accountId, account.id))).toEqual([]);
      await allowWrites();
      expect(await changeSeats(db, gateway, request)).toEqual({ status: "changed", from: 10, to: 12 });
    } finally {
      await allowWrites();
    }
    expect(updatesAtProvider(), "one change (and one proration) at the provider").toHaveLength(1);
    const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    expect(row!.seatsPurchased).toBe(12);
    const audit = await db.select().from(auditLog).where(eq(auditLog.accountId, account.id));
    expect(audit).toEqual([expect.objectContaining({ action: "seats.change", before: { seats: 10 }, after: { seats: 12 }, actorUserId: admin.id })]);
  });

  it("keeps the database and the provider in agreement when two admins change seats at once", async () => {
    const { account, admin, sub } = await seatAccount(10, 3);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(
        [11 + round, 20 + round, 30 + round].map((quantity, i) =>
          changeSeats(db, gateway, { accountId: account.id, userId: admin.id, quantity, idempotencyKey: `r${round}-${i}` }),
        ),
      );
      expect(results.every((r) => r.status === "fulfilled")).toBe(true);
      const [row] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
      expect(row!.seatsPurchased).toBe(providerQuantity(sub));
    }
  });
});

