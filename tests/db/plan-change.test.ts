import { and, asc, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { seedDemo } from "@/db/seed/demo";
import {
  accountPackages,
  accounts,
  auditLog,
  billingDetails,
  callingPackages,
  invoices,
  paymentMethods,
  phoneNumbers,
  plans,
  subscriptionChanges,
  subscriptions,
  users,
} from "@/db/schema";
import { describeAudit } from "@/lib/audit/queries";
import { closePeriod } from "@/lib/invoices/close";
import { payInvoice } from "@/lib/invoices/payment";
import type { PaymentGateway } from "@/lib/payments/gateway";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import { createStripeGateway } from "@/lib/payments/stripe-gateway";
import { processStripeEvent } from "@/lib/payments/webhooks";
import { cancelAtPeriodEnd, resumeSubscription } from "@/lib/subscription/cancel";
import { getPastDue } from "@/lib/subscription/past-due";
import { getStatement } from "@/lib/subscription/statement";
import { changePlan, previewPlanChange, undoScheduledChange } from "@/lib/subscription/plan-change";
import { startPlan } from "@/lib/subscription/plan-start";
import { changeSeats } from "@/lib/subscription/seats";
import { renewSubscription } from "@/lib/subscription/renewal";
import { authorizeCall } from "@/lib/usage/authorize";
import { ingestUsage } from "@/lib/usage/ingest";
import { type FakeStripe, startFakeStripe } from "../support/fake-stripe/server";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addMovements, createAccount, subscribe } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;
let fake: FakeStripe;
let stripe: PaymentGateway;
let sandbox: PaymentGateway;

const NOV = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const MIDDLE = new Date("2026-11-16T00:00:00Z");

type Catalog = { plan: Record<string, typeof plans.$inferSelect>; pkg: Record<string, typeof callingPackages.$inferSelect> };
let eur: Catalog;
let usd: Catalog;

async function catalogOf(currency: string): Promise<Catalog> {
  const planRows = await db.select().from(plans).where(eq(plans.currency, currency));
  const packageRows = await db.select().from(callingPackages).where(eq(callingPackages.currency, currency));
  return {
    plan: Object.fromEntries(planRows.map((p) => [`${p.code}:${p.interval}`, p])),
    pkg: Object.fromEntries(packageRows.map((p) => [p.code, p])),
  };
}

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 6 });
  db = handle.db;
  await seedDemo(db);
  eur = await catalogOf("EUR");
  usd = await catalogOf("USD");
  fake = await startFakeStripe({ webhookSecret: "whsec_unused" });
  stripe = createStripeGateway({ secretKey: "sk_test_fake", apiBase: fake.url, timeoutMs: 2_000 });
  sandbox = createSandboxGateway(db);
  for (const p of Object.values(eur.plan)) fake.addPrice({ id: p.providerPriceId!, unitAmount: p.seatPrice, currency: "EUR", interval: p.interval });
  for (const p of Object.values(eur.pkg)) {
    fake.addPrice({ id: p.providerPriceId!, unitAmount: p.monthlyPrice, currency: "EUR", interval: "month" });
    fake.addPrice({ id: `${p.providerPriceId}_year`, unitAmount: p.monthlyPrice * 12, currency: "EUR", interval: "year" });
  }
});

afterAll(async () => {
  await fake?.close();
  await handle?.close();
});

/** An account of 10 seats (3 users) on a catalogue plan for November, linked to the fake Stripe. */
async function planAccount(planKey: string, options: { seats?: number; users?: number; collecting?: boolean } = {}) {
  const { account, admin } = await createAccount(db, { timeZone: "UTC" });
  const plan = eur.plan[planKey]!;
  const seats = options.seats ?? 10;
  for (let i = 1; i < (options.users ?? 3); i++) {
    await db.insert(users).values({ accountId: account.id, email: `u${i}@${account.slug}.test`, name: `User ${i}` });
  }
  const sub = `sub_${account.id.slice(0, 8)}`;
  const item = `si_${account.id.slice(0, 8)}`;
  await db.insert(subscriptions).values({
    accountId: account.id,
    planId: plan.id,
    interval: plan.interval,
    seatsPurchased: seats,
    currentPeriodStart: NOV.start,
    currentPeriodEnd: NOV.end,
    providerCustomerId: "cus_x",
    providerSubscriptionId: sub,
    providerSubscriptionItemId: item,
  });
  fake.addSubscription({ id: sub, itemId: item, customer: "cus_x", quantity: seats, unitAmount: plan.seatPrice, currency: "EUR", periodStart: NOV.start, periodEnd: NOV.end, priceId: plan.providerPriceId!, collecting: options.collecting });
  return { account, admin, sub };
}

const ids = (...codes: string[]) => codes.map((c) => eur.pkg[c]!.id);
const providerItems = (sub: string) =>
  (fake.subscription(sub)!.items as { data: { id: string; quantity: number; price: { id: string } }[] }).data.map((i) => `${i.price.id}×${i.quantity}`).sort();
const subscriptionOf = async (accountId: string) => (await db.select().from(subscriptions).where(eq(subscriptions.accountId, accountId)))[0]!;
const packagesOf = (accountId: string) =>
  db
    .select({ code: callingPackages.code, startedAt: accountPackages.startedAt, endedAt: accountPackages.endedAt, itemId: accountPackages.providerItemId })
    .from(accountPackages)
    .innerJoin(callingPackages, eq(callingPackages.id, accountPackages.packageId))
    .where(eq(accountPackages.accountId, accountId))
    .orderBy(asc(callingPackages.code), asc(accountPackages.startedAt));
const auditOf = async (accountId: string) =>
  (await db.select().from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(asc(auditLog.createdAt))).map((a) =>
    describeAudit(a.action, a.before as Record<string, unknown> | null, a.after as Record<string, unknown> | null, "EUR"),
  );
/** The provider's subscription events for one subscription, in order. */
const eventsOf = (sub: string) =>
  fake.events().filter((e) => e.type.startsWith("customer.subscription.") && (e.data.object as { id: string }).id === sub);

describe("previews", () => {
  it("prices an upgrade with an added package as the provider does, and the sandbox alike", async () => {
    const { account } = await planAccount("essential:month");
    const request = { planCode: "expert", interval: "month" as const, packageIds: ids("europe") };
    // Half the period left, 10 seats: Essential 25.00 → Expert 39.00 is 10 × 14.00 / 2 = 70.00;
    // Europe 9.00 per user is 10 × 9.00 / 2 = 45.00. From the renewal: 390.00 + 90.00.
    const expected = { prorationNow: 11_500, nextRenewal: 48_000, currentRenewal: 25_000, currency: "EUR" };
    const viaStripe = await previewPlanChange(db, stripe, account.id, request, MIDDLE);
    expect(viaStripe, "Stripe's preview").toMatchObject({ ok: true, value: { ...expected, now: ["Essential becomes Expert", "Europe is added"], atRenewal: [] } });
    expect(await previewPlanChange(db, sandbox, account.id, request, MIDDLE), "sandbox").toMatchObject({ ok: true, value: expected });
  });

  it("prices a downgrade and a removal at nothing now, and the renewal at the new price", async () => {
    const { account } = await planAccount("expert:month");
    const preview = await previewPlanChange(db, stripe, account.id, { planCode: "essential", interval: "month", packageIds: [] }, MIDDLE);
    expect(preview).toMatchObject({ ok: true, value: { prorationNow: 0, nextRenewal: 25_000, currentRenewal: 39_000, now: [], atRenewal: ["Expert becomes Essential"] } });
  });
});

