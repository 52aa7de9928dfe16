import { and, eq, sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, type DatabaseHandle, openDatabase } from "@/db/client";
import {
  auditLog,
  autoTopUpSettings,
  creditBalances,
  creditMovements,
  paymentMethods,
  sandboxPaymentIntents,
  topUpAttempts,
} from "@/db/schema";
import { getCreditOverview } from "@/lib/credit/queries";
import { completeSandboxAuthentication, expireUnconfirmedTopUps } from "@/lib/credit/authentication";
import { runAutoTopUp, sweepTopUps } from "@/lib/credit/auto-top-up";
import { postMovement } from "@/lib/credit/ledger";
import { startManualTopUp } from "@/lib/credit/top-ups";
import { startQueue } from "@/lib/jobs/queue";
import { GatewayRequestError } from "@/lib/payments/gateway";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import { saveSandboxPaymentMethod } from "@/lib/payments/sandbox-payment-methods";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount, subscribe } from "../support/fixtures";

const EXPIRED = "The payment was not confirmed with the bank within 24 hours, so it was canceled. Nothing was charged.";

let handle: TestDatabase;
/** The worker's connection to the database. */
let db: Database;
/** The app's: on Postgres a pool of its own, as a second process has. */
let appHandle: DatabaseHandle | null = null;
let appDb: Database;
let boss: PgBoss;

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 6 });
  db = handle.db;
  appHandle = handle.url ? await openDatabase({ url: handle.url, poolMax: 3 }) : null;
  appDb = appHandle?.db ?? db;
  boss = await startQueue(handle);
});

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await appHandle?.close();
  await handle?.close();
});

async function sandboxAccount(paymentMethodId: string, last4: string) {
  const { account, admin } = await createAccount(db);
  await subscribe(db, account.id, { start: new Date("2026-11-01"), end: new Date("2026-12-01") });
  await db.insert(paymentMethods).values({
    accountId: account.id,
    provider: "sandbox",
    type: "card",
    providerPaymentMethodId: paymentMethodId,
    cardBrand: "visa",
    cardLast4: last4,
    cardExpMonth: 12,
    cardExpYear: 2034,
  });
  return { account, admin };
}

/** An account whose card asks for 3-D Secure, with auto top-up on and one crossing recorded. */
async function crossedWithAuthenticationCard() {
  const { account, admin } = await sandboxAccount("pm_sandbox_authentication_required_t", "3184");
  await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 2_000, amount: 10_000 });
  await postMovement(db, account.id, { type: "adjustment", amount: 2_500, description: "Opening credit", actor: "test" });
  const crossing = await postMovement(db, account.id, { type: "call", amount: -600, interactionId: "call-1", description: "Call", actor: "platform" });
  expect(crossing.autoTopUpAttemptId, "the crossing records an automatic top-up").not.toBeNull();
  return { account, admin, attemptId: crossing.autoTopUpAttemptId! };
}

async function attemptRow(id: string) {
  const [row] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, id));
  return row!;
}

async function balanceOf(accountId: string) {
  const [row] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, accountId));
  return row?.balance ?? 0;
}

async function autoCredits(accountId: string) {
  return db
    .select()
    .from(creditMovements)
    .where(and(eq(creditMovements.accountId, accountId), eq(creditMovements.type, "top_up_auto")));
}

async function sandboxIntent(id: string) {
  const [row] = await db.select().from(sandboxPaymentIntents).where(eq(sandboxPaymentIntents.id, id));
  return row;
}

/** Makes the attempt look as if it had waited for the cardholder for `hours`. */
async function backdate(attemptId: string, hours: number) {
  await db.execute(sql`update top_up_attempts set updated_at = now() - make_interval(hours => ${hours}) where id = ${attemptId}`);
}

/** Takes the balance back above the threshold, then crosses it again: answers the attempt recorded. */
async function crossAgain(accountId: string, n: number) {
  await postMovement(db, accountId, { type: "adjustment", amount: 5_000, description: "Credit", actor: "test" });
  const balance = await balanceOf(accountId);
  const crossing = await postMovement(db, accountId, { type: "call", amount: -(balance - 1_000), interactionId: `call-again-${n}`, description: "Call", actor: "platform" });
  return crossing.autoTopUpAttemptId;
}

async function tenantState(accountId: string) {
  const tables = [topUpAttempts, sandboxPaymentIntents, creditMovements, paymentMethods, auditLog, autoTopUpSettings] as const;
  return Promise.all(tables.map((t) => db.select().from(t).where(eq(t.accountId, accountId))));
}

