import { and, eq, sql } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  auditLog,
  autoTopUpSettings,
  creditBalances,
  creditMovements,
  paymentMethods,
  paymentProviderEvents,
  topUpAttempts,
} from "@/db/schema";
import { postMovement } from "@/lib/credit/ledger";
import { completeSandboxAuthentication, expireUnconfirmedTopUps, UNCONFIRMED_AUTHENTICATION } from "@/lib/credit/authentication";
import {
  chargeAttempt,
  chargeIdempotencyKey,
  reconcilePendingTopUps,
  startManualTopUp,
  UNCONFIRMED_PAYMENT,
} from "@/lib/credit/top-ups";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import { refuseUpdates } from "../support/db-fault";
import type { FakeStripe } from "../support/fake-stripe/server";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount, subscribe } from "../support/fixtures";
import { startStripeWithWebhooks, type StripeWithWebhooks } from "../support/stripe-webhooks";

/** The fake's payment intents for an account, whatever their state. */
const intentsOf = (accountId: string) =>
  fake.paymentIntents().filter((pi) => (pi.metadata as Record<string, string>).accountId === accountId);

async function auditOf(accountId: string) {
  return db
    .select({ action: auditLog.action, actorUserId: auditLog.actorUserId, after: auditLog.after })
    .from(auditLog)
    .where(eq(auditLog.accountId, accountId))
    .orderBy(auditLog.createdAt);
}

const WEBHOOK_SECRET = "whsec_test_0123456789";

let handle: TestDatabase;
let db: Database;
let stripe: StripeWithWebhooks;
let fake: FakeStripe;
let gateway: StripeWithWebhooks["gateway"];

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 6 });
  db = handle.db;
  stripe = await startStripeWithWebhooks(handle, { webhookSecret: WEBHOOK_SECRET, timeoutMs: 400 });
  ({ fake, gateway } = stripe);
});

afterAll(async () => {
  await stripe?.close();
  await handle?.close();
});

async function accountWithCard(paymentMethod = "pm_card_visa") {
  const { account, admin } = await createAccount(db);
  await subscribe(db, account.id, { start: new Date("2026-11-01"), end: new Date("2026-12-01") });
  await db.insert(paymentMethods).values({
    accountId: account.id,
    provider: "stripe",
    type: paymentMethod === "pm_paypal" ? "paypal" : "card",
    providerPaymentMethodId: paymentMethod,
    ...(paymentMethod === "pm_paypal"
      ? { paypalEmail: "buyer@paypal.test" }
      : { cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 }),
  });
  return { account, admin };
}

async function balanceOf(accountId: string) {
  const [row] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, accountId));
  return row?.balance ?? 0;
}

/** Webhooks are delivered asynchronously; wait until the fake has none in flight. */
const settleWebhooks = () => fake.whenIdle();

/** Creates the Stripe customer up front, so that an injected fault hits the charge itself. */
async function withCustomer(account: { id: string; name: string }) {
  const customerId = await gateway.createCustomer({ accountId: account.id, name: account.name, email: null });
  await db.execute(sql`update subscriptions set provider_customer_id = ${customerId} where account_id = ${account.id}`);
  return customerId;
}

/** No credit without a succeeded payment, and no succeeded payment without credit. */
async function expectMoneyConsistent(accountId: string) {
  await settleWebhooks();
  const paid = fake
    .paymentIntents()
    .filter((pi) => (pi.metadata as Record<string, string>).accountId === accountId && pi.status === "succeeded")
    .map((pi) => String(pi.id))
    .sort();
  const credited = (
    await db
      .select({ id: creditMovements.interactionId })
      .from(creditMovements)
      .where(and(eq(creditMovements.accountId, accountId), sql`${creditMovements.type} in ('top_up_manual', 'top_up_auto')`))
  )
    .map((m) => m.id!)
    .sort();
  expect(credited).toEqual(paid);
  return paid;
}

beforeEach(() => {
  fake.failNext({ kind: "error500" }, 0);
});

