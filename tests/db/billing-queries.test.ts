import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  auditLog,
  accountAddons,
  accountPackages,
  accounts,
  addons,
  autoTopUpSettings,
  callingPackages,
  creditBalances,
  phoneNumbers,
  prepaidBundles,
  topUpAttempts,
  usageRecords,
  users,
} from "@/db/schema";
import { seedDemo } from "@/db/seed/demo";
import { getBillingDetails } from "@/lib/company/queries";
import { getPaymentMethod } from "@/lib/payments/payment-methods";
import { getActiveAddons, getNumberCharges, getNumbersInPeriod } from "@/lib/subscription/items";
import { getBalanceTrend, getCreditOverview, getRunway, runwayDays } from "@/lib/credit/queries";
import { getRecentAudit } from "@/lib/audit/queries";
import { getStatement } from "@/lib/subscription/statement";
import { getSubscription } from "@/lib/subscription/queries";
import { createDueAttempt } from "@/lib/credit/auto-top-up";
import { zonedMidnight, zonedParts } from "@/lib/time";
import { getActiveBundles, getIncludedPackages, getNotIncludedUsage } from "@/lib/usage/queries";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addMovements, createAccount, subscribe } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;

const NOW = new Date("2026-11-20T12:00:00Z");
const PERIOD = { start: new Date("2026-10-31T23:00:00Z"), end: new Date("2026-11-30T23:00:00Z") };

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
  await seedDemo(db, NOW);
});

afterAll(async () => {
  await handle?.close();
});

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

async function accountBySlug(slug: string) {
  const [account] = await db.select().from(accounts).where(eq(accounts.slug, slug));
  return account!;
}

describe("subscription and seats", () => {
  it("counts active users as seats used", async () => {
    const { account, admin } = await createAccount(db);
    await subscribe(db, account.id, PERIOD, 4);
    await db.insert(users).values([
      { accountId: account.id, email: `a1@${account.slug}.test`, name: "A1" },
      { accountId: account.id, email: `a2@${account.slug}.test`, name: "A2", active: false, deactivatedAt: NOW },
    ]);
    const subscription = await getSubscription(db, account.id);
    expect(subscription).toMatchObject({ planName: "Test plan", seatsPurchased: 4, seatsUsed: 2, interval: "month" });
    expect(subscription!.periodEnd).toEqual(PERIOD.end);
    void admin;
  });

  it("returns nothing for an account without a plan", async () => {
    const { account } = await createAccount(db);
    expect(await getSubscription(db, account.id)).toBeNull();
  });
});