describe("changes", () => {
  it("makes an upgrade and an added package at once: provider first, then plan, package from that instant, proration and audit", async () => {
    const { account, admin, sub } = await planAccount("essential:month");
    const result = await changePlan(db, stripe, {
      accountId: account.id,
      userId: admin.id,
      planCode: "expert",
      interval: "month",
      packageIds: ids("europe"),
      idempotencyKey: "up-1",
      at: MIDDLE,
    });
    expect(result).toMatchObject({ ok: true, value: { status: "changed", prorationAmount: 11_500 } });
    expect(providerItems(sub), "the provider's items").toEqual(["price_expert_eur_month×10", "price_package_europe_eur×10"]);
    const row = await subscriptionOf(account.id);
    expect(row.planId).toBe(eur.plan["expert:month"]!.id);
    expect(row.scheduledPlanId).toBeNull();
    const [europe] = await packagesOf(account.id);
    expect(europe).toMatchObject({ code: "europe", startedAt: MIDDLE, endedAt: null });
    expect(europe!.itemId, "the package's provider item").toMatch(/^si_/);
    const [change] = await db.select().from(subscriptionChanges).where(eq(subscriptionChanges.accountId, account.id));
    const invoice = fake.invoice(change!.providerInvoiceId!)!;
    expect(change!.prorationAmount, "recorded as the provider invoiced it").toBe(invoice.total);
    expect(await auditOf(account.id)).toEqual(["Plan changed: Essential becomes Expert and Europe is added now (€115.00 charged for the rest of the period)"]);

    // The period's statement (and so its invoice): the seats at the plan it started on, and the change as the provider charged it.
    const statement = await getStatement(db, account, new Date(MIDDLE.getTime() + 3_600_000));
    const lines = statement!.summary.groups.flatMap((g) => g.lines.map((l) => [l.item, l.total]));
    expect(lines).toEqual([
      ["Essential plan (monthly), seats", 25_000],
      ["Plan changed: Essential becomes Expert and Europe is added, prorated", 11_500],
    ]);
  });

  it("schedules a downgrade, a removed package and yearly billing for the renewal, and undoes them", async () => {
    const { account, admin, sub } = await planAccount("essential:month");
    await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "expert", interval: "month", packageIds: ids("europe"), idempotencyKey: "a", at: MIDDLE });
    const before = providerItems(sub);
    const result = await changePlan(db, stripe, {
      accountId: account.id,
      userId: admin.id,
      planCode: "essential",
      interval: "year",
      packageIds: [],
      idempotencyKey: "down-1",
      at: MIDDLE,
    });
    expect(result).toMatchObject({ ok: true, value: { status: "changed", prorationAmount: 0, atRenewal: ["Expert becomes Essential", "billing becomes yearly", "Europe is removed"] } });
    expect(providerItems(sub), "nothing changes before the renewal").toEqual(before);
    const row = await subscriptionOf(account.id);
    expect(row).toMatchObject({ planId: eur.plan["expert:month"]!.id, scheduledPlanId: eur.plan["essential:year"]!.id, scheduledInterval: "year" });
    const schedule = fake.schedule(row.providerScheduleId!)!;
    expect((schedule.phases as { items: { price: string }[] }[])[1]!.items.map((i) => i.price)).toEqual(["price_essential_eur_year"]);
    expect((await packagesOf(account.id))[0]!.endedAt, "Europe covers calls until the renewal").toEqual(NOV.end);

    // Another change waits until this one is undone.
    const blocked = await previewPlanChange(db, stripe, account.id, { planCode: "expert", interval: "month", packageIds: ids("europe", "asia") }, MIDDLE);
    expect(blocked).toMatchObject({ ok: false, failure: { message: "A change is already scheduled for the renewal. Undo it first, then choose again." } });

    expect(await undoScheduledChange(db, stripe, { accountId: account.id, userId: admin.id })).toMatchObject({ ok: true });
    expect(schedule.status, "released at the provider").toBe("released");
    expect(await subscriptionOf(account.id)).toMatchObject({ scheduledPlanId: null, scheduledInterval: null, providerScheduleId: null });
    expect((await packagesOf(account.id))[0]!.endedAt).toBeNull();
    expect((await auditOf(account.id)).at(-1)).toBe("Scheduled change undone: Expert becomes Essential, billing becomes yearly and Europe is removed");
  });

  it("applies the scheduled change at the renewal from the provider's event, and a replay changes nothing", async () => {
    const { account, admin, sub } = await planAccount("essential:month");
    const other = await planAccount("expert:month");
    await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "essential", interval: "month", packageIds: ids("europe"), idempotencyKey: "b", at: MIDDLE });
    await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "essential", interval: "month", packageIds: [], idempotencyKey: "c", at: MIDDLE });
    for (const event of eventsOf(sub)) await processStripeEvent(db, stripe, event);
    fake.renew(sub);
    const renewal = eventsOf(sub).at(-1)!;
    expect(await processStripeEvent(db, stripe, renewal)).toBe("processed");
    const packages = await packagesOf(account.id);
    expect(packages[0]!.endedAt, "Europe ended at the renewal").not.toBeNull();
    const row = await subscriptionOf(account.id);
    expect(row.currentPeriodStart).toEqual(NOV.end);

    const snapshot = async () => ({ row: await subscriptionOf(account.id), packages: await packagesOf(account.id), audit: await auditOf(account.id), other: await subscriptionOf(other.account.id) });
    const settled = await snapshot();
    expect(await processStripeEvent(db, stripe, renewal), "the same event again").toBe("duplicate");
    // The same state under another event id (a provider resending) changes nothing either.
    expect(await processStripeEvent(db, stripe, { ...renewal, id: `${renewal.id}_again` } as Stripe.Event)).toBe("processed");
    expect(await snapshot()).toEqual(settled);
  });

  it("invoices a period that ended, at the plan it had, before the provider's renewal moves the subscription on", async () => {
    const { account, sub } = await planAccount("expert:month", { seats: 4 });
    // The period ended an hour ago and our close has not run yet when the provider renews.
    const ended = { start: new Date(Date.now() - 30 * 86_400_000 - 3_600_000), end: new Date(Date.now() - 3_600_000) };
    await db.update(subscriptions).set({ currentPeriodStart: ended.start, currentPeriodEnd: ended.end }).where(eq(subscriptions.accountId, account.id));
    const live = fake.subscription(sub)! as { current_period_start: number; current_period_end: number; items: { data: { current_period_start: number; current_period_end: number }[] } };
    const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
    Object.assign(live, { current_period_start: seconds(ended.start), current_period_end: seconds(ended.end) });
    for (const item of live.items.data) Object.assign(item, { current_period_start: seconds(ended.start), current_period_end: seconds(ended.end) });
    fake.renew(sub);
    const renewal = eventsOf(sub).at(-1)!;
    expect(await processStripeEvent(db, stripe, renewal)).toBe("processed");
    const issued = await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "period")));
    expect(issued.map((i) => i.periodStart), "the ended period, once").toEqual([ended.start]);
    expect(issued[0]!.netTotal, "4 seats at the Expert price").toBeGreaterThanOrEqual(4 * eur.plan["expert:month"]!.seatPrice);
    expect((await subscriptionOf(account.id)).currentPeriodStart).toEqual(new Date(seconds(ended.end) * 1000));
    // The event again closes nothing more.
    expect(await processStripeEvent(db, stripe, { ...renewal, id: `${renewal.id}_again` } as Stripe.Event)).toBe("processed");
    expect(await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "period")))).toHaveLength(1);
  });

  it("says the outcome is not known, not refused, when the provider refuses a later step of a change it has begun, and the same request again finishes it", async () => {
    const { account, admin, sub } = await planAccount("essential:month");
    const request = { accountId: account.id, userId: admin.id, planCode: "expert", interval: "year" as const, packageIds: [], idempotencyKey: "partly", at: MIDDLE };
    // The subscription is read and the upgrade made at the provider; the schedule for the yearly renewal is refused.
    fake.failNext({ kind: "none" }, 2);
    fake.failNext({ kind: "error400" });
    expect(await changePlan(db, stripe, request)).toEqual({ ok: true, value: { status: "unconfirmed" } });
    expect(providerItems(sub), "the provider has the upgrade").toEqual([`${eur.plan["expert:month"]!.providerPriceId}×10`]);
    const again = await changePlan(db, stripe, request);
    expect(again.ok && again.value.status, "the same request again").toBe("changed");
    expect((await subscriptionOf(account.id)).scheduledInterval).toBe("year");
  });

  it("ignores a subscription event older than the last one applied (events arrive in any order)", async () => {
    const { account, sub } = await planAccount("expert:month");
    fake.setStatus(sub, "active");
    const latest = eventsOf(sub).at(-1)!;
    expect(await processStripeEvent(db, stripe, latest)).toBe("processed");
    const before = await subscriptionOf(account.id);
    // An event from a minute earlier, when the subscription was set to cancel, comes late.
    const stale = structuredClone(latest) as Stripe.Event;
    Object.assign(stale, { id: `${latest.id}_stale`, created: latest.created - 60 });
    Object.assign(stale.data.object as Stripe.Subscription, { cancel_at_period_end: true });
    expect(await processStripeEvent(db, stripe, stale)).toBe("ignored");
    expect(await subscriptionOf(account.id)).toEqual(before);
    // The same change, newer than the last applied, is taken.
    Object.assign(stale, { id: `${latest.id}_newer`, created: latest.created + 60 });
    expect(await processStripeEvent(db, stripe, stale)).toBe("processed");
    expect(await subscriptionOf(account.id)).toMatchObject({ cancelAtPeriodEnd: true });
  });

  it("follows the seat line the provider bills under a new item after a scheduled downgrade, and links it for later changes", async () => {
    const { account, admin, sub } = await planAccount("expert:month");
    const scheduled = await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "essential", interval: "month", packageIds: [], idempotencyKey: "down", at: MIDDLE });
    expect(scheduled.ok).toBe(true);
    fake.renew(sub);
    expect(await processStripeEvent(db, stripe, eventsOf(sub).at(-1)!)).toBe("processed");
    const seatLine = (fake.subscription(sub)!.items as { data: { id: string; price: { id: string } }[] }).data.find(
      (i) => i.price.id === eur.plan["essential:month"]!.providerPriceId,
    )!;
    const row = await subscriptionOf(account.id);
    expect(row.providerSubscriptionItemId, "the new seat line").toBe(seatLine.id);
    expect(row.planId).toBe(eur.plan["essential:month"]!.id);
  });

  it("refuses what cannot work, at the field, and changes nothing", async () => {
    const { account, admin, sub } = await planAccount("expert:month", { seats: 60 });
    const before = { row: await subscriptionOf(account.id), items: providerItems(sub), packages: await packagesOf(account.id) };
    const neighbour = await createAccount(db);
    const theirs = await subscribe(db, neighbour.account.id, NOV);
    const cases: [string, Parameters<typeof changePlan>[2], string, string][] = [
      ["a plan allowing fewer seats than purchased", { planCode: "essential", interval: "month", packageIds: [] } as never, "plan", "Essential allows up to 50 seats, and you have 60 seats. Remove seats or deactivate users first."],
      ["a plan of no catalogue", { planCode: "platinum", interval: "month", packageIds: [] } as never, "plan", "Choose one of the plans shown."],
      ["another account's own plan", { planCode: theirs.code, interval: "month", packageIds: [] } as never, "plan", "Choose one of the plans shown."],
      ["a package of another currency", { planCode: "expert", interval: "month", packageIds: [usd.pkg.europe!.id] } as never, "packages", "Choose calling packages from the list shown."],
    ];
    for (const [label, request, field, message] of cases) {
      const result = await changePlan(db, stripe, { ...request, accountId: account.id, userId: admin.id, idempotencyKey: `bad-${label}`, at: MIDDLE });
      expect(result, label).toEqual({ ok: false, failure: { kind: "refused", message, fields: { [field]: message } } });
    }
    await db.update(subscriptions).set({ seatsPurchased: 10 }).where(eq(subscriptions.accountId, account.id));
    const notAllowed = await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "essential", interval: "month", packageIds: ids("asia"), idempotencyKey: "bad-asia", at: MIDDLE });
    const asia = "Essential does not include Asia. Choose another plan, or leave Asia out.";
    expect(notAllowed, "a package the plan does not allow").toEqual({ ok: false, failure: { kind: "refused", message: asia, fields: { packages: asia } } });
    await db.update(subscriptions).set({ seatsPurchased: 60 }).where(eq(subscriptions.accountId, account.id));
    expect({ row: await subscriptionOf(account.id), items: providerItems(sub), packages: await packagesOf(account.id) }).toEqual({ ...before, row: { ...before.row, updatedAt: expect.any(Date) } });
    expect(await auditOf(account.id), "nothing audited").toEqual([]);
  });
});

