import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  autoTopUpSettings,
  billingDetails,
  creditBalances,
  notices,
  noticePreferences,
  paymentMethods,
  subscriptions,
  users,
} from "@/db/schema";
import { createDueAttempt } from "@/lib/credit/auto-top-up";
import { postMovement } from "@/lib/credit/ledger";
import { applyChargeResult, type ChargeAnswer } from "@/lib/credit/top-ups";
import { closePeriod } from "@/lib/invoices/close";
import { applyInvoicePayment } from "@/lib/invoices/payment";
import { type DeliveryOptions, deliverNotice, dueNotices, giveUpAbandoned, MAX_ATTEMPTS } from "@/lib/notices/deliver";
import { type Mailer, smtpMailer } from "@/lib/notices/mailer";
import { saveLowBalanceAlert, saveNoticeSettings } from "@/lib/notices/preferences";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import { changeSeats } from "@/lib/subscription/seats";
import { ingestUsage } from "@/lib/usage/ingest";
import { type MailCatcher, startMailCatcher } from "../../scripts/lib/mail-catcher";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addNumber, createAccount, createRateCard, subscribe } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;
let catcher: MailCatcher;
let mailer: Mailer;
let rateCardId: string;

const delivery: DeliveryOptions = { from: "Billing <billing@cloudline.test>", appUrl: "http://console.test", messageIdDomain: "console.test", backoff: () => 0 };

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 10 });
  db = handle.db;
  catcher = await startMailCatcher();
  mailer = smtpMailer(catcher.smtpUrl, { timeoutMs: 5_000 });
  rateCardId = (await createRateCard(db)).id;
});

afterAll(async () => {
  mailer?.close();
  await catcher?.close();
  await handle?.close();
});

beforeEach(() => {
  catcher.messages.length = 0;
});

/** What the worker does: every due notice, sent one after another. */
async function sendDue() {
  const outcomes = [];
  for (const ref of await dueNotices(db, 1000)) outcomes.push(await deliverNotice(db, mailer, ref, delivery));
  return outcomes;
}

async function noticesOf(accountId: string) {
  return db.select().from(notices).where(eq(notices.accountId, accountId)).orderBy(notices.createdAt);
}