describe("manual top-up through Stripe", () => {
  it("charges the saved card once and credits once, whether the answer or the webhook comes first", async () => {
    const { account, admin } = await accountWithCard();
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 5_000, idempotencyKey: "form-1" });
    expect(outcome.status).toBe("succeeded");
    await settleWebhooks();
    expect(await balanceOf(account.id)).toBe(5_000);
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
    expect(attempt).toMatchObject({ status: "succeeded", kind: "manual", amount: 5_000, initiatedByUserId: admin.id });
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
    // The customer was created at Stripe and remembered.
    const [stored] = await db.execute(sql`select provider_customer_id from subscriptions where account_id = ${account.id}`).then((r) => (r as unknown as { rows: { provider_customer_id: string }[] }).rows);
    expect(stored!.provider_customer_id).toMatch(/^cus_/);
  });

  it("charges once when the same form is submitted three times at once", async () => {
    const { account, admin } = await accountWithCard();
    const request = { accountId: account.id, userId: admin.id, amount: 2_500, idempotencyKey: "form-double-click" };
    const outcomes = await Promise.all([1, 2, 3].map(() => startManualTopUp(db, gateway, request)));
    expect(new Set(outcomes.map((o) => o.attemptId)).size).toBe(1);
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
    expect(await balanceOf(account.id)).toBe(2_500);
  });

  it.each([
    ["pm_card_chargeDeclined", "The card was declined. Contact the bank or use another payment method."],
    ["pm_card_chargeDeclinedInsufficientFunds", "The card has insufficient funds. Use another card or try a smaller amount."],
  ])("records a decline (%s) in words and credits nothing", async (pm, message) => {
    const { account, admin } = await accountWithCard(pm);
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 5_000, idempotencyKey: "f" });
    expect(outcome).toMatchObject({ status: "failed", message });
    await settleWebhooks();
    expect(await balanceOf(account.id)).toBe(0);
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
    expect(attempt).toMatchObject({ status: "failed", failureMessage: message });
    await expectMoneyConsistent(account.id);
  });

  it("waits for the cardholder when the bank asks for authentication, then credits on the webhook", async () => {
    const { account, admin } = await accountWithCard("pm_card_authenticationRequired");
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 4_000, idempotencyKey: "f" });
    expect(outcome.status).toBe("requires_action");
    expect(outcome.status === "requires_action" && outcome.clientSecret).toMatch(/_secret_/);
    await settleWebhooks();
    let [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
    expect(attempt!.status).toBe("requires_action");
    expect(await balanceOf(account.id)).toBe(0);
    await fake.authenticate(attempt!.providerPaymentIntentId!);
    await settleWebhooks();
    [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
    expect(attempt!.status).toBe("succeeded");
    expect(await balanceOf(account.id)).toBe(4_000);
    await expectMoneyConsistent(account.id);
  });

  it("refuses to top up without a payment method", async () => {
    const { account, admin } = await createAccount(db);
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 5_000, idempotencyKey: "f" });
    expect(outcome).toMatchObject({ status: "failed", message: "No payment method is saved. Add a card or PayPal first." });
    expect(fake.paymentIntents().filter((pi) => (pi.metadata as Record<string, string>).accountId === account.id)).toEqual([]);
  });
});