describe("credit", () => {
  it("says ok, low or out from the balance and the alert threshold", async () => {
    const { account } = await createAccount(db);
    expect((await getCreditOverview(db, account.id)).state).toBe("out"); // brand-new: no balance row
    await addMovements(db, account.id, [{ type: "top_up_manual", amount: 5000 }]);
    expect((await getCreditOverview(db, account.id)).state).toBe("ok");
    await addMovements(db, account.id, [{ type: "call", amount: -4500 }]);
    expect((await getCreditOverview(db, account.id)).state).toBe("low"); // 500 < 1000
    await addMovements(db, account.id, [{ type: "call", amount: -600 }]);
    const out = await getCreditOverview(db, account.id);
    expect([out.state, out.balance]).toEqual(["out", -100]);
  });

  it("reports the auto top-up settings, the last top-up, the last failure and one in flight", async () => {
    const { account } = await createAccount(db);
    await db.insert(autoTopUpSettings).values({
      accountId: account.id,
      enabled: false,
      threshold: 2000,
      amount: 10000,
      consecutiveFailures: 3,
      disabledReason: "Switched off after 3 failed payments",
    });
    const base = { accountId: account.id, currency: "EUR", amount: 10000 };
    await db.insert(topUpAttempts).values([
      { ...base, kind: "auto", status: "succeeded", idempotencyKey: "a", updatedAt: new Date("2026-11-01T10:00:00Z"), settledAt: new Date("2026-11-01T10:00:00Z") },
      { ...base, kind: "manual", status: "succeeded", amount: 2500, idempotencyKey: "b", updatedAt: new Date("2026-11-05T10:00:00Z"), settledAt: new Date("2026-11-05T10:00:00Z") },
      { ...base, kind: "auto", status: "failed", idempotencyKey: "c", failureMessage: "Your card has insufficient funds.", updatedAt: new Date("2026-11-06T10:00:00Z") },
      { ...base, kind: "manual", status: "requires_action", idempotencyKey: "d", createdAt: new Date("2026-11-07T10:00:00Z") },
    ]);
    const credit = await getCreditOverview(db, account.id);
    expect(credit.autoTopUp).toMatchObject({ enabled: false, consecutiveFailures: 3, disabledReason: "Switched off after 3 failed payments" });
    expect(credit.lastTopUp).toMatchObject({ amount: 2500, kind: "manual" });
    expect(credit.lastFailure).toMatchObject({ reason: "Your card has insufficient funds.", settled: false });
    expect(credit.pending).toMatchObject({ status: "requires_action", amount: 10000 });
    // A top-up that succeeds after the failure makes it history.
    await db.insert(topUpAttempts).values({
      ...base,
      kind: "manual",
      status: "succeeded",
      idempotencyKey: "e",
      updatedAt: new Date("2026-11-08T10:00:00Z"),
      settledAt: new Date("2026-11-08T10:00:00Z"),
    });
    expect((await getCreditOverview(db, account.id)).lastFailure, "after a later success").toMatchObject({
      reason: "Your card has insufficient funds.",
      settled: true,
    });
  });

  it("lists automatic top-ups and their failures among the recent billing changes, in words, for this account only", async () => {
    const { account, admin } = await createAccount(db);
    const { account: other } = await createAccount(db);
    const base = { currency: "EUR", amount: 10000 };
    await db.insert(topUpAttempts).values([
      { ...base, accountId: account.id, kind: "auto", status: "succeeded", idempotencyKey: "a1", createdAt: new Date("2026-11-02T10:00:00Z"), updatedAt: new Date("2026-11-02T10:00:05Z") },
      { ...base, accountId: account.id, kind: "auto", status: "failed", idempotencyKey: "a2", failureMessage: "Your card was declined.", createdAt: new Date("2026-11-04T10:00:00Z"), updatedAt: new Date("2026-11-04T10:00:05Z") },
      { ...base, accountId: account.id, kind: "auto", status: "pending", idempotencyKey: "a3", createdAt: new Date("2026-11-05T10:00:00Z") },
      { ...base, accountId: other.id, kind: "auto", status: "failed", idempotencyKey: "o1", failureMessage: "Other account", createdAt: new Date("2026-11-05T10:00:00Z") },
    ]);
    await db.insert(auditLog).values([
      { accountId: account.id, actorUserId: admin.id, action: "billing_details.update", before: { vatNumber: "DE1", city: "Berlin" }, after: { vatNumber: "DE136695976", city: "Berlin" }, createdAt: new Date("2026-11-03T10:00:00Z") },
      { accountId: account.id, actorUserId: admin.id, action: "payment_method.replace", before: null, after: { paymentMethod: "visa ending in 0002" }, createdAt: new Date("2026-11-01T10:00:00Z") },
    ]);
    const entries = await getRecentAudit(db, account);
    expect(entries.map((e) => [e.what, e.who])).toEqual([
      ["Automatic top-up of €100.00 failed: Your card was declined.", "Auto top-up"],
      ["VAT number changed", "Admin"],
      ["Automatic top-up: €100.00 added", "Auto top-up"],
      ["Payment method: Visa ending in 0002", "Admin"],
    ]);
    expect((await getRecentAudit(db, account, 2)).map((e) => e.what)).toEqual([
      "Automatic top-up of €100.00 failed: Your card was declined.",
      "VAT number changed",
    ]);
  });

  describe("the monthly cap of auto top-up", () => {
    const TZ = "Pacific/Auckland"; // its month starts half a day before UTC's
    const now = new Date();
    const here = zonedParts(now, TZ);
    const monthStart = zonedMidnight(here.year, here.month, 1, TZ);
    const nextMonth = zonedMidnight(here.year, here.month + 1, 1, TZ);

    const five = ["succeeded", "succeeded", "succeeded", "succeeded", "succeeded"] as const;
    const four = ["succeeded", "succeeded", "succeeded", "succeeded"] as const;
    it.each([
      { name: "reached", cap: 50_000, counted: five, holds: "reached", spent: 50_000 },
      { name: "reached, counting one awaiting authentication", cap: 50_000, counted: [...four, "requires_action"] as const, holds: "reached", spent: 50_000 },
      { name: "the next one would exceed it", cap: 45_000, counted: four, holds: "next_exceeds", spent: 40_000 },
      { name: "the next one would exceed it, counting one in flight", cap: 45_000, counted: ["succeeded", "succeeded", "succeeded", "pending"] as const, holds: "next_exceeds", spent: 40_000 },
      { name: "room for the next one", cap: 50_000, counted: four, holds: null, spent: 40_000 },
      { name: "no cap", cap: null, counted: [...five, "succeeded"] as const, holds: null, spent: 60_000 },
    ])("says when it holds top-ups back, and when it resets: $name", async ({ cap, counted, holds, spent }) => {
      const { account } = await createAccount(db, { timeZone: TZ });
      await addMovements(db, account.id, [{ type: "top_up_manual", amount: 1_134 }]);
      await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 2_000, amount: 10_000, monthlyCap: cap });
      const base = { accountId: account.id, kind: "auto" as const, currency: "EUR", amount: 10_000 };
      await db.insert(topUpAttempts).values([
        ...counted.map((status, i) => ({ ...base, status, idempotencyKey: `counted-${i}`, createdAt: new Date(monthStart.getTime() + i * 1000) })),
        // Not counted: failed this month, succeeded last month (a second before this month in the account's zone), manual.
        { ...base, status: "failed" as const, idempotencyKey: "failed", createdAt: now },
        { ...base, status: "succeeded" as const, idempotencyKey: "last-month", createdAt: new Date(monthStart.getTime() - 1000) },
        { ...base, kind: "manual" as const, status: "succeeded" as const, idempotencyKey: "manual", createdAt: now },
      ]);
      const credit = await getCreditOverview(db, account.id);
      expect(credit.autoTopUp).toMatchObject({ enabled: true, monthlyCap: cap, spentThisMonth: spent, capHolds: holds });
      expect(credit.autoTopUp!.capResetsAt, "the first of next month in the account's time zone").toEqual(nextMonth);
      // The job follows the same rule: below the threshold, it tops up only when the cap leaves room.
      if (!counted.some((status) => status !== "succeeded")) {
        const attempt = await createDueAttempt(db, account.id, "due");
        expect(attempt === null, "no top-up while the cap holds").toBe(holds !== null);
      }
    });
  });

  it("keeps a daily rollup whose closing balances and sums match the movements", async () => {
    const acme = await accountBySlug("acme");
    const mismatches = await rows<{ day: string }>(sql`
      with raw as (
        select (occurred_at at time zone ${acme.timeZone})::date as day,
               (array_agg(balance_after order by id desc))[1] as closing,
               sum(amount) filter (where amount > 0) as credits,
               sum(-amount) filter (where amount < 0) as debits
        from credit_movements where account_id = ${acme.id} group by 1)
      select raw.day from raw
      left join credit_daily_balances d on d.account_id = ${acme.id} and d.day = raw.day
      where d.closing_balance is distinct from raw.closing
         or d.credits is distinct from coalesce(raw.credits, 0)
         or d.debits is distinct from coalesce(raw.debits, 0)`);
    expect(mismatches).toEqual([]);
  });

  it("builds the balance trend, carrying balances over days without movements", async () => {
    const { account } = await createAccount(db, { timeZone: "UTC" });
    expect(await getBalanceTrend(db, account, 30, NOW)).toEqual([]);
    await addMovements(db, account.id, [
      { type: "top_up_manual", amount: 10000, occurredAt: new Date("2026-10-01T10:00:00Z") }, // before the window
      { type: "call", amount: -300, occurredAt: new Date("2026-11-15T10:00:00Z") },
      { type: "call", amount: -200, occurredAt: new Date("2026-11-15T18:00:00Z") },
      { type: "top_up_auto", amount: 5000, occurredAt: new Date("2026-11-18T09:00:00Z") },
    ]);
    const trend = await getBalanceTrend(db, account, 7, NOW);
    expect(trend).toEqual([
      { day: "2026-11-14", balance: 10000 },
      { day: "2026-11-15", balance: 9500 },
      { day: "2026-11-16", balance: 9500 },
      { day: "2026-11-17", balance: 9500 },
      { day: "2026-11-18", balance: 14500 },
      { day: "2026-11-19", balance: 14500 },
      { day: "2026-11-20", balance: 14500 },
    ]);
    expect(await getBalanceTrend(db, account, 90, NOW)).toHaveLength(90);
  });

  it("estimates the runway from the last 30 days' usage, ignoring top-ups", async () => {
    const { account } = await createAccount(db, { timeZone: "UTC" });
    expect(await getRunway(db, account, 0, NOW)).toEqual({ burn30Days: 0, daysLeft: null, outlook: { kind: "out" }, perDay: 0, suggestion: null });
    const balance = await addMovements(db, account.id, [
      { type: "top_up_manual", amount: 9000, occurredAt: new Date("2026-11-01T10:00:00Z") },
      { type: "call", amount: -2000, occurredAt: new Date("2026-11-02T10:00:00Z") },
      { type: "sms", amount: -1000, occurredAt: new Date("2026-11-19T10:00:00Z") },
      { type: "refund", amount: 500, occurredAt: new Date("2026-11-19T11:00:00Z") },
      { type: "call", amount: -777, occurredAt: new Date("2026-10-01T10:00:00Z") }, // older than 30 days
    ]);
    const runway = await getRunway(db, account, balance, NOW);
    expect(runway.burn30Days).toBe(2500);
    expect(balance).toBe(5723);
    expect(runway.daysLeft).toBe(68); // 5723 / (2500 / 30) = 68.7
    expect(runway.outlook, "without auto top-up").toEqual({ kind: "runs_out", runsOutOn: "2027-01-27" });
    // €25 in 30 days: 83 cents a day; credit lasts past the month, so no suggestion.
    expect([runway.perDay, runway.suggestion]).toEqual([83, null]);
    // With auto top-up on and no monthly cap, as the credit overview reads it: it refills.
    await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 2000, amount: 10000 });
    const { autoTopUp } = await getCreditOverview(db, account.id);
    expect((await getRunway(db, account, balance, NOW, autoTopUp)).outlook, "with auto top-up").toEqual({ kind: "refills" });
    expect(runwayDays(-5, 100)).toBe(0);
    expect(runwayDays(3000, 3000)).toBe(30);
    expect(runwayDays(3000, 0)).toBeNull();
  });
});

