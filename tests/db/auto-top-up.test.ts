import { and, eq, sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { auditLog, autoTopUpSettings, creditBalances, creditMovements, paymentMethods, topUpAttempts, users } from "@/db/schema";
import { saveAutoTopUpSettings } from "@/lib/credit/auto-top-up-settings";
import { createDueAttempt, RetryLater, runAutoTopUp, startTopUpWorker, sweepTopUps } from "@/lib/credit/auto-top-up";
import { type MovementInput, postMovement, postMovements } from "@/lib/credit/ledger";
import { enqueueAutoTopUp, startQueue } from "@/lib/jobs/queue";
import { createStripeGateway } from "@/lib/payments/stripe-gateway";
import { type FakeStripe, startFakeStripe } from "../support/fake-stripe/server";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount, subscribe } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;
let boss: PgBoss;
let fake: FakeStripe;
let gateway: ReturnType<typeof createStripeGateway>;

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 8 });
  db = handle.db;
  boss = await startQueue(handle);
  fake = await startFakeStripe({ webhookSecret: "whsec_unused" });
  gateway = createStripeGateway({ secretKey: "sk_test_fake", apiBase: fake.url, timeoutMs: 400 });
});

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await fake?.close();
  await handle?.close();
});

async function accountWithAutoTopUp(paymentMethod: string, settings: Partial<typeof autoTopUpSettings.$inferInsert> = {}) {
  const { account } = await createAccount(db);
  await subscribe(db, account.id, { start: new Date("2026-11-01"), end: new Date("2026-12-01") });
  await db.insert(paymentMethods).values({
    accountId: account.id,
    provider: "stripe",
    type: "card",
    providerPaymentMethodId: paymentMethod,
    cardBrand: "visa",
    cardLast4: "4242",
    cardExpMonth: 12,
    cardExpYear: 2034,
  });
  await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 2_000, amount: 10_000, ...settings });
  await postMovement(db, account.id, { type: "top_up_manual", amount: 2_500, interactionId: "pi_opening", description: "Opening", actor: "test" });
  return account;
}

/**
 * Debits and, when they cross the threshold, the job of the attempt the ledger recorded,
 * in one transaction: what usage ingestion does for each batch.
 */
function debitAndEnqueue(database: Database, queue: PgBoss, accountId: string, movements: MovementInput[]) {
  return database.transaction(async (tx) => {
    const result = await postMovements(tx, accountId, movements);
    if (result.autoTopUpAttemptId) await enqueueAutoTopUp(queue, tx, { id: result.autoTopUpAttemptId, accountId });
    return result;
  });
}

const usage = (amount: number, id: string) => ({ type: "call" as const, amount: -amount, interactionId: id, description: "Call", actor: "platform" });

async function jobState(id: string): Promise<string | null> {
  const result = await db.execute(sql`select state::text from pgboss.job where id = ${id}::uuid`);
  return ((result as unknown as { rows: { state: string }[] }).rows[0]?.state) ?? null;
}

async function balanceOf(accountId: string) {
  const [row] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, accountId));
  return row?.balance ?? 0;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("enqueueing with the debit", () => {
  it("enqueues the charge in the debit's transaction, under the attempt's id", async () => {
    const account = await accountWithAutoTopUp("pm_card_visa");
    const result = await debitAndEnqueue(db, boss, account.id, [usage(600, "c1")]);
    expect(result.autoTopUpAttemptId).not.toBeNull();
    expect(await jobState(result.autoTopUpAttemptId!)).toBe("created");
    // Sending it again (a sweep) adds no second job.
    await enqueueAutoTopUp(boss, db, { id: result.autoTopUpAttemptId!, accountId: account.id });
    const jobs = await db.execute(sql`select count(*)::int as n from pgboss.job where data->>'attemptId' = ${result.autoTopUpAttemptId}`);
    expect((jobs as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
  });

  it("leaves neither attempt nor job when the debit's transaction rolls back", async () => {
    const account = await accountWithAutoTopUp("pm_card_visa");
    let attemptId: string | null = null;
    await expect(
      db.transaction(async (tx) => {
        const result = await postMovements(tx, account.id, [usage(600, "c1")]);
        attemptId = result.autoTopUpAttemptId;
        await enqueueAutoTopUp(boss, tx, { id: attemptId!, accountId: account.id });
        throw new Error("the caller fails");
      }),
    ).rejects.toThrow("the caller fails");
    expect(attemptId).not.toBeNull();
    expect(await jobState(attemptId!)).toBeNull();
    expect(await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id))).toEqual([]);
    expect(await balanceOf(account.id)).toBe(2_500);
  });
});