let numberSequence = 0;
/** A German tenant on the test rates with an office number, an admin, an agent and billing contacts. */
async function tenant(opening: number, details: { companyName?: string; contacts?: string[] } = {}) {
  const { account, admin } = await createAccount(db);
  await subscribe(db, account.id, { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") });
  await db.update(subscriptions).set({ rateCardId }).where(eq(subscriptions.accountId, account.id));
  await db.insert(users).values({ accountId: account.id, email: `agent@${account.slug}.test`, name: "Agent", role: "agent" });
  const invoiceEmail = `ap@${account.slug}.test`;
  await db.insert(billingDetails).values({
    accountId: account.id,
    companyName: details.companyName ?? `Company ${account.slug}`,
    invoiceEmail,
    billingEmails: [invoiceEmail, ...(details.contacts ?? [])],
    street: "Main St 1",
    city: "Berlin",
    postalCode: "10115",
    country: "DE",
  });
  if (opening) await postMovement(db, account.id, { type: "top_up_manual", amount: opening, interactionId: `pi_open_${account.slug}`, description: "Opening", actor: "test" });
  const office = (await addNumber(db, account.id, `+49301${String(++numberSequence).padStart(6, "0")}`)).e164;
  return { account, admin, office, invoiceEmail };
}

let callSequence = 0;
/** A 2-minute call to France: 2.8 cents at the test rate. */
const frenchCall = (t: { account: { slug: string }; office: string }) => ({
  id: `call-n${++callSequence}`,
  account: t.account.slug,
  kind: "call",
  direction: "outbound",
  from: t.office,
  to: "+33123456789",
  startedAt: "2026-11-26T10:00:00Z",
  durationSeconds: 120,
  forwarded: false,
});

describe("low balance and credit ran out", () => {
  it("sends one email per crossing of the threshold under a storm of 500 usage records, and again only after the balance went back above it", async () => {
    const t = await tenant(2_000);
    // 500 calls of 3 cents in 10 concurrent batches take the balance from 20.00 to 5.00: it crosses 10.00 once.
    const storm = () => Array.from({ length: 10 }, () => Array.from({ length: 50 }, () => frenchCall(t)));
    const results = await Promise.all(storm().map((batch) => ingestUsage(db, batch, { now: new Date("2026-11-27T12:00:00Z") })));
    expect(results.flat().filter((r) => r.status === "rated"), "all 500 records rated").toHaveLength(500);
    const [balance] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, t.account.id));
    expect(balance!.balance, "the storm took the balance below the alert but not to zero").toBe(2_000 - 500 * 3);
    await sendDue();
    expect(catcher.messages.map((m) => m.subject), "one email for the crossing").toEqual([
      expect.stringMatching(new RegExp(`^Credit is running low: €[5-9]\\.\\d\\d left · Company ${t.account.slug}$`)),
    ]);
    expect(catcher.messages[0]!.to.sort(), "to the admin and the billing contact").toEqual([`admin@${t.account.slug}.test`, t.invoiceEmail].sort());

    // More debits below the threshold: no new email.
    await ingestUsage(db, [frenchCall(t)], { now: new Date("2026-11-27T12:00:00Z") });
    await sendDue();
    expect(catcher.messages, "no email for debits that stay below").toHaveLength(1);

    // Back above, then below again: a second crossing, a second email.
    await postMovement(db, t.account.id, { type: "top_up_manual", amount: 1_000, interactionId: `pi_again_${t.account.slug}`, description: "Top-up", actor: "test" });
    await Promise.all(storm().map((batch) => ingestUsage(db, batch.slice(0, 20), { now: new Date("2026-11-27T12:00:00Z") })));
    await sendDue();
    expect(catcher.messages.map((m) => m.subject.split(":")[0]), "one more email for the second crossing").toEqual([
      "Credit is running low",
      "Credit is running low",
    ]);
  });

  it("writes the notice in the posting's transaction: a rolled-back debit leaves none", async () => {
    const t = await tenant(1_500);
    await expect(
      db.transaction(async (tx) => {
        await postMovement(tx, t.account.id, { type: "adjustment", amount: -1_000, description: "Correction", actor: "test" });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await noticesOf(t.account.id)).toEqual([]);
    // The same debit committed writes its notice.
    await postMovement(db, t.account.id, { type: "adjustment", amount: -1_000, description: "Correction", actor: "test" });
    expect((await noticesOf(t.account.id)).map((n) => n.kind)).toEqual(["low_balance"]);
    await sendDue();
  });

  it("says credit ran out (outbound calls blocked) when a debit takes the balance to zero or below, instead of low balance", async () => {
    const t = await tenant(1_500);
    await postMovement(db, t.account.id, { type: "adjustment", amount: -1_600, description: "Correction", actor: "test" });
    await sendDue();
    expect(catcher.messages).toHaveLength(1);
    const [mail] = catcher.messages;
    expect(mail!.subject).toBe(`Your credit has run out: outbound calls are blocked · Company ${t.account.slug}`);
    expect(mail!.text).toContain("Outbound calls and inbound calls to toll-free numbers are blocked.");
    expect(mail!.text, "balance as on the page").toContain("-€1.00");
    expect(mail!.html, "link to its setting").toContain("http://console.test/dashboard/account/billing/notifications#notice-credit-ran-out");
  });

  it("with the alert at zero, tells only that credit ran out, and not again for debits below zero", async () => {
    const t = await tenant(500);
    await saveLowBalanceAlert(db, { accountId: t.account.id, userId: t.admin.id, threshold: "0" });
    await postMovement(db, t.account.id, { type: "adjustment", amount: -400, description: "Correction", actor: "test" });
    await postMovement(db, t.account.id, { type: "adjustment", amount: -100, description: "Correction", actor: "test" });
    await postMovement(db, t.account.id, { type: "adjustment", amount: -100, description: "Correction", actor: "test" });
    expect((await noticesOf(t.account.id)).map((n) => n.kind)).toEqual(["credit_ran_out"]);
    await sendDue();
    expect(catcher.messages.map((m) => m.subject.split(":")[0])).toEqual(["Your credit has run out"]);
  });

  it("tells once when the admin raises the alert above the balance, and not again while it stays below", async () => {
    const t = await tenant(1_500);
    const saved = await saveLowBalanceAlert(db, { accountId: t.account.id, userId: t.admin.id, threshold: "20" });
    expect(saved).toEqual({ ok: true, value: { threshold: 2_000, currency: "EUR" } });
    expect((await noticesOf(t.account.id)).map((n) => n.kind), "the balance is now below the alert").toEqual(["low_balance"]);
    // The next debit stays below: no new crossing. Raising the alert again while below: none either.
    await postMovement(db, t.account.id, { type: "adjustment", amount: -100, description: "Correction", actor: "test" });
    await saveLowBalanceAlert(db, { accountId: t.account.id, userId: t.admin.id, threshold: "30" });
    expect(await noticesOf(t.account.id)).toHaveLength(1);
    await sendDue();
    expect(catcher.messages.map((m) => m.subject.split(":")[0])).toEqual(["Credit is running low"]);
    // Lowering it below the balance, then raising it above again, is a new crossing.
    await saveLowBalanceAlert(db, { accountId: t.account.id, userId: t.admin.id, threshold: "5" });
    await saveLowBalanceAlert(db, { accountId: t.account.id, userId: t.admin.id, threshold: "20" });
    expect(await noticesOf(t.account.id)).toHaveLength(2);
    await sendDue();
  });

  it.each([
    ["abc", "Enter an amount such as 50 or 49.90."],
    ["-5", "Enter an amount such as 50 or 49.90."],
    ["10000.01", "Enter an amount from €0.00 to €10,000.00."],
  ])("refuses the alert amount %j at the field and changes nothing", async (typed, message) => {
    const t = await tenant(1_500);
    expect(await saveLowBalanceAlert(db, { accountId: t.account.id, userId: t.admin.id, threshold: typed })).toEqual({
      ok: false,
      failure: { kind: "invalid", message: "Please correct the alert amount.", fields: { lowBalanceThreshold: message } },
    });
    const [row] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, t.account.id));
    expect(row!.lowBalanceThreshold).toBe(1_000);
  });
});