describe("tenants", () => {
  it("one account's change, undo and cancel never touch another's", async () => {
    const a = await planAccount("expert:month");
    const b = await planAccount("expert:month");
    await changePlan(db, stripe, { accountId: a.account.id, userId: a.admin.id, planCode: "essential", interval: "month", packageIds: [], idempotencyKey: "iso-a", at: MIDDLE });
    const before = { a: await subscriptionOf(a.account.id), b: await subscriptionOf(b.account.id) };
    expect(await undoScheduledChange(db, stripe, { accountId: b.account.id, userId: b.admin.id })).toMatchObject({ ok: false, failure: { message: "No change is scheduled." } });
    await cancelAtPeriodEnd(db, stripe, { accountId: b.account.id, userId: b.admin.id, reason: "not_using", details: "" });
    expect(await subscriptionOf(a.account.id), "A as it was").toEqual(before.a);
    expect(fake.subscription(a.sub)!.cancel_at_period_end, "A's provider subscription as it was").toBe(false);
    expect((await subscriptionOf(b.account.id)).scheduledPlanId).toBeNull();
  });
});

describe("cancel and resume", () => {
  it("cancels at the period's end with a reason, resumes before it, and ends when the provider says so", async () => {
    const { account, admin, sub } = await planAccount("expert:month");
    await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "expert", interval: "month", packageIds: ids("europe"), idempotencyKey: "d", at: MIDDLE });
    expect(await cancelAtPeriodEnd(db, stripe, { accountId: account.id, userId: admin.id, reason: "other", details: " " }), "other needs words").toMatchObject({
      ok: false,
      failure: { kind: "invalid", fields: { details: "Tell us the reason in a few words." } },
    });
    expect(await cancelAtPeriodEnd(db, stripe, { accountId: account.id, userId: admin.id, reason: "too_expensive", details: "" })).toEqual({ ok: true, value: { endsAt: NOV.end } });
    expect(fake.subscription(sub)!.cancel_at_period_end).toBe(true);
    expect(await subscriptionOf(account.id)).toMatchObject({ cancelAtPeriodEnd: true, cancelReason: "It costs too much", status: "active" });

    expect(await resumeSubscription(db, stripe, { accountId: account.id, userId: admin.id, at: MIDDLE })).toEqual({ ok: true, value: { renewsAt: NOV.end } });
    expect(fake.subscription(sub)!.cancel_at_period_end).toBe(false);
    expect(await subscriptionOf(account.id)).toMatchObject({ cancelAtPeriodEnd: false, cancelReason: null });

    await cancelAtPeriodEnd(db, stripe, { accountId: account.id, userId: admin.id, reason: "switching", details: "Moving to a call centre suite" });
    fake.renew(sub);
    expect(await processStripeEvent(db, stripe, eventsOf(sub).at(-1)!)).toBe("processed");
    expect((await subscriptionOf(account.id)).status).toBe("canceled");
    expect((await packagesOf(account.id)).every((p) => p.endedAt !== null), "packages end with it").toBe(true);
    expect(await resumeSubscription(db, stripe, { accountId: account.id, userId: admin.id })).toMatchObject({ ok: false, failure: { message: "This subscription has ended: it can no longer be resumed." } });
    expect(await auditOf(account.id)).toEqual([
      "Plan changed: Europe is added now (€45.00 charged for the rest of the period)",
      "Subscription canceled at the end of the period (1 Dec 2026): It costs too much",
      "Subscription resumed: it renews on 1 Dec 2026",
      "Subscription canceled at the end of the period (1 Dec 2026): We are moving to another provider: Moving to a call centre suite",
      "Payment provider: status active → canceled; Europe ended; calls, numbers and credit stopped",
    ]);
  });
});