describe("usage", () => {
  it("lists packages with covered countries (domestic = the account's country) and minutes per user", async () => {
    const { account, admin } = await createAccount(db, { country: "FR", timeZone: "Europe/Paris" });
    const [domestic] = await db.select().from(callingPackages).where(sql`code = 'domestic' and currency = 'EUR'`);
    const [europe] = await db.select().from(callingPackages).where(sql`code = 'europe' and currency = 'EUR'`);
    await db.insert(accountPackages).values([
      { accountId: account.id, packageId: domestic!.id, quantity: 3, unitPrice: 500, startedAt: new Date("2026-01-01") },
      { accountId: account.id, packageId: europe!.id, quantity: 2, unitPrice: 900, startedAt: new Date("2026-01-01"), endedAt: new Date("2026-11-01") },
    ]);
    await db.insert(usageRecords).values([
      { accountId: account.id, externalId: "c1", kind: "call", direction: "outbound", fromNumber: "+33100000001", toNumber: "+33100000002", startedAt: new Date("2026-11-10T10:00:00Z"), durationSeconds: 600, userId: admin.id, category: "included", coveredByPackageId: domestic!.id },
      { accountId: account.id, externalId: "c2", kind: "call", direction: "outbound", fromNumber: "+33100000001", toNumber: "+33100000003", startedAt: new Date("2026-11-11T10:00:00Z"), durationSeconds: 130, userId: admin.id, category: "included", coveredByPackageId: domestic!.id },
      { accountId: account.id, externalId: "c3", kind: "call", direction: "outbound", fromNumber: "+33100000001", toNumber: "+33100000003", startedAt: new Date("2026-10-11T10:00:00Z"), durationSeconds: 6000, userId: admin.id, category: "included", coveredByPackageId: domestic!.id },
    ]);
    const packages = await getIncludedPackages(db, account, NOW);
    expect(packages).toHaveLength(1);
    expect(packages[0]).toMatchObject({
      name: "Domestic unlimited",
      scope: "domestic",
      coveredCountries: ["FR"],
      unlimited: true,
      minutesPerUser: 5000,
      quantity: 3,
      users: [{ userId: admin.id, name: "Admin", minutes: 12 }],
    });
  });

  it("lists bundles that have not expired, with minutes left", async () => {
    const { account } = await createAccount(db);
    await db.insert(prepaidBundles).values([
      { accountId: account.id, name: "Live", secondsIncluded: 60000, secondsUsed: 1230, price: 4900, purchasedAt: new Date("2026-11-02"), expiresAt: new Date("2027-11-02") },
      { accountId: account.id, name: "Expired", secondsIncluded: 6000, secondsUsed: 0, price: 900, purchasedAt: new Date("2025-01-01"), expiresAt: new Date("2026-01-01") },
    ]);
    const bundles = await getActiveBundles(db, account.id, NOW);
    expect(bundles.map((b) => [b.name, b.minutesIncluded, b.minutesLeft])).toEqual([["Live", 1000, 979]]);
  });

  it("sums this period's charges per category from rated usage, listing every category", async () => {
    const acme = await accountBySlug("acme");
    const usage = await getNotIncludedUsage(db, acme, PERIOD);
    const raw = await rows<{ category: string; amount: string; records: string }>(sql`
      select category, sum(amount)::text as amount, count(*)::text as records from usage_records
      where account_id = ${acme.id} and started_at >= ${PERIOD.start.toISOString()} and started_at < ${PERIOD.end.toISOString()}
        and category not in ('included', 'bundle')
      group by category`);
    expect(usage.map((u) => u.category)).toEqual(["outside_packages", "premium", "forwarded", "toll_free_inbound", "sms"]);
    for (const u of usage) {
      const match = raw.find((r) => r.category === u.category);
      expect([u.category, u.amount, u.records]).toEqual([u.category, Number(match?.amount ?? 0), Number(match?.records ?? 0)]);
    }
    expect(usage.reduce((s, u) => s + u.amount, 0)).toBeGreaterThan(0);
  });
});