describe("faults", () => {
  it("keeps the attempt pending when Stripe answers 500, and charges once on recovery", async () => {
    const { account, admin } = await accountWithCard();
    await withCustomer(account);
    fake.failNext({ kind: "error500" }, 3); // the SDK's request and its two retries
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 3_000, idempotencyKey: "f" });
    expect(outcome.status).toBe("pending");
    expect(await balanceOf(account.id)).toBe(0);
    await expectMoneyConsistent(account.id);
    await reconcilePendingTopUps(db, gateway, 0);
    expect(await balanceOf(account.id)).toBe(3_000);
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
  });

  it("keeps the attempt pending when Stripe stalls, and charges once on recovery", async () => {
    const { account, admin } = await accountWithCard();
    await withCustomer(account);
    fake.failNext({ kind: "stall" }, 3);
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 3_000, idempotencyKey: "f" });
    expect(outcome.status).toBe("pending");
    await reconcilePendingTopUps(db, gateway, 0);
    expect(await balanceOf(account.id)).toBe(3_000);
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
  });

  it("does not charge twice when the answer of a completed charge is lost", async () => {
    const { account, admin } = await accountWithCard();
    await withCustomer(account);
    fake.failNext({ kind: "error500AfterCharge" }, 3);
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 3_000, idempotencyKey: "f" });
    expect(outcome.status).toBe("pending");
    // The charge succeeded at Stripe: its webhook credits the account.
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
    expect(await balanceOf(account.id)).toBe(3_000);
    await reconcilePendingTopUps(db, gateway, 0);
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
    expect(await balanceOf(account.id)).toBe(3_000);
  });

  it("recovers when the process dies between the charge and the commit", async () => {
    const { account, admin } = await accountWithCard();
    fake.setWebhookUrl(null); // the webhook is delayed too
    try {
      const [attempt] = await db
        .insert(topUpAttempts)
        .values({
          accountId: account.id,
          kind: "manual",
          amount: 7_000,
          taxAmount: 1_330,
          taxRateBasisPoints: 1900,
          taxRule: "domestic",
          currency: "EUR",
          idempotencyKey: "crash",
          initiatedByUserId: admin.id,
        })
        .returning();
      // The charge is made, and the process dies before recording the answer.
      await gateway.chargeOffSession({
        accountId: account.id,
        customerId: await withCustomer(account),
        paymentMethodId: "pm_card_visa",
        amount: 8_330,
        currency: "EUR",
        idempotencyKey: chargeIdempotencyKey(attempt!.id),
        description: "Credit top-up",
        metadata: { accountId: account.id, attemptId: attempt!.id, kind: "manual" },
      });
      expect(await balanceOf(account.id)).toBe(0);
      await reconcilePendingTopUps(db, gateway, 0);
      expect(await balanceOf(account.id)).toBe(7_000);
    } finally {
      fake.setWebhookUrl(stripe.webhookUrl);
    }
    // The delayed webhooks arrive afterwards: nothing changes.
    for (const event of fake.events().filter((e) => (e.data.object as { metadata?: Record<string, string> }).metadata?.accountId === account.id)) {
      await fake.deliver(event);
    }
    expect(await balanceOf(account.id)).toBe(7_000);
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
  });
});