describe("the end of a canceled subscription", () => {
  it("ends at the renewal: its packages end, its numbers are released, and calls are refused from then on", async () => {
    const { account } = await createAccount(db, { timeZone: "UTC" });
    const plan = eur.plan["essential:month"]!;
    const [subscription] = await db
      .insert(subscriptions)
      .values({ accountId: account.id, planId: plan.id, interval: "month", seatsPurchased: 2, currentPeriodStart: NOV.start, currentPeriodEnd: NOV.end, cancelAtPeriodEnd: true })
      .returning();
    await db.insert(accountPackages).values({ accountId: account.id, packageId: eur.pkg.domestic!.id, quantity: 2, unitPrice: 500, startedAt: NOV.start });
    await db.insert(phoneNumbers).values({ accountId: account.id, e164: "+4930999111", type: "local", country: "DE", monthlyPrice: 300, acquiredAt: new Date("2026-10-01T00:00:00Z") });
    await addMovements(db, account.id, [{ type: "top_up_manual", amount: 5_000 }]);
    const call = { account: account.slug, direction: "outbound" as const, from: "+4930999111", to: "+4930123456", forwarded: false };
    expect(await authorizeCall(db, call)).toMatchObject({ ok: true, value: { allowed: true } });

    await db.transaction((tx) => renewSubscription(tx, subscription!, () => ({ start: NOV.end, end: new Date("2027-01-01T00:00:00Z") }), NOV.end));
    expect(await subscriptionOf(account.id)).toMatchObject({ status: "canceled", currentPeriodEnd: NOV.end });
    expect((await packagesOf(account.id))[0]!.endedAt).toEqual(NOV.end);
    const [number] = await db.select().from(phoneNumbers).where(eq(phoneNumbers.accountId, account.id));
    expect(number!.releasedAt).toEqual(NOV.end);
    expect(await authorizeCall(db, call)).toMatchObject({ ok: true, value: { allowed: false, reason: "the account's subscription has ended" } });
    expect(await auditOf(account.id)).toContain("Subscription ended: calls, numbers and credit stopped");

    // It can start again, through the same first-plan choice.
    const { admin } = { admin: (await db.select().from(users).where(eq(users.accountId, account.id)))[0]! };
    await db.insert(paymentMethods).values({ accountId: account.id, provider: "sandbox", type: "card", providerPaymentMethodId: "pm_sandbox_succeeds_again", cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 });
    const again = await startPlan(db, sandbox, { accountId: account.id, userId: admin.id, planCode: "expert", interval: "month", packageIds: ids("europe"), idempotencyKey: "again" });
    expect(again).toMatchObject({ ok: true, value: { status: "started", planName: "Expert" } });
    expect(await subscriptionOf(account.id)).toMatchObject({ status: "active", planId: eur.plan["expert:month"]!.id, cancelAtPeriodEnd: false });
    expect((await packagesOf(account.id)).filter((p) => p.endedAt === null).map((p) => p.code)).toEqual(["europe"]);
  });
});