describe("add-ons, details, payment method and numbers", () => {
  it("lists only active add-ons, with what each adds a month", async () => {
    const { account } = await createAccount(db);
    const catalogue = await db.select().from(addons).where(eq(addons.currency, "EUR"));
    const ci = catalogue.find((a) => a.code === "conversation-intelligence")!;
    const dialer = catalogue.find((a) => a.code === "power-dialer")!;
    await db.insert(accountAddons).values([
      { accountId: account.id, addonId: ci.id, quantity: 3, unitPrice: 1900, startedAt: new Date("2026-01-01") },
      { accountId: account.id, addonId: dialer.id, quantity: 2, unitPrice: 1500, startedAt: new Date("2026-01-01"), endedAt: new Date("2026-02-01") },
    ]);
    expect(await getActiveAddons(db, account.id, NOW)).toEqual([
      expect.objectContaining({ name: "Conversation Intelligence", quantity: 3, monthlyPrice: 1900, monthlyTotal: 5700 }),
    ]);
    expect(await getBillingDetails(db, account.id)).toBeNull();
    expect(await getPaymentMethod(db, account.id)).toBeNull();
  });

  it("returns numbers held at any time during the period", async () => {
    const { account } = await createAccount(db);
    const base = { accountId: account.id, country: "DE", type: "local" as const, monthlyPrice: 300 };
    await db.insert(phoneNumbers).values([
      { ...base, e164: "+4930111000001", acquiredAt: new Date("2025-01-01") },
      { ...base, e164: "+4930111000002", acquiredAt: new Date("2025-01-01"), releasedAt: new Date("2026-10-15") },
      { ...base, e164: "+4930111000003", acquiredAt: new Date("2025-01-01"), releasedAt: new Date("2026-11-10") },
      { ...base, e164: "+4930111000004", acquiredAt: new Date("2026-12-05") },
    ]);
    const numbers = await getNumbersInPeriod(db, account.id, PERIOD);
    expect(numbers.map((n) => n.e164).sort()).toEqual(["+4930111000001", "+4930111000003"]);
    const charges = await getNumberCharges(db, account.id, PERIOD);
    expect(charges.groups).toEqual([{ type: "local", monthlyPrice: 300, count: 1 }]);
    expect(charges.changed.map((n) => n.e164)).toEqual(["+4930111000003"]);
  });
});