describe("sandbox payments outlive the process that started them", () => {
  it("confirms in the app a payment that the worker started, and credits it once", async () => {
    const { account, admin, attemptId } = await crossedWithAuthenticationCard();
    const worker = createSandboxGateway(db);
    const app = createSandboxGateway(appDb);
    const started = await runAutoTopUp(db, worker, attemptId, account.id);
    expect(started?.status).toBe("requires_action");
    const waiting = await attemptRow(attemptId);
    expect(waiting.status).toBe("requires_action");
    expect(await balanceOf(account.id)).toBe(1_900);

    const answer = await completeSandboxAuthentication(appDb, app, { accountId: account.id, userId: admin.id, attemptId, approve: true });
    expect(answer).toEqual({ ok: true, value: { status: "confirmed", amount: 10_000, currency: "EUR" } });
    expect(await balanceOf(account.id)).toBe(11_900);
    expect(await autoCredits(account.id)).toEqual([expect.objectContaining({ amount: 10_000, interactionId: waiting.providerPaymentIntentId })]);
    expect((await attemptRow(attemptId)).status).toBe("succeeded");
    // The worker's process sees the same payment.
    expect(await worker.retrieveCharge({ accountId: account.id, paymentIntentId: waiting.providerPaymentIntentId! })).toMatchObject({
      status: "succeeded",
      amount: 11_900, // €100.00 of credit plus 19 % VAT
    });

    // Confirming again (a second tab, a replayed form) adds nothing.
    const again = await completeSandboxAuthentication(appDb, app, { accountId: account.id, userId: admin.id, attemptId, approve: true });
    expect(again).toEqual({ ok: false, failure: { kind: "refused", message: "This payment is not waiting for authentication." } });
    expect(await balanceOf(account.id)).toBe(11_900);
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.accountId, account.id), eq(auditLog.action, "credit.top_up.authenticate")));
    expect(audit).toEqual([expect.objectContaining({ actorUserId: admin.id, after: expect.objectContaining({ attemptId, outcome: "succeeded" }) })]);
  });

  it("answers the same charge for the same key, whichever process asks, and refuses a key reused for another payment", async () => {
    const { account } = await sandboxAccount("pm_sandbox_succeeds_t", "4242");
    const request = {
      accountId: account.id,
      customerId: "cus_sandbox_t",
      paymentMethodId: "pm_sandbox_succeeds_t",
      amount: 2_500,
      currency: "EUR",
      idempotencyKey: `top-up:${crypto.randomUUID()}`,
      description: "Credit top-up",
      metadata: {},
    };
    const answers = await Promise.all([
      createSandboxGateway(db).chargeOffSession(request),
      createSandboxGateway(appDb).chargeOffSession(request),
      createSandboxGateway(db).chargeOffSession(request),
    ]);
    expect(new Set(answers.map((a) => a.paymentIntentId)).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: "succeeded", amount: 2_500, currency: "EUR" });
    const stored = await db.select().from(sandboxPaymentIntents).where(eq(sandboxPaymentIntents.accountId, account.id));
    expect(stored).toHaveLength(1);

    const before = await tenantState(account.id);
    await expect(createSandboxGateway(db).chargeOffSession({ ...request, amount: 9_900 })).rejects.toThrow(GatewayRequestError);
    const other = await createAccount(db);
    await expect(createSandboxGateway(db).chargeOffSession({ ...request, accountId: other.account.id })).rejects.toThrow(GatewayRequestError);
    await expect(
      createSandboxGateway(db).retrieveCharge({ accountId: other.account.id, paymentIntentId: answers[0]!.paymentIntentId }),
    ).rejects.toThrow(GatewayRequestError);
    expect(await tenantState(account.id)).toEqual(before);
    expect(await db.select().from(sandboxPaymentIntents).where(eq(sandboxPaymentIntents.accountId, other.account.id))).toEqual([]);
  });

  it("refuses to confirm another tenant's payment or an unknown one, changing nothing", async () => {
    const { account, admin, attemptId } = await crossedWithAuthenticationCard();
    const gateway = createSandboxGateway(appDb);
    await runAutoTopUp(db, createSandboxGateway(db), attemptId, account.id);
    const intruder = await createAccount(db);
    const before = await tenantState(account.id);
    for (const request of [
      { accountId: intruder.account.id, userId: intruder.admin.id, attemptId, approve: true },
      { accountId: account.id, userId: admin.id, attemptId: crypto.randomUUID(), approve: true },
    ]) {
      expect(await completeSandboxAuthentication(appDb, gateway, request)).toEqual({
        ok: false,
        failure: { kind: "refused", message: "This payment is not waiting for authentication." },
      });
    }
    expect(await tenantState(account.id)).toEqual(before);
    expect((await attemptRow(attemptId)).status).toBe("requires_action");
  });

  it("records a cardholder who cancels as a failed payment, charging nothing", async () => {
    const { account, admin, attemptId } = await crossedWithAuthenticationCard();
    await runAutoTopUp(db, createSandboxGateway(db), attemptId, account.id);
    const answer = await completeSandboxAuthentication(appDb, createSandboxGateway(appDb), { accountId: account.id, userId: admin.id, attemptId, approve: false });
    expect(answer).toEqual({ ok: false, failure: { kind: "refused", message: "The payment was not confirmed, and nothing was charged." } });
    expect(await attemptRow(attemptId)).toMatchObject({ status: "failed", failureMessage: "The cardholder did not confirm the payment." });
    expect(await balanceOf(account.id)).toBe(1_900);
  });
});