describe("past due", () => {
  it("is past due when a renewal's payment fails, says how much, and is active again once paid", async () => {
    const { account, admin } = await createAccount(db, { timeZone: "UTC" });
    const plan = eur.plan["essential:month"]!;
    await db.insert(subscriptions).values({ accountId: account.id, planId: plan.id, interval: "month", seatsPurchased: 4, currentPeriodStart: NOV.start, currentPeriodEnd: NOV.end });
    await db.insert(billingDetails).values({ accountId: account.id, companyName: "Buyer GmbH", vatNumber: null, invoiceEmail: "ap@buyer.test", street: "Main St 1", city: "Berlin", postalCode: "10115", country: "DE" });
    await db.insert(paymentMethods).values({ accountId: account.id, provider: "sandbox", type: "card", providerPaymentMethodId: "pm_sandbox_insufficient_funds_x", cardBrand: "visa", cardLast4: "9995", cardExpMonth: 12, cardExpYear: 2034 });
    const outcome = await closePeriod(db, account.id, new Date("2026-12-01T00:00:05Z"));
    if (outcome.status !== "issued") throw new Error(outcome.status);
    const invoice = outcome.invoice;
    expect(await getPastDue(db, account.id), "not past due before a payment failed").toBeNull();

    const failed = await payInvoice(db, sandbox, { accountId: account.id, invoiceId: invoice.id, actorUserId: null });
    expect(failed.ok).toBe(false);
    expect((await subscriptionOf(account.id)).status).toBe("past_due");
    expect(await getPastDue(db, account.id)).toEqual({ amount: invoice.grossTotal, currency: "EUR", invoices: [{ id: invoice.id, number: invoice.number, gross: invoice.grossTotal }] });

    await db.update(paymentMethods).set({ providerPaymentMethodId: "pm_sandbox_succeeds_y" }).where(eq(paymentMethods.accountId, account.id));
    expect((await payInvoice(db, sandbox, { accountId: account.id, invoiceId: invoice.id, actorUserId: admin.id })).ok).toBe(true);
    expect((await subscriptionOf(account.id)).status).toBe("active");
    expect(await getPastDue(db, account.id)).toBeNull();
    const words = await auditOf(account.id);
    expect(words.filter((w) => w.startsWith("Subscription"))).toEqual([
      `Subscription past due: ${invoice.number} unpaid (€${(invoice.grossTotal / 100).toFixed(2)})`,
      "Subscription paid up: active again",
    ]);
  });

  it("is past due from Stripe's invoice.payment_failed webhook, once, and active again from invoice.paid", async () => {
    const { account } = await createAccount(db, { timeZone: "UTC" });
    const plan = eur.plan["essential:month"]!;
    await db.insert(subscriptions).values({ accountId: account.id, planId: plan.id, interval: "month", seatsPurchased: 2, currentPeriodStart: NOV.start, currentPeriodEnd: NOV.end });
    await db.insert(billingDetails).values({ accountId: account.id, companyName: "Buyer GmbH", vatNumber: null, invoiceEmail: "ap@buyer.test", street: "Main St 1", city: "Berlin", postalCode: "10115", country: "DE" });
    await db.insert(paymentMethods).values({ accountId: account.id, provider: "stripe", type: "card", providerPaymentMethodId: "pm_card_chargeDeclinedInsufficientFunds", cardBrand: "visa", cardLast4: "9995", cardExpMonth: 12, cardExpYear: 2034 });
    const outcome = await closePeriod(db, account.id, new Date("2026-12-01T00:00:05Z"));
    if (outcome.status !== "issued") throw new Error(outcome.status);
    const invoiceEvents = (type: string) =>
      fake.events().filter((e) => e.type === type && (e.data.object as { metadata?: Record<string, string> }).metadata?.invoiceId === outcome.invoice.id);
    expect((await payInvoice(db, stripe, { accountId: account.id, invoiceId: outcome.invoice.id, actorUserId: null })).ok).toBe(false);
    // As if the answer had been lost: the webhook alone makes it past due.
    await db.update(subscriptions).set({ status: "active" }).where(eq(subscriptions.accountId, account.id));
    const failed = invoiceEvents("invoice.payment_failed").at(-1)!;
    expect(await processStripeEvent(db, stripe, failed)).toBe("processed");
    expect((await subscriptionOf(account.id)).status).toBe("past_due");
    const audited = await auditOf(account.id);
    expect(await processStripeEvent(db, stripe, failed), "replayed").toBe("duplicate");
    expect(await processStripeEvent(db, stripe, { ...failed, id: `${failed.id}_resent` } as Stripe.Event), "resent").toBe("processed");
    expect(await auditOf(account.id), "nothing more audited").toEqual(audited);

    await db.update(paymentMethods).set({ providerPaymentMethodId: "pm_card_visa" }).where(eq(paymentMethods.accountId, account.id));
    expect((await payInvoice(db, stripe, { accountId: account.id, invoiceId: outcome.invoice.id, actorUserId: null })).ok).toBe(true);
    expect(await processStripeEvent(db, stripe, invoiceEvents("invoice.paid").at(-1)!)).toBe("processed");
    expect((await subscriptionOf(account.id)).status).toBe("active");
    expect((await auditOf(account.id)).filter((w) => w.startsWith("Subscription")).at(-1)).toBe("Subscription paid up: active again");
  });

  it("follows the provider's status with our invoices: past due only while a renewal of ours is unpaid, never a past due of nothing", async () => {
    const { account, sub } = await planAccount("essential:month");
    fake.setStatus(sub, "past_due");
    await processStripeEvent(db, stripe, eventsOf(sub).at(-1)!);
    expect((await subscriptionOf(account.id)).status, "no invoice of ours is unpaid").toBe("active");
    expect(await getPastDue(db, account.id)).toBeNull();

    // A renewal of ours fails: past due with its amount, whatever the provider's status says.
    await endPeriodNow(account.id, sub);
    fake.renew(sub);
    await processStripeEvent(db, stripe, eventsOf(sub).at(-1)!);
    const [renewal] = await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "period")));
    // The payment itself through the sandbox: this test is about the subscription's events.
    await db.insert(paymentMethods).values({ accountId: account.id, provider: "sandbox", type: "card", providerPaymentMethodId: "pm_sandbox_insufficient_funds_p", cardBrand: "visa", cardLast4: "9995", cardExpMonth: 12, cardExpYear: 2034 });
    expect((await payInvoice(db, sandbox, { accountId: account.id, invoiceId: renewal!.id, actorUserId: null })).ok).toBe(false);
    expect((await subscriptionOf(account.id)).status).toBe("past_due");
    fake.setStatus(sub, "active");
    await processStripeEvent(db, stripe, eventsOf(sub).at(-1)!);
    expect((await subscriptionOf(account.id)).status, "still unpaid").toBe("past_due");
    expect(await getPastDue(db, account.id)).toMatchObject({ amount: renewal!.grossTotal, invoices: [{ number: renewal!.number }] });

    await db.update(paymentMethods).set({ providerPaymentMethodId: "pm_sandbox_succeeds_p" }).where(eq(paymentMethods.accountId, account.id));
    expect((await payInvoice(db, sandbox, { accountId: account.id, invoiceId: renewal!.id, actorUserId: null })).ok).toBe(true);
    fake.setStatus(sub, "past_due");
    await processStripeEvent(db, stripe, eventsOf(sub).at(-1)!);
    expect((await subscriptionOf(account.id)).status, "paid up").toBe("active");
  });

  it("starts or ends a package the provider changed at the time it changed it, not when the event arrived", async () => {
    const { account, sub } = await planAccount("essential:month");
    const client = new (await import("stripe")).default("sk_test_fake", { host: "127.0.0.1", port: fake.port, protocol: "http" });
    await client.subscriptions.update(sub, { items: [{ price: eur.pkg.europe!.providerPriceId!, quantity: 10 }], proration_behavior: "none" });
    const event = structuredClone(eventsOf(sub).at(-1)!) as Stripe.Event;
    // Changed by hand at the provider ten minutes ago; the event arrives now.
    event.created -= 600;
    expect(await processStripeEvent(db, stripe, event)).toBe("processed");
    const [europe] = await packagesOf(account.id);
    expect(europe).toMatchObject({ code: "europe", startedAt: new Date(event.created * 1000), endedAt: null });
  });
});