describe("payments and changes", () => {
  async function withAutoTopUp(t: Awaited<ReturnType<typeof tenant>>) {
    await db.insert(autoTopUpSettings).values({ accountId: t.account.id, enabled: true, threshold: 2_000, amount: 10_000 });
    await db.insert(paymentMethods).values({ accountId: t.account.id, provider: "sandbox", type: "card", providerPaymentMethodId: "pm_x", cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 });
  }
  const declined = (attemptId: string): ChargeAnswer => ({
    paymentIntentId: `pi_declined_${attemptId}`,
    status: "failed",
    amount: 10_000,
    currency: "EUR",
    clientSecret: null,
    failureCode: "card_declined",
    failureMessage: "Your card was declined.",
  });

  it("tells admins each time an automatic top-up fails, and that auto top-up switched off after the third", async () => {
    const t = await tenant(1_500);
    await withAutoTopUp(t);
    for (let i = 1; i <= 3; i++) {
      const attempt = (await createDueAttempt(db, t.account.id, `test-${i}`))!;
      await db.transaction((tx) => applyChargeResult(tx, attempt, declined(attempt.id)));
      // The same answer again (the webhook after the request): no second notice.
      await db.transaction((tx) => applyChargeResult(tx, attempt, declined(attempt.id)));
    }
    await sendDue();
    const subjects = catcher.messages.map((m) => m.subject.split(" · ")[0]);
    expect(subjects).toEqual(["Automatic top-up of €100.00 failed", "Automatic top-up of €100.00 failed", "Auto top-up failed and is switched off"]);
    expect(catcher.messages[2]!.text).toContain("3 of 3");
    expect(catcher.messages[2]!.text).toContain("auto top-up is off");
    expect(catcher.messages[0]!.text).toContain("The card was declined.");
  });

  it("asks for card authentication with a link to confirm the payment", async () => {
    const t = await tenant(1_500);
    await withAutoTopUp(t);
    const attempt = (await createDueAttempt(db, t.account.id, "sca"))!;
    await db.transaction((tx) =>
      applyChargeResult(tx, attempt, { ...declined(attempt.id), status: "requires_action", failureCode: null, failureMessage: null, clientSecret: "secret" }),
    );
    await sendDue();
    expect(catcher.messages.map((m) => m.subject.split(" · ")[0])).toEqual(["Confirm the automatic top-up of €100.00 with your bank"]);
    expect(catcher.messages[0]!.html).toContain(`http://console.test/dashboard/account/billing/authenticate/${attempt.id}`);
  });

  it("sends each issued invoice with its PDF, and a past-due notice when the period invoice's payment fails, once", async () => {
    const t = await tenant(0, { contacts: ["cfo@buyer.test"] });
    await db.update(subscriptions).set({ currentPeriodStart: new Date("2026-10-01T00:00:00Z"), currentPeriodEnd: new Date("2026-11-01T00:00:00Z") }).where(eq(subscriptions.accountId, t.account.id));
    const closed = await closePeriod(db, t.account.id, new Date("2026-11-01T00:00:05Z"));
    if (closed.status !== "issued") throw new Error(`not issued: ${closed.status}`);
    const invoice = closed.invoice;
    for (let i = 0; i < 2; i++) {
      await db.transaction((tx) => applyInvoicePayment(tx, t.account.id, invoice.id, { providerInvoiceId: null, status: "failed", failureMessage: "Insufficient funds." }));
    }
    await sendDue();
    const [issued, pastDue, ...rest] = catcher.messages;
    expect(rest, "one email per event").toEqual([]);
    expect(issued!.subject).toMatch(new RegExp(`^Invoice ${invoice.number}: €[\\d,.]+ · Company ${t.account.slug}$`));
    expect(issued!.attachments.map((a) => [a.filename, a.contentType]), "the PDF").toEqual([[`${invoice.number}.pdf`, "application/pdf"]]);
    expect(issued!.attachments[0]!.content.subarray(0, 5).toString()).toBe("%PDF-");
    expect(issued!.to.sort(), "admins and every billing contact").toEqual([`admin@${t.account.slug}.test`, "cfo@buyer.test", t.invoiceEmail].sort());
    expect(pastDue!.subject.split(" · ")[0]).toMatch(new RegExp(`^Payment failed for invoice ${invoice.number}: €`));
    expect(pastDue!.text).toContain("Insufficient funds.");
  });

  it("sends a receipt of a seat change", async () => {
    const t = await tenant(0);
    const result = await changeSeats(db, createSandboxGateway(db), { accountId: t.account.id, userId: t.admin.id, quantity: 7, idempotencyKey: "seats-1", at: new Date("2026-11-16T00:00:00Z") });
    expect(result).toEqual({ ok: true, value: { status: "changed", from: 5, to: 7 } });
    await sendDue();
    expect(catcher.messages.map((m) => m.subject.split(" · ")[0])).toEqual(["Your subscription changed: seats 5 → 7"]);
    expect(catcher.messages[0]!.text).toMatch(/Added to the next invoice\s+€/);
  });
});