describe("a payment left unconfirmed for 24 hours", () => {
  it("is canceled by the sweep, is not counted as a failure, and frees the account for the next automatic top-up", async () => {
    const { account, admin, attemptId } = await crossedWithAuthenticationCard();
    const gateway = createSandboxGateway(db);
    await runAutoTopUp(db, gateway, attemptId, account.id);
    const paymentIntentId = (await attemptRow(attemptId)).providerPaymentIntentId!;
    // While it waits, no other automatic top-up can start.
    expect(await crossAgain(account.id, 1), "a crossing while one waits").toBeNull();

    await backdate(attemptId, 23);
    await sweepTopUps(db, boss, gateway);
    expect((await attemptRow(attemptId)).status, "23 hours: still waiting").toBe("requires_action");

    await backdate(attemptId, 25);
    await sweepTopUps(db, boss, gateway);
    expect(await attemptRow(attemptId)).toMatchObject({ status: "canceled", failureCode: "authentication_expired", failureMessage: EXPIRED });
    expect((await sandboxIntent(paymentIntentId))?.status, "canceled at the provider").toBe("canceled");
    const [settings] = await db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, account.id));
    expect(settings).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
    expect((await getCreditOverview(db, account.id)).lastFailure).toMatchObject({ amount: 10_000, reason: EXPIRED });
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.accountId, account.id), eq(auditLog.action, "credit.top_up.expire")));
    expect(audit).toEqual([expect.objectContaining({ actorUserId: null, after: expect.objectContaining({ attemptId, outcome: "canceled" }) })]);

    // A late confirmation charges nothing, and the page's action says why.
    const balance = await balanceOf(account.id);
    const late = await completeSandboxAuthentication(appDb, createSandboxGateway(appDb), { accountId: account.id, userId: admin.id, attemptId, approve: true });
    expect(late).toEqual({ ok: false, failure: { kind: "refused", message: EXPIRED } });
    expect(await createSandboxGateway(appDb).authenticate({ accountId: account.id, paymentIntentId }, true)).toMatchObject({ status: "canceled" });
    expect(await balanceOf(account.id)).toBe(balance);
    expect(await autoCredits(account.id)).toEqual([]);

    // The next crossing starts a new automatic top-up.
    const next = await crossAgain(account.id, 2);
    expect(next, "a crossing after the expiry").not.toBeNull();
    expect((await runAutoTopUp(db, gateway, next!, account.id))?.status).toBe("requires_action");
  });

  it("is canceled instead of charged when confirmed after its time, before any sweep ran", async () => {
    const { account, admin } = await sandboxAccount("pm_sandbox_authentication_required_m", "3184");
    const started = await startManualTopUp(db, createSandboxGateway(db), { accountId: account.id, userId: admin.id, amount: 4_000, idempotencyKey: "form" });
    expect(started.status).toBe("requires_action");
    await backdate(started.attemptId, 25);
    const answer = await completeSandboxAuthentication(appDb, createSandboxGateway(appDb), { accountId: account.id, userId: admin.id, attemptId: started.attemptId, approve: true });
    expect(answer).toEqual({ ok: false, failure: { kind: "refused", message: EXPIRED } });
    const attempt = await attemptRow(started.attemptId);
    expect(attempt).toMatchObject({ status: "canceled", failureCode: "authentication_expired" });
    expect((await sandboxIntent(attempt.providerPaymentIntentId!))?.status).toBe("canceled");
    expect(await balanceOf(account.id)).toBe(0);
  });

  it("closes an attempt whose payment the sandbox does not know (kept in a process's memory before), freeing auto top-up", async () => {
    const { account, admin, attemptId } = await crossedWithAuthenticationCard();
    const lost = "pi_sandbox_0123456789abcdef01234567";
    await db.update(topUpAttempts).set({ status: "requires_action", providerPaymentIntentId: lost }).where(eq(topUpAttempts.id, attemptId));
    const gateway = createSandboxGateway(appDb);
    expect(await completeSandboxAuthentication(appDb, gateway, { accountId: account.id, userId: admin.id, attemptId, approve: true })).toEqual({
      ok: false,
      failure: { kind: "refused", message: "This payment can no longer be confirmed, and nothing was charged." },
    });
    await backdate(attemptId, 25);
    await sweepTopUps(db, boss, gateway);
    expect(await attemptRow(attemptId)).toMatchObject({ status: "canceled", failureCode: "authentication_expired" });
    expect(await balanceOf(account.id)).toBe(1_900);
    expect(await crossAgain(account.id, 1)).not.toBeNull();
  });

  it("credits a payment confirmed while it is being canceled, or cancels it, never both", async () => {
    for (let round = 0; round < 5; round++) {
      const { account, admin } = await sandboxAccount(`pm_sandbox_authentication_required_r${round}`, "3184");
      const started = await startManualTopUp(db, createSandboxGateway(db), { accountId: account.id, userId: admin.id, amount: 3_000, idempotencyKey: "form" });
      const [, answer] = await Promise.all([
        expireUnconfirmedTopUps(db, createSandboxGateway(db), 0),
        completeSandboxAuthentication(appDb, createSandboxGateway(appDb), { accountId: account.id, userId: admin.id, attemptId: started.attemptId, approve: true }),
      ]);
      const attempt = await attemptRow(started.attemptId);
      const intent = await sandboxIntent(attempt.providerPaymentIntentId!);
      const credited = await balanceOf(account.id);
      if (answer.ok && answer.value.status === "confirmed") {
        expect([attempt.status, intent?.status, credited]).toEqual(["succeeded", "succeeded", 3_000]);
      } else {
        expect(answer).toEqual({ ok: false, failure: { kind: "refused", message: EXPIRED } });
        expect([attempt.status, intent?.status, credited]).toEqual(["canceled", "canceled", 0]);
      }
    }
  });
});