describe("an outcome that is not known", () => {
  it("keeps the attempt pending when the payment went through but recording it fails, and the same form sent again charges and credits once", async () => {
    const { account, admin } = await accountWithCard();
    await withCustomer(account);
    fake.setWebhookUrl(null); // only the request itself learns the answer
    const allowSettling = await refuseUpdates(db, "top_up_attempts", `new.status = 'succeeded' and new.account_id = '${account.id}'`);
    try {
      const request = { accountId: account.id, userId: admin.id, amount: 4_500, idempotencyKey: "form-unknown" };
      const first = await startManualTopUp(db, gateway, request);
      expect(first, "the answer while the payment is not recorded").toEqual({ status: "pending", attemptId: first.attemptId, message: UNCONFIRMED_PAYMENT });
      expect(intentsOf(account.id).map((pi) => pi.status), "the provider took the money").toEqual(["succeeded"]);
      const [pending] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
      expect(pending, "the attempt, to be asked about again").toMatchObject({ id: first.attemptId, status: "pending" });
      expect(await balanceOf(account.id)).toBe(0);
      expect(await auditOf(account.id), "nothing recorded, nothing audited").toEqual([]);

      await allowSettling();
      const second = await startManualTopUp(db, gateway, request);
      // A German buyer of a German seller: the credit plus 19 % VAT.
      expect(second).toEqual({ status: "succeeded", attemptId: first.attemptId, amount: 4_500, charged: 5_355 });
      expect(intentsOf(account.id).map((pi) => pi.amount), "one payment at the provider, VAT on top").toEqual([5_355]);
      expect(await balanceOf(account.id)).toBe(4_500);
      const attempts = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
      expect(attempts.map((a) => a.status)).toEqual(["succeeded"]);
      expect(await auditOf(account.id)).toEqual([
        { action: "credit.top_up", actorUserId: admin.id, after: { amount: 4_500, currency: "EUR", outcome: "succeeded", attemptId: first.attemptId } },
      ]);
    } finally {
      await allowSettling();
      fake.setWebhookUrl(stripe.webhookUrl);
    }
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
  });

  it("leaves an attempt whose recording failed to the sweep, which asks with the same key and credits once", async () => {
    const { account, admin } = await accountWithCard();
    await withCustomer(account);
    fake.setWebhookUrl(null);
    const allowSettling = await refuseUpdates(db, "top_up_attempts", `new.status = 'succeeded' and new.account_id = '${account.id}'`);
    try {
      const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 2_000, idempotencyKey: "f" });
      expect(outcome.status).toBe("pending");
      const swept = await reconcilePendingTopUps(db, gateway, 0);
      expect(swept.filter((o) => o.attemptId === outcome.attemptId), "still refused: still not known").toEqual([
        { status: "pending", attemptId: outcome.attemptId, message: UNCONFIRMED_PAYMENT },
      ]);
      await allowSettling();
      await reconcilePendingTopUps(db, gateway, 0);
    } finally {
      await allowSettling();
      fake.setWebhookUrl(stripe.webhookUrl);
    }
    expect(await balanceOf(account.id)).toBe(2_000);
    expect(intentsOf(account.id)).toHaveLength(1);
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
  });

  it("keeps a 3-D Secure payment waiting when recording the bank's answer fails, and confirming again credits once", async () => {
    const sandbox = createSandboxGateway(db);
    const { account, admin } = await createAccount(db);
    await db.insert(paymentMethods).values({
      accountId: account.id,
      provider: "sandbox",
      type: "card",
      providerPaymentMethodId: "pm_sandbox_authentication_required_x",
      cardBrand: "visa",
      cardLast4: "3184",
      cardExpMonth: 12,
      cardExpYear: 2034,
    });
    const started = await startManualTopUp(db, sandbox, { accountId: account.id, userId: admin.id, amount: 3_000, idempotencyKey: "f" });
    expect(started.status).toBe("requires_action");
    const confirm = { accountId: account.id, userId: admin.id, attemptId: started.attemptId, approve: true };
    const allowSettling = await refuseUpdates(db, "top_up_attempts", `new.status = 'succeeded' and new.account_id = '${account.id}'`);
    try {
      expect(await completeSandboxAuthentication(db, sandbox, confirm)).toEqual({
        ok: true,
        value: { status: "unconfirmed", message: UNCONFIRMED_AUTHENTICATION },
      });
      const [waiting] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, started.attemptId));
      expect(waiting!.status, "still waiting, so it can be confirmed again").toBe("requires_action");
      await allowSettling();
      expect(await completeSandboxAuthentication(db, sandbox, confirm)).toEqual({ ok: true, value: { status: "confirmed", amount: 3_000, currency: "EUR" } });
      expect(await completeSandboxAuthentication(db, sandbox, confirm), "nothing waits any more").toEqual({ ok: false, failure: { kind: "refused", message: "This payment is not waiting for authentication." } });
    } finally {
      await allowSettling();
    }
    expect(await balanceOf(account.id)).toBe(3_000);
    const movements = await db.select().from(creditMovements).where(eq(creditMovements.accountId, account.id));
    expect(movements.map((m) => m.amount)).toEqual([3_000]);
    expect((await auditOf(account.id)).map((a) => (a.after as { outcome: string }).outcome)).toEqual(["requires_action", "succeeded"]);
  });

  it("refuses to confirm another account's payment, and changes nothing", async () => {
    const sandbox = createSandboxGateway(db);
    const { account, admin } = await createAccount(db);
    const other = await createAccount(db);
    await db.insert(paymentMethods).values({
      accountId: account.id,
      provider: "sandbox",
      type: "card",
      providerPaymentMethodId: "pm_sandbox_authentication_required_y",
      cardBrand: "visa",
      cardLast4: "3184",
      cardExpMonth: 12,
      cardExpYear: 2034,
    });
    const started = await startManualTopUp(db, sandbox, { accountId: account.id, userId: admin.id, amount: 3_000, idempotencyKey: "f" });
    const elsewhere = { accountId: other.account.id, userId: other.admin.id, attemptId: started.attemptId, approve: true };
    expect(await completeSandboxAuthentication(db, sandbox, elsewhere)).toEqual({ ok: false, failure: { kind: "refused", message: "This payment is not waiting for authentication." } });
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, started.attemptId));
    expect(attempt!.status).toBe("requires_action");
    expect(await balanceOf(account.id)).toBe(0);
  });
});