describe("the email", () => {
  it("escapes markup in the company name in the HTML and keeps it as typed in the text", async () => {
    const name = `<img src=x onerror=alert(1)> "Acme" & <b>Sons</b>`;
    const t = await tenant(1_500, { companyName: name });
    await postMovement(db, t.account.id, { type: "adjustment", amount: -600, description: "Correction", actor: "test" });
    await sendDue();
    const [mail] = catcher.messages;
    expect(mail!.html).not.toContain("<img src=x");
    expect(mail!.html).not.toContain("<b>Sons</b>");
    expect(mail!.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(mail!.text).toContain(name);
    expect(mail!.subject).toBe(`Credit is running low: €9.00 left · ${name}`);
  });

  it("writes times in the account's time zone and amounts in its currency", async () => {
    const { account, admin } = await createAccount(db, { currency: "USD", timeZone: "America/New_York", country: "US" });
    await postMovement(db, account.id, { type: "top_up_manual", amount: 1_500, interactionId: "pi_us", description: "Opening", actor: "test" });
    await postMovement(db, account.id, { type: "adjustment", amount: -1_400, description: "Correction", actor: "test" });
    await db.update(notices).set({ createdAt: new Date("2026-11-27T15:30:00Z") }).where(eq(notices.accountId, account.id));
    await sendDue();
    const [mail] = catcher.messages;
    expect(mail!.to).toEqual([admin.email]);
    expect(mail!.text).toContain("$1.00");
    expect(mail!.text).toContain("Nov 27, 2026, 10:30 AM EST");
  });
});

describe("preferences", () => {
  it("leaves billing contacts out of a notice turned off for them, and never turns off credit ran out for admins", async () => {
    const t = await tenant(1_500, { contacts: ["cfo@buyer.test"] });
    // Everything off that may be turned off: the form sent nothing ticked.
    await saveNoticeSettings(db, { accountId: t.account.id, userId: t.admin.id, on: new Set(["low_balance:admins"]) });
    await postMovement(db, t.account.id, { type: "adjustment", amount: -600, description: "Low", actor: "test" });
    await postMovement(db, t.account.id, { type: "adjustment", amount: -1_000, description: "Out", actor: "test" });
    await sendDue();
    expect(catcher.messages.map((m) => [m.subject.split(":")[0], m.to])).toEqual([
      ["Credit is running low", [`admin@${t.account.slug}.test`]],
      ["Your credit has run out", [`admin@${t.account.slug}.test`]],
    ]);
    const skipped = await saveNoticeSettings(db, { accountId: t.account.id, userId: t.admin.id, on: new Set() });
    expect(skipped.ok && skipped.value.credit_ran_out.admins, "credit ran out stays on for admins").toBe(true);
    expect(skipped.ok && skipped.value.low_balance.admins).toBe(false);
    await expect(
      db.insert(noticePreferences).values({ accountId: t.account.id, kind: "subscription_past_due", audience: "admins", enabled: false }),
      "the database refuses it too",
    ).rejects.toThrow();
  });

  it("records a notice nobody receives as not sent, with the reason", async () => {
    const { account, admin } = await createAccount(db);
    await db.update(users).set({ active: false, deactivatedAt: new Date() }).where(eq(users.id, admin.id));
    await postMovement(db, account.id, { type: "top_up_manual", amount: 1_500, interactionId: "pi_nobody", description: "Opening", actor: "test" });
    await postMovement(db, account.id, { type: "adjustment", amount: -600, description: "Low", actor: "test" });
    expect(await sendDue()).toEqual(["skipped"]);
    const [row] = await noticesOf(account.id);
    expect(row).toMatchObject({ status: "skipped", lastError: "Nobody to send it to." });
  });
});

describe("delivery", () => {
  it("retries with backoff when the mail server refuses, and sends once it accepts", async () => {
    const t = await tenant(1_500);
    await postMovement(db, t.account.id, { type: "adjustment", amount: -600, description: "Low", actor: "test" });
    const [notice] = await noticesOf(t.account.id);
    const refusing: Mailer = { send: () => Promise.reject(new Error("421 try again later")), close() {} };
    expect(await deliverNotice(db, refusing, notice!, { ...delivery, backoff: () => 3600 })).toBe("retry");
    let [row] = await noticesOf(t.account.id);
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "421 try again later" });
    expect(row!.nextAttemptAt.getTime(), "backs off").toBeGreaterThan(Date.now() + 3_000_000);
    expect(await deliverNotice(db, mailer, notice!, delivery), "not due during the backoff").toBe("not_due");
    await db.update(notices).set({ nextAttemptAt: new Date() }).where(eq(notices.id, notice!.id));
    expect(await deliverNotice(db, mailer, notice!, delivery)).toBe("sent");
    [row] = await noticesOf(t.account.id);
    expect(row).toMatchObject({ status: "sent", attempts: 2, lastError: null });
    expect(catcher.messages).toHaveLength(1);
    expect(catcher.messages[0]!.messageId).toBe(`<notice-${notice!.id}@console.test>`);
  });

  it("sends a notice once when two workers try it at the same time", async () => {
    const t = await tenant(1_500);
    await postMovement(db, t.account.id, { type: "adjustment", amount: -600, description: "Low", actor: "test" });
    const [notice] = await noticesOf(t.account.id);
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => deliverNotice(db, mailer, notice!, delivery)));
    expect(outcomes.sort()).toEqual(["not_due", "not_due", "not_due", "sent"]);
    expect(catcher.messages).toHaveLength(1);
  });

  it("takes over the notice of a worker that died mid-send once its lease ran out, and sends it with the same Message-ID", async () => {
    const t = await tenant(1_500);
    await postMovement(db, t.account.id, { type: "adjustment", amount: -600, description: "Low", actor: "test" });
    const [notice] = await noticesOf(t.account.id);
    // The first worker claims it and never comes back (its send hangs forever).
    const hanging: Mailer = { send: () => new Promise(() => {}), close() {} };
    void deliverNotice(db, hanging, notice!, { ...delivery, leaseMs: 500 });
    await expect.poll(async () => (await noticesOf(t.account.id))[0]!.status).toBe("sending");
    expect(await deliverNotice(db, mailer, notice!, delivery), "while the lease holds").toBe("not_due");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await dueNotices(db, 1000)).map((n) => n.id), "due again").toContain(notice!.id);
    expect(await deliverNotice(db, mailer, notice!, delivery)).toBe("sent");
    expect(catcher.messages.map((m) => m.messageId)).toEqual([`<notice-${notice!.id}@console.test>`]);
  });

  it("gives up on a notice whose last allowed attempt never came back, instead of trying it for ever", async () => {
    const t = await tenant(1_500);
    await postMovement(db, t.account.id, { type: "adjustment", amount: -600, description: "Low", actor: "test" });
    const [notice] = await noticesOf(t.account.id);
    // Every attempt so far was claimed by a worker that died while sending.
    await db
      .update(notices)
      .set({ status: "sending", attempts: MAX_ATTEMPTS, leaseUntil: new Date(Date.now() - 1_000) })
      .where(eq(notices.id, notice!.id));
    expect((await dueNotices(db, 1000)).map((n) => n.id), "not offered again").not.toContain(notice!.id);
    expect(await deliverNotice(db, mailer, notice!, delivery)).toBe("not_due");
    expect(await giveUpAbandoned(db)).toBeGreaterThanOrEqual(1);
    const [failed] = await noticesOf(t.account.id);
    expect(failed).toMatchObject({ status: "failed", lastError: `Gave up after ${MAX_ATTEMPTS} attempts: the sender stopped while sending.` });
    expect(catcher.messages).toEqual([]);
  });
});