describe("a new account", () => {
  it("starts its first plan with a package, charged to the saved method", async () => {
    const { account, admin } = await createAccount(db, { timeZone: "UTC" });
    const request = { planCode: "essential", interval: "month" as const, packageIds: ids("domestic"), accountId: account.id, userId: admin.id, idempotencyKey: "start-1" };
    expect(await startPlan(db, sandbox, request), "no payment method yet").toMatchObject({ ok: false, failure: { message: "Add a payment method first: the plan is charged to it." } });
    await db.insert(paymentMethods).values({ accountId: account.id, provider: "sandbox", type: "card", providerPaymentMethodId: "pm_sandbox_succeeds_n", cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 });
    expect(await startPlan(db, sandbox, request)).toMatchObject({ ok: true, value: { status: "started", planName: "Essential" } });
    expect(await subscriptionOf(account.id)).toMatchObject({ planId: eur.plan["essential:month"]!.id, seatsPurchased: 1, status: "active" });
    expect((await packagesOf(account.id)).map((p) => p.code)).toEqual(["domestic"]);
    expect(await auditOf(account.id)).toEqual(["Plan started: Essential, monthly, 1 seats with Domestic unlimited (€30.00 each renewal)"]);
  });

  it("starts one subscription at the provider when two starts race (two tabs, new keys)", async () => {
    const { account, admin } = await createAccount(db, { timeZone: "UTC" });
    await db.insert(paymentMethods).values({ accountId: account.id, provider: "stripe", type: "card", providerPaymentMethodId: "pm_card_visa", cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 });
    const request = (key: string) => ({ planCode: "essential", interval: "month" as const, packageIds: [], accountId: account.id, userId: admin.id, idempotencyKey: key });
    const results = await Promise.all([startPlan(db, stripe, request("tab-1")), startPlan(db, stripe, request("tab-2"))]);
    expect(results.map((r) => (r.ok ? r.value.status : r.failure.message)).sort()).toEqual(["This account has a plan already. Reload the page.", "started"]);
    const customer = (await subscriptionOf(account.id)).providerCustomerId!;
    const started = fake.events().filter((e) => e.type === "customer.subscription.created" && (e.data.object as { customer: string }).customer === customer);
    expect(started, "one subscription at the provider").toHaveLength(1);
  });
});

type ProviderInvoice = { id: string; status: string; total: number; amount_paid: number; billing_reason: string; customer: string; metadata?: Record<string, string> };

/** Moves a subscription's current period, ours and the provider's, to end an hour ago. */
async function endPeriodNow(accountId: string, sub: string) {
  const ended = { start: new Date(Date.now() - 30 * 86_400_000 - 3_600_000), end: new Date(Date.now() - 3_600_000) };
  await db.update(subscriptions).set({ currentPeriodStart: ended.start, currentPeriodEnd: ended.end }).where(eq(subscriptions.accountId, accountId));
  const live = fake.subscription(sub)! as { current_period_start: number; current_period_end: number; items: { data: object[] } };
  const range = { current_period_start: Math.floor(ended.start.getTime() / 1000), current_period_end: Math.floor(ended.end.getTime() / 1000) };
  Object.assign(live, range);
  for (const item of live.items.data) Object.assign(item, range);
  return ended;
}