describe("the auto top-up job", () => {
  it("charges and credits once when 40 concurrent debits cross the threshold, run by the worker", async () => {
    const account = await accountWithAutoTopUp("pm_card_visa");
    const worker = await startTopUpWorker(db, boss, gateway, { pollingIntervalSeconds: 0.5, sweepMs: 60_000 });
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => debitAndEnqueue(db, boss, account.id, [usage(25, `c${i}`)])));
      const credited = await waitFor(
        () => db.select().from(creditMovements).where(and(eq(creditMovements.accountId, account.id), eq(creditMovements.type, "top_up_auto"))),
        (rows) => rows.length > 0,
      );
      expect(credited).toHaveLength(1);
      expect(credited[0]!.amount).toBe(10_000);
      expect(await balanceOf(account.id)).toBe(2_500 - 40 * 25 + 10_000);
      const attempts = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
      expect(attempts.map((a) => a.status)).toEqual(["succeeded"]);
      const charged = fake.paymentIntents().filter((pi) => (pi.metadata as Record<string, string>).accountId === account.id);
      expect(charged.map((pi) => pi.amount), "one payment: the credit plus 19 % VAT").toEqual([11_900]);
    } finally {
      await worker.stop();
    }
  });

  it("retries a declined top-up as new attempts and switches off after three failures in a row", async () => {
    const account = await accountWithAutoTopUp("pm_card_chargeDeclined");
    const { autoTopUpAttemptId } = await postMovement(db, account.id, usage(600, "c1"));
    // pg-boss runs the job up to three times (retryLimit 2); here the runs are driven directly.
    await expect(runAutoTopUp(db, gateway, autoTopUpAttemptId!, account.id)).rejects.toThrow(RetryLater);
    await expect(runAutoTopUp(db, gateway, autoTopUpAttemptId!, account.id)).rejects.toThrow(RetryLater);
    const last = await runAutoTopUp(db, gateway, autoTopUpAttemptId!, account.id);
    expect(last).toMatchObject({ status: "failed", message: "The card was declined. Contact the bank or use another payment method." });
    const attempts = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
    expect(attempts.map((a) => a.status)).toEqual(["failed", "failed", "failed"]);
    expect(new Set(attempts.map((a) => a.failureMessage)).size).toBe(1);
    const [settings] = await db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, account.id));
    expect(settings).toMatchObject({ enabled: false, consecutiveFailures: 3 });
    expect(await runAutoTopUp(db, gateway, autoTopUpAttemptId!, account.id)).toBeNull(); // switched off: nothing more
    expect(await balanceOf(account.id)).toBe(1_900);
  });

  it("keeps retrying the same attempt while Stripe does not answer, charging once", async () => {
    const account = await accountWithAutoTopUp("pm_card_visa");
    const { autoTopUpAttemptId } = await postMovement(db, account.id, usage(600, "c1"));
    await runAutoTopUp(db, gateway, autoTopUpAttemptId!, account.id).catch(() => undefined); // creates the customer
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, autoTopUpAttemptId!));
    expect(attempt!.status).toBe("succeeded");
    const other = await accountWithAutoTopUp("pm_card_visa");
    const customer = await gateway.createCustomer({ accountId: other.id, name: other.name, email: null });
    await db.execute(sql`update subscriptions set provider_customer_id = ${customer} where account_id = ${other.id}`);
    const crossing = await postMovement(db, other.id, usage(600, "c1"));
    fake.failNext({ kind: "error500AfterCharge" }, 3);
    await expect(runAutoTopUp(db, gateway, crossing.autoTopUpAttemptId!, other.id)).rejects.toThrow(RetryLater);
    expect((await runAutoTopUp(db, gateway, crossing.autoTopUpAttemptId!, other.id))?.status).toBe("succeeded");
    expect(fake.paymentIntents().filter((pi) => (pi.metadata as Record<string, string>).accountId === other.id)).toHaveLength(1);
    expect(await balanceOf(other.id)).toBe(1_900 + 10_000);
  });

  it("does not top up past the monthly cap, nor when switched off, nor above the threshold", async () => {
    const capped = await accountWithAutoTopUp("pm_card_visa", { monthlyCap: 10_000 });
    await db.insert(topUpAttempts).values({ accountId: capped.id, kind: "auto", status: "succeeded", amount: 10_000, currency: "EUR", idempotencyKey: "earlier" });
    await db.update(creditBalances).set({ balance: 1_000 }).where(eq(creditBalances.accountId, capped.id));
    expect(await createDueAttempt(db, capped.id, "k")).toBeNull();
    const above = await accountWithAutoTopUp("pm_card_visa");
    expect(await createDueAttempt(db, above.id, "k")).toBeNull();
  });

  it("counts the credit added against the monthly cap, not the VAT charged with it", async () => {
    const account = await accountWithAutoTopUp("pm_card_visa", { monthlyCap: 20_000 });
    await db.insert(topUpAttempts).values({
      accountId: account.id,
      kind: "auto",
      status: "succeeded",
      amount: 10_000,
      taxAmount: 1_900,
      taxRateBasisPoints: 1900,
      taxRule: "domestic",
      currency: "EUR",
      idempotencyKey: "earlier-this-month",
    });
    await db.update(creditBalances).set({ balance: 1_000 }).where(eq(creditBalances.accountId, account.id));
    const attempt = await createDueAttempt(db, account.id, "next");
    expect(attempt, "€100.00 + €100.00 of credit fits a €200.00 cap").toMatchObject({ amount: 10_000, taxAmount: 1_900, taxRateBasisPoints: 1900 });
  });

  it("sweeps pending attempts into the queue after a crash", async () => {
    const account = await accountWithAutoTopUp("pm_card_visa");
    // The process died after the debit committed, before its job was sent.
    const { autoTopUpAttemptId } = await postMovement(db, account.id, usage(600, "c1"));
    expect(await jobState(autoTopUpAttemptId!)).toBeNull();
    await sweepTopUps(db, boss, gateway);
    expect(await jobState(autoTopUpAttemptId!)).toBe("created");
  });
});