describe("audit of manual top-ups", () => {
  it("records each outcome once, in the transaction that records it, whether the answer or the webhook comes first", async () => {
    const { account, admin } = await accountWithCard("pm_card_authenticationRequired");
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 4_000, idempotencyKey: "f" });
    expect(outcome.status).toBe("requires_action");
    await settleWebhooks();
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
    await fake.authenticate(attempt!.providerPaymentIntentId!);
    await settleWebhooks();
    // Every event again: recorded answers are not audited twice.
    for (const event of fake.events().filter((e) => (e.data.object as { metadata?: Record<string, string> }).metadata?.accountId === account.id)) {
      await fake.deliver({ ...event, id: `${event.id}_again` } as Stripe.Event);
    }
    await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 4_000, idempotencyKey: "f" });
    expect(await auditOf(account.id)).toEqual([
      { action: "credit.top_up", actorUserId: admin.id, after: { amount: 4_000, currency: "EUR", outcome: "requires_action", attemptId: attempt!.id } },
      { action: "credit.top_up", actorUserId: admin.id, after: { amount: 4_000, currency: "EUR", outcome: "succeeded", attemptId: attempt!.id } },
    ]);
    expect(await balanceOf(account.id)).toBe(4_000);
  });

  it("records a decline once, however often the same form is sent", async () => {
    const { account, admin } = await accountWithCard("pm_card_chargeDeclined");
    await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 1_000, idempotencyKey: "f" });
    await settleWebhooks();
    await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 1_000, idempotencyKey: "f" });
    expect((await auditOf(account.id)).map((a) => (a.after as { outcome: string }).outcome)).toEqual(["failed"]);
  });
});

describe("webhook", () => {
  async function post(body: string, headers: Record<string, string>) {
    const response = await fetch(stripe.webhookUrl, { method: "POST", headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("applies the same event five times, shuffled with others, once", async () => {
    const { account, admin } = await accountWithCard();
    fake.setWebhookUrl(null);
    let events: Stripe.Event[];
    try {
      await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 1_500, idempotencyKey: "a" });
      events = fake.events().filter((e) => (e.data.object as { metadata?: Record<string, string> }).metadata?.accountId === account.id);
    } finally {
      fake.setWebhookUrl(stripe.webhookUrl);
    }
    const deliveries = [...events, ...events, ...events, ...events, ...events].sort(() => Math.random() - 0.5);
    const statuses = await Promise.all(deliveries.map((e) => fake.deliver(e)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(await balanceOf(account.id)).toBe(1_500);
    const stored = await db.select().from(paymentProviderEvents).where(eq(paymentProviderEvents.accountId, account.id));
    expect(stored).toHaveLength(events.length);
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
  });

  it("keeps a payment succeeded when an older failure arrives after it", async () => {
    const { account, admin } = await accountWithCard("pm_card_authenticationRequired");
    await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 2_000, idempotencyKey: "a" });
    await settleWebhooks();
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, account.id));
    await fake.authenticate(attempt!.providerPaymentIntentId!);
    await settleWebhooks();
    const failure = fake.events().find((e) => e.type === "payment_intent.payment_failed" && (e.data.object as { id: string }).id === attempt!.providerPaymentIntentId)!;
    const replay = { ...failure, id: `${failure.id}_late` } as Stripe.Event;
    expect(await fake.deliver(replay)).toBe(200);
    const [after] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, attempt!.id));
    expect(after!.status).toBe("succeeded");
    expect(await balanceOf(account.id)).toBe(2_000);
  });

  it("refuses a missing, wrong or stale signature and a tampered body with 400, storing nothing", async () => {
    const before = await db.select({ n: sql<number>`count(*)::int` }).from(paymentProviderEvents);
    const event = fake.events()[0]!;
    const payload = JSON.stringify(event);
    expect((await post(payload, { "content-type": "application/json" })).status).toBe(400);
    const wrong = Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_someone_else" });
    expect(await post(payload, { "stripe-signature": wrong })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/Invalid signature/) } });
    const stale = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await post(payload, { "stripe-signature": stale })).status).toBe(400);
    expect(await fake.deliver({ ...event, id: "evt_tampered" } as Stripe.Event, { tamper: true })).toBe(400);
    const garbage = "not json at all";
    const signed = Stripe.webhooks.generateTestHeaderString({ payload: garbage, secret: WEBHOOK_SECRET });
    expect((await post(garbage, { "stripe-signature": signed })).status).toBe(400);
    expect(await db.select({ n: sql<number>`count(*)::int` }).from(paymentProviderEvents)).toEqual(before);
  });

  it("stores a payment method saved through a setup intent", async () => {
    const { account } = await accountWithCard();
    const customerId = await gateway.createCustomer({ accountId: account.id, name: account.name, email: null });
    const setup = await gateway.createSetup({ customerId, accountId: account.id });
    await fetch(`${fake.url}/v1/setup_intents/${setup.setupId}/confirm`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Bearer sk_test_fake" },
      body: "payment_method=pm_paypal",
    });
    await settleWebhooks();
    const current = await db.select().from(paymentMethods).where(and(eq(paymentMethods.accountId, account.id), sql`${paymentMethods.replacedAt} is null`));
    expect(current).toEqual([expect.objectContaining({ type: "paypal", paypalEmail: "buyer@paypal.test", providerPaymentMethodId: "pm_paypal" })]);
  });
});