describe("saving a sandbox card confirms it first, as Stripe's SetupIntent does", () => {
  const card = (cardNumber: string, expMonth = 12, expYear = 2034) => ({ type: "card" as const, cardNumber, expMonth, expYear });

  it.each([
    ["the declined card", card("4000000000000002"), "refused", "cardNumber", "The card was declined. Contact the bank or use another payment method.", "The card was not saved. You still pay with the Visa card ending in 4242."],
    ["a number that is not a test card", card("4242424242424241"), "invalid", "cardNumber", "In the sandbox, use one of Stripe's test card numbers.", "Please correct the card."],
    ["an expired card", card("4242424242424242", 1, 2020), "invalid", "expiry", "This card has expired.", "Please correct the card."],
  ])("refuses %s at its field and keeps the current method", async (_, method, kind, field, message, error) => {
    const { account, admin } = await sandboxAccount("pm_sandbox_succeeds_k", "4242");
    const before = await tenantState(account.id);
    const result = await saveSandboxPaymentMethod(db, createSandboxGateway(db), { accountId: account.id, userId: admin.id, method });
    expect(result).toEqual({ ok: false, failure: { kind, message: error, fields: { [field]: message } } });
    expect(await tenantState(account.id)).toEqual(before);
  });

  it.each([
    ["insufficient funds (it fails only when charged)", "4000000000009995", "9995", "Visa"],
    ["3-D Secure", "4000002760003184", "3184", "Visa"],
    ["a card that pays", "5555555555554444", "4444", "Mastercard"],
  ])("saves the card with %s in place of the current one", async (_, number, last4, brand) => {
    const { account, admin } = await sandboxAccount("pm_sandbox_succeeds_k", "4242");
    const result = await saveSandboxPaymentMethod(db, createSandboxGateway(db), { accountId: account.id, userId: admin.id, method: card(number) });
    expect(result).toEqual({ ok: true, value: { saved: `${brand} ending in ${last4}` } });
    const current = await db.select().from(paymentMethods).where(and(eq(paymentMethods.accountId, account.id), sql`${paymentMethods.replacedAt} is null`));
    expect(current).toEqual([expect.objectContaining({ provider: "sandbox", cardLast4: last4 })]);
  });
});