describe("saving the auto top-up settings", () => {
  it.each([
    [{ threshold: "abc", amount: "100" }, { threshold: "Enter an amount such as 50 or 49.90." }],
    [{ threshold: "1", amount: "100" }, { threshold: "Enter an amount from €5.00 to €1,000.00." }],
    [{ threshold: "20", amount: "100", monthlyCap: "50" }, { monthlyCap: "The monthly cap must be at least the top-up amount." }],
  ])("refuses %o field by field, changing nothing", async (typed, fields) => {
    const { account, admin } = await createAccount(db);
    const result = await saveAutoTopUpSettings(db, boss, { accountId: account.id, userId: admin.id, enabled: true, ...typed });
    expect(result, "answer").toEqual({ ok: false, failure: { kind: "invalid", message: "Please correct the highlighted fields.", fields } });
    expect(await db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, account.id)), "settings").toEqual([]);
    expect(await db.select().from(auditLog).where(eq(auditLog.accountId, account.id)), "audit").toEqual([]);
  });

  it("saves, audits the change, and starts one top-up when the balance is already below the threshold", async () => {
    const account = await accountWithAutoTopUp("pm_card_visa", { enabled: false });
    const [admin] = await db.select().from(users).where(eq(users.accountId, account.id));
    const result = await saveAutoTopUpSettings(db, boss, {
      accountId: account.id,
      userId: admin!.id,
      enabled: true,
      threshold: "30",
      amount: "100.50",
      monthlyCap: "",
    });
    expect(result, "answer").toEqual({ ok: true, value: { enabled: true, amount: 10_050, threshold: 3_000, monthlyCap: null, currency: account.currency, triggered: true } });
    const [saved] = await db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, account.id));
    expect(saved, "settings").toMatchObject({ enabled: true, threshold: 3_000, amount: 10_050, monthlyCap: null, updatedByUserId: admin!.id });
    const entries = await db.select().from(auditLog).where(eq(auditLog.accountId, account.id));
    expect(entries.map((e) => [e.action, e.actorUserId, e.after]), "audit").toEqual([
      ["auto_top_up.update", admin!.id, { enabled: true, threshold: 3_000, amount: 10_050, monthlyCap: null }],
    ]);
    const attempts = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
    expect(attempts.map((a) => [a.kind, a.status, a.amount]), "attempts").toEqual([["auto", "pending", 10_050]]);
    expect(await jobState(attempts[0]!.id) !== null, "job enqueued").toBe(true);
  });
});