describe("statement", () => {
  it("adds up Acme's period from the database, to the cent", async () => {
    const acme = await accountBySlug("acme");
    const statement = await getStatement(db, acme, NOW);
    const { summary } = statement!;
    const byKey = Object.fromEntries(summary.groups.map((g) => [g.key, g]));
    // Independent SQL for the parts that need no proration.
    const [expected] = await rows<{ seats: string; addons: string; packages: string }>(sql`
      select
        (select s.seats_purchased * p.seat_price from subscriptions s join plans p on p.id = s.plan_id where s.account_id = ${acme.id})::text as seats,
        (select sum(quantity * unit_price) from account_addons where account_id = ${acme.id} and ended_at is null)::text as addons,
        (select sum(quantity * unit_price) from account_packages where account_id = ${acme.id} and ended_at is null)::text as packages`);
    expect(byKey.subscription!.subtotal).toBe(Number(expected!.seats));
    expect(byKey.addons!.subtotal).toBe(Number(expected!.addons));
    const usage = await getNotIncludedUsage(db, acme, statement!.period);
    expect(byKey.calls!.subtotal).toBe(Number(expected!.packages) + usage.reduce((s, u) => s + u.amount, 0));
    expect(byKey.numbers!.lines.filter((l) => l.change).map((l) => l.change!.kind).sort()).toEqual(["added", "released"]);
    expect(summary.total).toBe(summary.groups.reduce((s, g) => s + g.subtotal, 0));
  });

  it("prorates add-ons started or ended within the period by day, and keeps an ended one for its days", async () => {
    const { account } = await createAccount(db);
    await subscribe(db, account.id, PERIOD);
    const catalogue = await db.select().from(addons).where(eq(addons.currency, "EUR"));
    const id = (code: string) => catalogue.find((a) => a.code === code)!.id;
    const change = new Date("2026-11-10T08:00:00Z");
    await db.insert(accountAddons).values([
      { accountId: account.id, addonId: id("conversation-intelligence"), quantity: 3, unitPrice: 1900, startedAt: new Date("2026-01-01") },
      // A change of quantity: one row ends when the next starts.
      { accountId: account.id, addonId: id("power-dialer"), quantity: 2, unitPrice: 1499, startedAt: new Date("2026-01-01"), endedAt: change },
      { accountId: account.id, addonId: id("power-dialer"), quantity: 5, unitPrice: 1499, startedAt: change },
      { accountId: account.id, addonId: id("smart-dialer"), quantity: 4, unitPrice: 3190, startedAt: new Date("2026-01-01"), endedAt: new Date("2026-10-15") },
    ]);
    const statement = await getStatement(db, account, NOW);
    const group = statement!.summary.groups.find((g) => g.key === "addons")!;
    expect(group.lines.map((l) => [l.item, l.quantity, l.change?.kind ?? null])).toEqual([
      ["Conversation Intelligence", 3, null],
      ["Power Dialer", 2, "removed"],
      ["Power Dialer", 5, "added"],
    ]);
    // Independent SQL: whole days from the period's start, each line rounded once, half away from zero.
    const [expected] = await rows<{ total: string }>(sql`
      with p as (select ${PERIOD.start.toISOString()}::timestamptz as s, ${PERIOD.end.toISOString()}::timestamptz as e),
      held as (
        select a.quantity * a.unit_price as monthly,
               a.started_at <= p.s and (a.ended_at is null or a.ended_at >= p.e) as whole,
               greatest(1, floor(extract(epoch from least(coalesce(a.ended_at, p.e), p.e) - p.s) / 86400)
                         - floor(extract(epoch from greatest(a.started_at, p.s) - p.s) / 86400)) as days,
               round(extract(epoch from p.e - p.s) / 86400) as period_days
        from account_addons a, p
        where a.account_id = ${account.id} and a.started_at < p.e and (a.ended_at is null or a.ended_at > p.s))
      select sum(case when whole then monthly else round(monthly * days / period_days) end)::text as total from held`);
    expect(group.subtotal).toBe(Number(expected!.total));
    expect(group.subtotal).not.toBe(3 * 1900 + 5 * 1499);
  });

  it("has no statement for an account without a plan", async () => {
    const { account } = await createAccount(db);
    expect(await getStatement(db, account, NOW)).toBeNull();
  });
});

describe("isolation", () => {
  it("never returns another tenant's rows", async () => {
    const acme = await accountBySlug("acme");
    const globex = await accountBySlug("globex");
    const [globexNumber] = await db.select().from(phoneNumbers).where(eq(phoneNumbers.accountId, globex.id)).limit(1);
    const acmeNumbers = await getNumbersInPeriod(db, acme.id, { start: new Date("2000-01-01"), end: new Date("2100-01-01") });
    expect(acmeNumbers.map((n) => n.e164)).not.toContain(globexNumber!.e164);
    const [acmeBalance] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, acme.id));
    expect((await getCreditOverview(db, acme.id)).balance).toBe(acmeBalance!.balance);
    expect((await getPaymentMethod(db, globex.id))!.type).toBe("paypal");
    expect((await getPaymentMethod(db, acme.id))!.type).toBe("card");
    expect((await getBillingDetails(db, acme.id))!.companyName).toBe("Acme GmbH");
    const globexUsers = (await db.select().from(users).where(eq(users.accountId, globex.id))).map((u) => u.id);
    const acmePackages = await getIncludedPackages(db, acme, NOW);
    for (const pkg of acmePackages) {
      for (const u of pkg.users) expect(globexUsers).not.toContain(u.userId);
    }
  });
});