describe("saving a payment method through a setup intent", () => {
  it("never saves a card the bank declines at setup: the current method stays", async () => {
    const { account } = await accountWithCard();
    const customerId = await gateway.createCustomer({ accountId: account.id, name: account.name, email: null });
    const setup = await gateway.createSetup({ customerId, accountId: account.id });
    // What the Payment Element does in the browser, through the real SDK.
    const browser = new Stripe("sk_test_fake", { host: "127.0.0.1", port: fake.port, protocol: "http", maxNetworkRetries: 0 });
    const refused = await browser.setupIntents.confirm(setup.setupId, { payment_method: "pm_card_chargeDeclined" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(refused).toMatchObject({ code: "card_declined", raw: { setup_intent: { status: "requires_payment_method" } } });
    await settleWebhooks();
    const delivered = fake.sentEvents().filter((e) => (e.event.data.object as { id?: string }).id === setup.setupId);
    expect(delivered.map((e) => [e.event.type, e.status])).toEqual([["setup_intent.setup_failed", 200]]);
    const methods = await db.select().from(paymentMethods).where(eq(paymentMethods.accountId, account.id));
    expect(methods).toEqual([expect.objectContaining({ providerPaymentMethodId: "pm_card_visa", replacedAt: null })]);
    // The same setup with a card that works saves that one.
    await browser.setupIntents.confirm(setup.setupId, { payment_method: "pm_card_mastercard" });
    await settleWebhooks();
    const current = await db.select().from(paymentMethods).where(and(eq(paymentMethods.accountId, account.id), sql`${paymentMethods.replacedAt} is null`));
    expect(current).toEqual([expect.objectContaining({ providerPaymentMethodId: "pm_card_mastercard", cardLast4: "4444" })]);
  });
});

describe("a payment left unconfirmed for 24 hours", () => {
  const backdate = (attemptId: string, hours: number) =>
    db.execute(sql`update top_up_attempts set updated_at = now() - make_interval(hours => ${hours}) where id = ${attemptId}`);

  it("is canceled at Stripe, so that a late confirmation cannot charge it", async () => {
    const { account, admin } = await accountWithCard("pm_card_authenticationRequired");
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 4_000, idempotencyKey: "f" });
    expect(outcome.status).toBe("requires_action");
    await settleWebhooks();
    await backdate(outcome.attemptId, 23);
    expect(await expireUnconfirmedTopUps(db, gateway)).toEqual([]);
    await backdate(outcome.attemptId, 25);
    await expireUnconfirmedTopUps(db, gateway);
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, outcome.attemptId));
    expect(attempt).toMatchObject({
      status: "canceled",
      failureCode: "authentication_expired",
      failureMessage: "The payment was not confirmed with the bank within 24 hours, so it was canceled. Nothing was charged.",
    });
    const intent = fake.paymentIntents().find((pi) => pi.id === attempt!.providerPaymentIntentId)!;
    expect(intent).toMatchObject({ status: "canceled", cancellation_reason: "abandoned" });
    expect(await fake.authenticate(String(intent.id))).toMatchObject({ error: { code: "payment_intent_unexpected_state" } });
    await settleWebhooks();
    expect(await balanceOf(account.id)).toBe(0);
    expect(await expectMoneyConsistent(account.id)).toEqual([]);
  });

  it("is credited, not canceled, when the cardholder confirmed it before the sweep came", async () => {
    const { account, admin } = await accountWithCard("pm_card_authenticationRequired");
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 4_000, idempotencyKey: "f" });
    await settleWebhooks();
    const [waiting] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, outcome.attemptId));
    fake.setWebhookUrl(null); // the confirmation's webhook is late
    try {
      await fake.authenticate(waiting!.providerPaymentIntentId!);
    } finally {
      fake.setWebhookUrl(stripe.webhookUrl);
    }
    await backdate(outcome.attemptId, 25);
    await expireUnconfirmedTopUps(db, gateway);
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, outcome.attemptId));
    expect(attempt!.status).toBe("succeeded");
    expect(await balanceOf(account.id)).toBe(4_000);
    expect(await expectMoneyConsistent(account.id)).toHaveLength(1);
  });
});