describe("one biller: the provider's subscription never collects, our invoices do", () => {
  const providerInvoices = async (customer: string) => {
    const client = new (await import("stripe")).default("sk_test_fake", { host: "127.0.0.1", port: fake.port, protocol: "http" });
    return (await client.invoices.list({ customer })).data as unknown as ProviderInvoice[];
  };

  it("starts, changes and renews a subscription with nothing collected by it, and the period's invoice is the one charge", async () => {
    const { account, admin } = await createAccount(db, { timeZone: "UTC" });
    await db.insert(paymentMethods).values({ accountId: account.id, provider: "stripe", type: "card", providerPaymentMethodId: "pm_card_visa", cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 });
    const started = await startPlan(db, stripe, { planCode: "essential", interval: "month", packageIds: [], accountId: account.id, userId: admin.id, idempotencyKey: "one-biller" });
    expect(started).toMatchObject({ ok: true, value: { status: "started" } });
    const row = await subscriptionOf(account.id);
    const sub = row.providerSubscriptionId!;
    const customer = row.providerCustomerId!;
    expect(fake.subscription(sub)!.pause_collection, "kept from collecting").toEqual({ behavior: "void", resumes_at: null });
    const [first] = await providerInvoices(customer);
    expect(first, "the start's invoice charges nothing: the first period is invoiced when it closes").toMatchObject({ billing_reason: "subscription_create", total: 0, amount_paid: 0 });

    // Two seats more: the provider prices the proration and voids its own invoice of it.
    const seats = await changeSeats(db, stripe, { accountId: account.id, userId: admin.id, quantity: 3, idempotencyKey: "one-biller-seats", at: new Date() });
    expect(seats.ok).toBe(true);
    const [change] = await db.select().from(subscriptionChanges).where(eq(subscriptionChanges.accountId, account.id));
    const proration = fake.invoice(change!.providerInvoiceId!)! as unknown as ProviderInvoice;
    expect(proration.status, "the proration is voided at the provider").toBe("void");
    expect(change!.prorationAmount, "and recorded as it priced it").toBe(proration.total);
    expect(proration.total).toBeGreaterThan(0);

    // The period ends; the provider renews (its renewal invoice voided) and our period invoice is issued.
    await endPeriodNow(account.id, sub);
    fake.renew(sub);
    expect(await processStripeEvent(db, stripe, eventsOf(sub).at(-1)!)).toBe("processed");
    const [ours] = await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "period")));
    expect(ours!.netTotal, "the period's seats and the proration, once").toBe(eur.plan["essential:month"]!.seatPrice + change!.prorationAmount);
    const paid = await payInvoice(db, stripe, { accountId: account.id, invoiceId: ours!.id, actorUserId: admin.id });
    expect(paid).toMatchObject({ ok: true, value: { status: "paid" } });

    const all = await providerInvoices(customer);
    const ownInvoices = all.filter((i) => i.billing_reason !== "manual");
    expect(ownInvoices.map((i) => [i.billing_reason, i.status === "void" || i.total === 0]).sort()).toEqual([
      ["subscription_create", true],
      ["subscription_cycle", true],
      ["subscription_update", true],
    ]);
    const collected = all.reduce((sum, i) => sum + (i.amount_paid ?? 0), 0);
    expect(collected, "the provider collected exactly our invoice's gross").toBe(ours!.grossTotal);
    expect(fake.paymentIntents().filter((pi) => pi.customer === customer && pi.status === "succeeded").reduce((sum, pi) => sum + Number(pi.amount), 0)).toBe(ours!.grossTotal);
  });

  it("stops a subscription that still collects at its first event, and fails the event when the provider does not answer", async () => {
    const { sub } = await planAccount("expert:month", { collecting: true });
    fake.setStatus(sub, "active");
    const event = eventsOf(sub).at(-1)!;
    fake.failNext({ kind: "error500" }, 3);
    await expect(processStripeEvent(db, stripe, event), "not stored: sent again later").rejects.toThrow();
    expect(fake.subscription(sub)!.pause_collection).toBeNull();
    expect(await processStripeEvent(db, stripe, event)).toBe("processed");
    expect(fake.subscription(sub)!.pause_collection).toEqual({ behavior: "void", resumes_at: null });
    fake.renew(sub);
    const renewal = (await providerInvoicesOf(sub)).find((i) => i.billing_reason === "subscription_cycle")!;
    expect(renewal.status, "the renewal is not collected").toBe("void");
  });

  it("stops a subscription that still collects before a change, so the change's proration is not collected", async () => {
    const { account, admin } = await planAccount("expert:month", { collecting: true });
    expect((await changeSeats(db, stripe, { accountId: account.id, userId: admin.id, quantity: 12, idempotencyKey: "collecting-seats", at: MIDDLE })).ok).toBe(true);
    const [change] = await db.select().from(subscriptionChanges).where(eq(subscriptionChanges.accountId, account.id));
    const proration = fake.invoice(change!.providerInvoiceId!)! as unknown as ProviderInvoice;
    expect(proration.total).toBeGreaterThan(0);
    expect(proration.status, "voided, not collected").toBe("void");
  });

  it("says a change is not confirmed, not refused, when its key was used before with other parameters", async () => {
    const { account, admin, sub } = await planAccount("expert:month");
    const seats = (quantity: number) => changeSeats(db, stripe, { accountId: account.id, userId: admin.id, quantity, idempotencyKey: "reused", at: MIDDLE });
    expect((await seats(12)).ok).toBe(true);
    const result = await seats(14);
    expect(result).toMatchObject({ ok: true, value: { status: "unconfirmed" } });
    expect(providerItems(sub), "the first change only").toEqual([`${eur.plan["expert:month"]!.providerPriceId}×12`]);
  });

  it("releases a schedule whose last phase has begun, so the next change, schedule or cancellation can be made", async () => {
    const { account, admin, sub } = await planAccount("expert:month");
    const down = await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "essential", interval: "month", packageIds: [], idempotencyKey: "rel-down", at: MIDDLE });
    expect(down.ok).toBe(true);
    const scheduleId = (await subscriptionOf(account.id)).providerScheduleId!;
    fake.renew(sub);
    expect(await processStripeEvent(db, stripe, eventsOf(sub).at(-1)!)).toBe("processed");
    expect(fake.schedule(scheduleId)!.status, "the provider keeps the schedule through its last phase").toBe("active");
    expect(fake.subscription(sub)!.schedule).toBe(scheduleId);

    const yearly = await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "essential", interval: "year", packageIds: [], idempotencyKey: "rel-year", at: new Date(NOV.end.getTime() + 86_400_000) });
    expect(yearly).toMatchObject({ ok: true, value: { status: "changed", atRenewal: ["billing becomes yearly"] } });
    expect(fake.schedule(scheduleId)!.status, "the finished schedule is released first").toBe("released");
    const next = (await subscriptionOf(account.id)).providerScheduleId!;
    expect(next).not.toBe(scheduleId);
    expect(fake.schedule(next)!.status).toBe("active");
  });

  it("keeps the start the provider gave the current phase when it schedules a change", async () => {
    const { account, admin, sub } = await planAccount("expert:month");
    // The provider's period began an hour after ours (its clock, not our time zone's midnight).
    const live = fake.subscription(sub)! as { current_period_start: number };
    live.current_period_start += 3600;
    const down = await changePlan(db, stripe, { accountId: account.id, userId: admin.id, planCode: "essential", interval: "month", packageIds: [], idempotencyKey: "start-kept", at: MIDDLE });
    expect(down).toMatchObject({ ok: true, value: { status: "changed" } });
    const schedule = fake.schedule((await subscriptionOf(account.id)).providerScheduleId!)!;
    expect(Number((schedule.phases as { start_date: string }[])[0]!.start_date)).toBe(live.current_period_start);
  });
});