describe("automatic top-up charges", () => {
  it("charges the attempt a crossing recorded, and switches off after three failures in a row", async () => {
    const { account } = await accountWithCard("pm_card_chargeDeclined");
    await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 2_000, amount: 10_000 });
    await postMovement(db, account.id, { type: "adjustment", amount: 2_500, description: "Opening credit", actor: "test" });
    for (let i = 1; i <= 3; i++) {
      const result = await postMovement(db, account.id, { type: "adjustment", amount: -1_000, description: "Usage", actor: "test" });
      const id = result.autoTopUpAttemptId ?? (await db.insert(topUpAttempts).values({ accountId: account.id, kind: "auto", amount: 10_000, currency: "EUR", idempotencyKey: `retry-${i}` }).returning())[0]!.id;
      const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, id));
      expect((await chargeAttempt(db, gateway, attempt!)).status).toBe("failed");
      await postMovement(db, account.id, { type: "adjustment", amount: 1_000, description: "Back above", actor: "test" });
    }
    const [settings] = await db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, account.id));
    expect(settings).toMatchObject({ enabled: false, consecutiveFailures: 3 });
    expect(settings!.disabledReason).toMatch(/Switched off after 3 failed payments in a row/);
    await expectMoneyConsistent(account.id);
  });

  it("credits a successful automatic top-up as such and resets the failure count", async () => {
    const { account } = await accountWithCard();
    await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 2_000, amount: 10_000, consecutiveFailures: 2 });
    await postMovement(db, account.id, { type: "adjustment", amount: 2_500, description: "Opening credit", actor: "test" });
    const crossing = await postMovement(db, account.id, { type: "adjustment", amount: -1_000, description: "Usage", actor: "test" });
    const [attempt] = await db.select().from(topUpAttempts).where(eq(topUpAttempts.id, crossing.autoTopUpAttemptId!));
    expect((await chargeAttempt(db, gateway, attempt!)).status).toBe("succeeded");
    await settleWebhooks();
    expect(await balanceOf(account.id)).toBe(11_500);
    const [movement] = await db.select().from(creditMovements).where(and(eq(creditMovements.accountId, account.id), eq(creditMovements.type, "top_up_auto")));
    expect(movement).toMatchObject({ amount: 10_000, actor: "auto top-up" });
    const [settings] = await db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, account.id));
    expect(settings!.consecutiveFailures).toBe(0);
  });
});