describe("the provider's subscription through failures", () => {
  it("finishes a change at the renewal that failed half-way (its schedule made, its phases not), with the same key or another", async () => {
    const { account, admin, sub } = await planAccount("expert:month");
    const request = { accountId: account.id, userId: admin.id, planCode: "essential", interval: "month" as const, packageIds: [], at: MIDDLE };
    // The subscription is read, the schedule made, then its phases are refused.
    fake.failNext({ kind: "none" }, 2);
    fake.failNext({ kind: "error400" });
    expect(await changePlan(db, stripe, { ...request, idempotencyKey: "half" })).toMatchObject({ ok: false, failure: { kind: "refused" } });
    const halfBuilt = String(fake.subscription(sub)!.schedule);
    expect((fake.schedule(halfBuilt)!.phases as unknown[]).length, "one phase: the subscription as it is").toBe(1);
    expect((await subscriptionOf(account.id)).scheduledPlanId, "nothing recorded").toBeNull();

    const again = await changePlan(db, stripe, { ...request, idempotencyKey: "half" });
    expect(again).toMatchObject({ ok: true, value: { status: "changed", atRenewal: ["Expert becomes Essential"] } });
    const row = await subscriptionOf(account.id);
    expect(row.providerScheduleId, "the same schedule, finished").toBe(halfBuilt);
    const schedule = fake.schedule(halfBuilt)!;
    expect(schedule.status).toBe("active");
    expect((schedule.phases as { items: { price: string }[] }[]).map((p) => p.items[0]!.price)).toEqual([
      eur.plan["expert:month"]!.providerPriceId,
      eur.plan["essential:month"]!.providerPriceId,
    ]);
  });

  it("ends a start that was never recorded before starting again, charged nothing, and stops it collecting meanwhile", async () => {
    const { account, admin } = await createAccount(db, { timeZone: "UTC" });
    await db.insert(paymentMethods).values({ accountId: account.id, provider: "stripe", type: "card", providerPaymentMethodId: "pm_card_visa", cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 });
    const request = (key: string) => ({ planCode: "essential", interval: "month" as const, packageIds: [], accountId: account.id, userId: admin.id, idempotencyKey: key });
    // The customer is made, earlier starts listed, the subscription created; then the provider stops answering.
    fake.failNext({ kind: "none" }, 3);
    fake.failNext({ kind: "error500" }, 3);
    expect(await startPlan(db, stripe, request("lost"))).toEqual({ ok: true, value: { status: "unconfirmed" } });
    const created = fake
      .events()
      .filter((e) => e.type === "customer.subscription.created" && (e.data.object as { metadata: { accountId?: string } }).metadata.accountId === account.id);
    expect(created).toHaveLength(1);
    const lost = (created[0]!.data.object as { id: string }).id;
    expect(fake.subscription(lost)!.pause_collection, "not yet stopped").toBeUndefined();
    // Its created event names our account: the provider is told to stop collecting it.
    expect(await processStripeEvent(db, stripe, created[0]!)).toBe("ignored");
    expect(fake.subscription(lost)!.pause_collection).toEqual({ behavior: "void", resumes_at: null });

    // The admin gives up on that form and starts again from a new one.
    expect(await startPlan(db, stripe, request("fresh"))).toMatchObject({ ok: true, value: { status: "started" } });
    expect(fake.subscription(lost)!.status, "the unrecorded one ended").toBe("canceled");
    const live = (await subscriptionOf(account.id)).providerSubscriptionId!;
    expect(live).not.toBe(lost);
    expect(fake.subscription(live)!.status).toBe("active");
    const invoicesOf = async (id: string) => (await providerInvoicesOf(id)).map((i) => i.amount_paid);
    expect([...(await invoicesOf(lost)), ...(await invoicesOf(live))], "nothing collected by either").toEqual([0, 0]);
  });

  it("invoices the period up to the day the provider ended the subscription mid-period", async () => {
    const { account, sub } = await planAccount("expert:month", { seats: 4 });
    const client = new (await import("stripe")).default("sk_test_fake", { host: "127.0.0.1", port: fake.port, protocol: "http" });
    // Our period began two weeks ago; canceled at once by hand in the provider's dashboard.
    const start = new Date(Date.now() - 14 * 86_400_000);
    const end = new Date(start.getTime() + 30 * 86_400_000);
    await db.update(subscriptions).set({ currentPeriodStart: start, currentPeriodEnd: end }).where(eq(subscriptions.accountId, account.id));
    await client.subscriptions.cancel(sub);
    const deleted = eventsOf(sub).at(-1)!;
    expect(deleted.type).toBe("customer.subscription.deleted");
    expect(await processStripeEvent(db, stripe, deleted)).toBe("processed");
    const issued = await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "period")));
    expect(issued, "one invoice for the period it was used").toHaveLength(1);
    expect(issued[0]!.periodStart).toEqual(start);
    expect(issued[0]!.periodEnd).toEqual(new Date((deleted.data.object as { ended_at: number }).ended_at * 1000));
    expect(issued[0]!.netTotal, "4 seats of Expert, the unused days not credited").toBe(4 * eur.plan["expert:month"]!.seatPrice);
    expect((await subscriptionOf(account.id)).status).toBe("canceled");
    expect(await processStripeEvent(db, stripe, { ...deleted, id: `${deleted.id}_again` } as Stripe.Event)).toBe("processed");
    expect(await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "period")))).toHaveLength(1);
  });
});

async function providerInvoicesOf(sub: string) {
  const client = new (await import("stripe")).default("sk_test_fake", { host: "127.0.0.1", port: fake.port, protocol: "http" });
  return (await client.invoices.list({ subscription: sub })).data as unknown as ProviderInvoice[];
}

describe("rating follows the packages in force at the call's start", () => {
  it("rates a call before a change under the old packages and after it under the new", async () => {
    const [globex] = await db.select().from(accounts).where(eq(accounts.slug, "globex"));
    const [admin] = await db.select().from(users).where(and(eq(users.accountId, globex!.id), eq(users.role, "admin")));
    const hour = 3_600_000;
    const now = Date.now();
    // The period ended yesterday: the removal scheduled in it took effect then.
    await db.update(subscriptions).set({ currentPeriodStart: new Date(now - 20 * 24 * hour), currentPeriodEnd: new Date(now - 24 * hour) }).where(eq(subscriptions.accountId, globex!.id));
    const [number] = await db.select({ e164: phoneNumbers.e164 }).from(phoneNumbers).where(and(eq(phoneNumbers.accountId, globex!.id), eq(phoneNumbers.type, "local")));
    const changedAt = new Date(now - 72 * hour);
    const change = await changePlan(db, sandbox, {
      accountId: globex!.id,
      userId: admin!.id,
      planCode: "essential",
      interval: "year",
      packageIds: [usd.pkg.domestic!.id],
      idempotencyKey: "globex-1",
      at: changedAt,
    });
    expect(change).toMatchObject({ ok: true, value: { now: ["Domestic unlimited is added"], atRenewal: ["North America is removed"] } });
    const call = (id: string, to: string, hoursAgo: number) => ({
      id, account: "globex", kind: "call", direction: "outbound", from: number!.e164, to,
      startedAt: new Date(now - hoursAgo * hour).toISOString(), durationSeconds: 120, forwarded: false, user: admin!.email,
    });
    const results = await ingestUsage(db, [
      call("plan-us-before", "+12125550100", 96),
      call("plan-us-after", "+12125550101", 48),
      call("plan-ca-before-end", "+14165550100", 48),
      call("plan-ca-after-end", "+14165550101", 12),
    ]);
    expect(results.map((r) => [r.id, r.covered])).toEqual([
      ["plan-us-before", "North America"],
      ["plan-us-after", "Domestic unlimited"],
      ["plan-ca-before-end", "North America"],
      ["plan-ca-after-end", null],
    ]);
  });
});
