import { parse } from "csv-parse/sync";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { accountPackages, accounts, callingPackages, prepaidBundles, subscriptions, usageRecords, users } from "@/db/schema";
import { seedDemo } from "@/db/seed/demo";
import { postMovement } from "@/lib/credit/ledger";
import { creditMovementsCsv, exportParamsSchema } from "@/lib/exports/credit-movements";
import { resolveSpendExport, spendCsv } from "@/lib/exports/spend";
import { ingestUsage } from "@/lib/usage/ingest";
import { storedReasonText } from "@/lib/usage/reasons";
import {
  type BillingPeriod,
  getBillingPeriods,
  pickPeriod,
  getCharges,
  getPackageAdvice,
  getSpendBreakdown,
} from "@/lib/usage/spend";
import { SPEND_VIEWS, spendParamsSchema } from "@/lib/usage/spend-params";
import { addNumber, createAccount, createRateCard, subscribe } from "../support/fixtures";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";

let handle: TestDatabase;
let db: Database;
let rateCardId: string;
let germanyId: string;

const NOW = new Date("2026-11-27T12:00:00Z");
const PERIOD: BillingPeriod = { firstDay: "2026-11-01", endDay: "2026-12-01", current: true };

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 10 });
  db = handle.db;
  rateCardId = (await createRateCard(db)).id;
  const [pkg] = await db
    .insert(callingPackages)
    .values({ code: "spend-unl-de", name: "Unlimited Germany", currency: "EUR", scope: "domestic", unlimited: true, fairUseMinutesPerUser: 10, monthlyPrice: 500 })
    .returning();
  germanyId = pkg!.id;
});

afterAll(async () => {
  await handle?.close();
});

let numbers = 0;

/** A German tenant (Berlin time) on the test rates with Unlimited Germany (10 min fair use), an agent and €100. */
async function tenant() {
  const { account, admin } = await createAccount(db);
  await subscribe(db, account.id, { start: new Date("2026-10-31T23:00:00Z"), end: new Date("2026-11-30T23:00:00Z") });
  await db.update(subscriptions).set({ rateCardId }).where(eq(subscriptions.accountId, account.id));
  await db.insert(accountPackages).values({ accountId: account.id, packageId: germanyId, quantity: 2, unitPrice: 500, startedAt: new Date("2026-01-01T00:00:00Z") });
  const [agent] = await db.insert(users).values({ accountId: account.id, email: `agent@${account.slug}.test`, name: "Anna Agent", role: "agent" }).returning();
  await postMovement(db, account.id, { type: "top_up_manual", amount: 10_000_000, interactionId: `pi_${account.slug}`, description: "Opening", actor: "test" });
  const n = String(++numbers).padStart(6, "0");
  const office = (await addNumber(db, account.id, `+49301${n}`)).e164;
  const tollFree = (await addNumber(db, account.id, `+49800${n}`, { type: "toll_free" })).e164;
  const newYork = (await addNumber(db, account.id, `+1212555${n.slice(2)}`, { country: "US" })).e164;
  return { account, admin, agent: agent!, office, tollFree, newYork };
}
type Tenant = Awaited<ReturnType<typeof tenant>>;

let sequence = 0;
const at = (minutes: number) => new Date(Date.parse("2026-11-20T08:00:00Z") + minutes * 60_000).toISOString();
function call(t: Tenant, to: string, durationSeconds: number, extra: Record<string, unknown> = {}) {
  return { id: `spend-call-${++sequence}`, account: t.account.slug, kind: "call", direction: "outbound", from: t.office, to, startedAt: at(sequence), durationSeconds, forwarded: false, user: t.agent.email, ...extra };
}
function sms(t: Tenant, to: string, fragments: number, extra: Record<string, unknown> = {}) {
  return { id: `spend-sms-${++sequence}`, account: t.account.slug, kind: "sms", direction: "outbound", from: t.office, to, startedAt: at(sequence), fragments, user: t.agent.email, ...extra };
}

const ingest = (records: unknown[]) => ingestUsage(db, records, { now: NOW });

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** A mix of every kind of record, charged and not. */
async function mixedUsage(t: Tenant) {
  return ingest([
    call(t, "+4930123456", 120),
    call(t, "+4930123456", 600),
    call(t, "+33123456789", 95),
    call(t, "+12125550100", 3_000, { forwarded: true }),
    call(t, "+4990012345", 61),
    call(t, t.tollFree, 300, { direction: "inbound", from: "+33123456789" }),
    call(t, t.office, 300, { direction: "inbound", from: "+33123456789" }),
    call(t, "+4930123456", 70, { user: null }),
    call(t, "+81312345678", 45, { from: t.newYork }),
    sms(t, "+447700900123", 3),
    sms(t, "+4915112345678", 1, { user: null }),
  ]);
}

describe("why each charge was made", () => {
  it("stores a reason code and its parameters for every rating path, worded as the platform was answered", async () => {
    const t = await tenant();
    await db.insert(prepaidBundles).values({
      accountId: t.account.id,
      name: "World 100",
      secondsIncluded: 100,
      price: 500,
      purchasedAt: new Date("2026-11-01"),
      expiresAt: new Date("2026-12-31"),
    });
    const records = [
      call(t, "+33123456789", 90),
      call(t, "+4930123456", 120),
      call(t, "+4930123456", 600),
      call(t, "+4930123456", 60, { user: null }),
      call(t, "+4930123456", 60, { from: t.newYork }),
      call(t, "+33123456789", 125, { forwarded: true }),
      call(t, "+4990012345", 30),
      call(t, t.tollFree, 200, { direction: "inbound", from: "+33123456789" }),
      call(t, t.office, 200, { direction: "inbound", from: "+33123456789" }),
      sms(t, "+447700900123", 2),
      sms(t, t.office, 1, { direction: "inbound", from: "+447700900123" }),
      call(t, "+12125550100", 30),
    ];
    const results = await ingest(records);
    expect(results.map((r) => r.status)).toEqual(records.map(() => "rated"));
    const stored = await db
      .select({ id: usageRecords.externalId, category: usageRecords.category, code: usageRecords.ratingReason, params: usageRecords.ratingReasonParams })
      .from(usageRecords)
      .where(eq(usageRecords.accountId, t.account.id));
    const byId = new Map(stored.map((s) => [s.id, s]));
    expect(records.map((r) => byId.get(r.id)?.code)).toEqual([
      "from_bundle", // 90 s of the bundle's 100
      "included_in_package",
      "beyond_package_minutes", // 8 of 10 fair-use minutes left
      "no_user_for_package",
      "outside_package_region",
      "forwarded_leg",
      "premium_destination",
      "toll_free_inbound",
      "inbound_free",
      "sms_charged",
      "inbound_sms_free",
      "not_in_package", // the bundle used up: from credit
    ]);
    expect(byId.get(records[0]!.id)).toMatchObject({ category: "bundle", params: { bundles: [{ name: "World 100", seconds: 90 }], creditSeconds: 0 } });
    expect(byId.get(records[2]!.id)!.params).toEqual({
      destination: "DE fixed",
      allowance: { package: "Unlimited Germany", limit: "fair_use", minutesPerUser: 10, coveredSeconds: 480 },
      // The bundle's last 10 s go before credit.
      bundles: [{ name: "World 100", seconds: 10 }],
      creditSeconds: 110,
    });
    expect(byId.get(records[4]!.id)!.params).toMatchObject({ outsideRegionOf: ["Unlimited Germany"] });
    expect(byId.get(records[5]!.id)!.params).toEqual({ destination: "FR fixed", billedSeconds: 125 });
    // The stored reason, put into words, is what the platform was told.
    records.forEach((record, i) => {
      const row = byId.get(record.id)!;
      expect(storedReasonText(row.code, row.params), record.id).toBe(results[i]!.reason);
    });
    expect(results[5]!.reason).toBe("forwarded leg to FR fixed: always charged from credit, 125 s billed");
    expect(results[2]!.reason).toBe(
      "8:00 included in Unlimited Germany, the rest beyond its fair-use limit of 10 min per user per month; 10 s from World 100; 110 s charged from credit to DE fixed",
    );

    // A replay is answered with the stored reason.
    const replay = await ingest([records[5]]);
    expect(replay[0]).toMatchObject({ status: "duplicate", reason: `already rated: ${results[5]!.reason}` });
  });

  it("words a record rated before reasons were kept by its category", async () => {
    const t = await tenant();
    await db.insert(usageRecords).values({
      accountId: t.account.id,
      externalId: "legacy-1",
      kind: "call",
      direction: "outbound",
      fromNumber: t.office,
      toNumber: "+33123456789",
      startedAt: new Date(at(1)),
      durationSeconds: 60,
      category: "outside_packages",
      amount: 2,
      ratingReasonParams: { category: "outside_packages" },
    });
    const [row] = await db.select().from(usageRecords).where(eq(usageRecords.externalId, "legacy-1"));
    expect(row!.ratingReason).toBe("unrecorded");
    expect(storedReasonText(row!.ratingReason, row!.ratingReasonParams)).toBe("rated before reasons were kept (outside packages)");
    expect(storedReasonText("no_such_code", {})).toBe("reason not known (no_such_code)");
  });

  it("writes the reason of each usage charge in the credit movements CSV", async () => {
    const t = await tenant();
    const results = await mixedUsage(t);
    const text = await new Response(
      creditMovementsCsv(db, t.account, exportParamsSchema.parse({ from: "2026-11-01", to: "2026-11-30" })),
    ).text();
    const [header, ...lines] = parse(text) as string[][];
    expect(header!.at(-1)).toBe("reason");
    const reasons = new Map(lines.map((line) => [line[2], line.at(-1)]));
    expect(reasons.get(`pi_${t.account.slug}`), "a top-up has no reason").toBe("");
    const charged = results.filter((r) => r.amount !== "0.00");
    expect(charged.length).toBeGreaterThan(5);
    for (const result of charged) expect(reasons.get(result.id!), result.id!).toBe(result.reason);
  });
});

describe("the spend breakdown", () => {
  it("adds up, in every view, to what the ledger charged for usage in the period, to the minor unit", async () => {
    const t = await tenant();
    const other = await tenant();
    await mixedUsage(t);
    await mixedUsage(other);
    // A second user, so the user view has more than one row.
    const [second] = await db.insert(users).values({ accountId: t.account.id, email: `bo@${t.account.slug}.test`, name: "Bo", role: "agent" }).returning();
    await ingest([call(t, "+33123456789", 400, { user: second!.email }), sms(t, "+447700900123", 2, { user: second!.email })]);

    const [ledger] = await rows<{ charged: string; usage: number }>(sql`
      select (-coalesce(sum(amount), 0))::text as charged,
        (select count(*)::int from usage_records where account_id = ${t.account.id}
          and started_at >= '2026-10-31T23:00:00Z' and started_at < '2026-11-30T23:00:00Z') as usage
      from credit_movements
      where account_id = ${t.account.id} and type in ('call', 'sms', 'forwarded_leg', 'toll_free_inbound')
        and occurred_at >= '2026-10-31T23:00:00Z' and occurred_at < '2026-11-30T23:00:00Z'`);
    expect(Number(ledger!.charged)).toBeGreaterThan(0);
    for (const view of SPEND_VIEWS) {
      const breakdown = await getSpendBreakdown(db, t.account, view, PERIOD, "amount");
      expect(breakdown.total.amount, view).toBe(Number(ledger!.charged));
      expect(breakdown.rows.reduce((s, r) => s + r.amount, 0), view).toBe(Number(ledger!.charged));
      expect(breakdown.rows.reduce((s, r) => s + r.records, 0), view).toBe(ledger!.usage);
      expect(breakdown.rows.reduce((s, r) => s + r.shareBasisPoints, 0), view).toBeGreaterThanOrEqual(9_990);
    }
    // Per user, against the ledger's movements by the user who made them.
    const perUser = await rows<{ user: string | null; charged: string }>(sql`
      select actor_user_id::text as user, (-sum(amount))::text as charged from credit_movements
      where account_id = ${t.account.id} and type in ('call', 'sms', 'forwarded_leg', 'toll_free_inbound')
      group by actor_user_id`);
    const byUser = await getSpendBreakdown(db, t.account, "user", PERIOD, "name");
    for (const { user, charged } of perUser) {
      expect(byUser.rows.find((r) => r.key === (user ?? ""))?.amount, user ?? "no user").toBe(Number(charged));
    }
    expect(byUser.rows.map((r) => r.name)).toEqual(["Anna Agent", "Bo", "No user"]);
  });

  it.each<[string, string, string]>([
    ["a whole month", "2026-11-01", "2026-12-01"],
    ["days only, within a month", "2026-11-20", "2026-11-21"],
    ["a whole month and days on either side", "2026-10-20", "2026-12-05"],
    ["from mid-month over a month end", "2026-11-21", "2026-12-05"],
  ])("sums %s from the monthly and daily rollups as the records do", async (_name, firstDay, endDay) => {
    const t = await tenant();
    await mixedUsage(t);
    await ingest([call(t, "+33123456789", 400, { startedAt: "2026-11-20T22:59:00Z" }), call(t, "+33123456789", 400, { startedAt: "2026-11-20T23:01:00Z" })]);
    const [expected] = await rows<{ amount: string; records: number }>(sql`
      select coalesce(sum(amount), 0)::text as amount, count(*)::int as records from usage_records
      where account_id = ${t.account.id}
        and (started_at at time zone 'Europe/Berlin')::date >= ${firstDay}::date
        and (started_at at time zone 'Europe/Berlin')::date < ${endDay}::date`);
    for (const view of SPEND_VIEWS) {
      const { total } = await getSpendBreakdown(db, t.account, view, { firstDay, endDay, current: false }, "amount");
      expect([view, total.amount, total.records]).toEqual([view, Number(expected!.amount), expected!.records]);
    }
  });

  it("sorts by amount, by minutes and by name", async () => {
    const t = await tenant();
    await mixedUsage(t);
    const byAmount = await getSpendBreakdown(db, t.account, "country", PERIOD, "amount");
    expect(byAmount.rows.map((r) => r.amount)).toEqual([...byAmount.rows.map((r) => r.amount)].sort((a, b) => b - a));
    const byMinutes = await getSpendBreakdown(db, t.account, "country", PERIOD, "minutes");
    expect(byMinutes.rows[0]!.key, "the forwarded 50 minutes to the US").toBe("US");
    const byName = await getSpendBreakdown(db, t.account, "country", PERIOD, "name");
    // The free inbound call has no destination.
    expect(byName.rows.map((r) => r.name)).toEqual(["France", "Germany", "Japan", "No destination", "United Kingdom", "United States"]);
  });

  it("pages a row's charges by (started_at, id), never repeating or skipping one while records keep arriving", async () => {
    const t = await tenant();
    // 120 calls, several sharing a start time.
    const original = Array.from({ length: 120 }, (_, i) => ({ ...call(t, "+33123456789", 30 + i), startedAt: at(1_000 + Math.floor(i / 3)) }));
    await ingest(original);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await getCharges(db, t.account, "user", t.agent.id, PERIOD, after, 25);
      seen.push(...page.charges.map((c) => c.externalId));
      after = page.next;
      pages++;
      // Meanwhile: newer calls, older calls, and calls at the very time of the page's last one.
      const last = page.charges.at(-1)!;
      await ingest([
        call(t, "+33123456789", 10, { startedAt: at(5_000 + pages) }),
        call(t, "+33123456789", 10, { startedAt: at(1 + pages) }),
        call(t, "+33123456789", 10, { startedAt: last.startedAt.toISOString() }),
      ]);
    } while (after !== null);
    expect(new Set(seen).size, "no charge twice").toBe(seen.length);
    for (const record of original) expect(seen, record.id).toContain(record.id);
    expect(pages).toBeGreaterThanOrEqual(5);
    // Newest first.
    const first = await getCharges(db, t.account, "user", t.agent.id, PERIOD, null, 200);
    const times = first.charges.map((c) => c.startedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("keeps a drill-down within its period whatever the cursor says", async () => {
    const t = await tenant();
    await ingest([call(t, "+33123456789", 60)]);
    // December's call is not November's, even behind a cursor from the future.
    await ingestUsage(db, [call(t, "+33123456789", 60, { startedAt: "2026-12-10T10:00:00Z" })], { now: new Date("2026-12-11T00:00:00Z") });
    const future = `${Date.parse("2027-06-01T00:00:00Z") * 1000}~ffffffff-ffff-4fff-bfff-ffffffffffff`;
    const page = await getCharges(db, t.account, "user", t.agent.id, PERIOD, future);
    expect(page.charges.map((c) => c.startedAt.toISOString().slice(0, 7))).toEqual(["2026-11"]);
  });

  it("drills into a number, a destination and a category, with each charge's reason", async () => {
    const t = await tenant();
    const results = await mixedUsage(t);
    const byNumber = await getCharges(db, t.account, "number", t.tollFree, PERIOD, null);
    expect(byNumber.charges).toHaveLength(1);
    expect(byNumber.charges[0]).toMatchObject({ direction: "inbound", to: t.tollFree, reason: results[5]!.reason });
    const us = await getCharges(db, t.account, "country", "US", PERIOD, null);
    expect(us.charges.map((c) => c.reason)).toEqual([results[3]!.reason]);
    const sms = await getCharges(db, t.account, "category", "sms", PERIOD, null);
    expect(sms.charges.map((c) => c.fragments).sort()).toEqual([1, 3]);
    const noUser = await getCharges(db, t.account, "user", "", PERIOD, null);
    expect(noUser.charges).toHaveLength(2);
  });

  it("never shows another tenant's usage", async () => {
    const a = await tenant();
    const b = await tenant();
    await mixedUsage(a);
    await mixedUsage(b);
    expect(await getCharges(db, b.account, "user", a.agent.id, PERIOD, null)).toEqual({ charges: [], next: null });
    expect((await getCharges(db, b.account, "number", a.office, PERIOD, null)).charges).toEqual([]);
    const bByCountry = await getCharges(db, b.account, "country", "FR", PERIOD, null);
    const bIds = await rows<{ id: string }>(sql`select id::text from usage_records where account_id = ${b.account.id}`);
    for (const c of bByCountry.charges) expect(bIds.map((r) => r.id)).toContain(c.id);
    const byUser = await getSpendBreakdown(db, b.account, "user", PERIOD, "amount");
    expect(byUser.rows.map((r) => r.key)).not.toContain(a.agent.id);
    const byNumber = await getSpendBreakdown(db, b.account, "number", PERIOD, "amount");
    expect(byNumber.rows.map((r) => r.key)).not.toContain(a.office);
  });

  it("exports the breakdown and a row's charges as CSV with the same figures", async () => {
    const t = await tenant();
    const results = await mixedUsage(t);
    const csv = async (query: Record<string, string>) => {
      const target = await resolveSpendExport(db, t.account, spendParamsSchema.parse(query));
      if (!target.ok) throw new Error(target.failure.message);
      return parse(await new Response(spendCsv(db, t.account, target.value)).text()) as string[][];
    };
    const [header, ...countries] = await csv({ by: "country" });
    expect(header).toEqual(["country", "name", "detail", "records", "call_seconds", "sms_fragments", "amount", "currency", "share_percent"]);
    const breakdown = await getSpendBreakdown(db, t.account, "country", PERIOD, "amount");
    expect(countries.map((r) => [r[0], r[6]])).toEqual(breakdown.rows.map((r) => [r.key, (r.amount / 100).toFixed(2)]));
    const [chargeHeader, ...charges] = await csv({ by: "country", row: "US" });
    expect([chargeHeader![0], chargeHeader!.at(-1)]).toEqual(["started_at (Europe/Berlin)", "reason"]);
    expect(charges.map((c) => c.at(-1))).toEqual([results[3]!.reason]);
    // Its start in Berlin time (winter: UTC+1), as Postgres writes it.
    const [started] = await rows<{ local: string }>(sql`
      select to_char(started_at at time zone 'Europe/Berlin', 'YYYY-MM-DD"T"HH24:MI:SS') || '+01:00' as local
      from usage_records where account_id = ${t.account.id} and external_id = ${results[3]!.id}`);
    expect(charges[0]![0]).toBe(started!.local);
    const bad = await resolveSpendExport(db, t.account, spendParamsSchema.parse({ by: "user", row: "not-a-user" }));
    expect(bad).toMatchObject({ ok: false, failure: { kind: "invalid", message: "row does not name a user." } });
    const noPeriod = await resolveSpendExport(db, t.account, spendParamsSchema.parse({ period: "2020-01-01" }));
    expect(noPeriod).toMatchObject({ ok: false, failure: { message: "There is no billing period starting on 2020-01-01." } });
  });
});

describe("package-fit advice", () => {
  it("prices the last 30 days of calls from credit against a package the plan allows and the account lacks", async () => {
    const t = await tenant();
    await db.insert(callingPackages).values({
      code: `europe-${t.account.slug}`,
      name: `Europe ${t.account.slug}`,
      currency: "EUR",
      scope: "international",
      coveredCountries: ["DE", "FR"],
      unlimited: true,
      fairUseMinutesPerUser: 3_000,
      monthlyPrice: 900,
    });
    // Four calls of 20,000 s to France at 0.014 a minute: 466.67 -> 467 cents each, 1,868 in all.
    await ingest([1, 2, 3, 4].map(() => call(t, "+33123456789", 20_000)));
    // Bought for every seat: on 5 seats it is 5 × €9 = €45, more than the €18.68 of calls.
    expect(await getPackageAdvice(db, t.account, NOW)).toBeNull();
    await db.update(subscriptions).set({ seatsPurchased: 1 }).where(eq(subscriptions.accountId, t.account.id));
    const advice = await getPackageAdvice(db, t.account, NOW);
    expect(advice).toMatchObject({
      package: { name: `Europe ${t.account.slug}` },
      countries: ["FR"],
      users: 1,
      creditSpend: 1_868,
      seats: 1,
      packageCost: 900,
      savings: 968,
    });
  });

  it("says nothing when no package would cost less", async () => {
    const t = await tenant();
    await mixedUsage(t);
    expect(await getPackageAdvice(db, t.account, NOW)).toBeNull();
  });
});

// Last: the demo seed adds its catalogue, which the advice above must not see.
describe("billing periods", () => {
  it("lists the current period and the closed ones, newest first", async () => {
    const t = await tenant();
    expect(await getBillingPeriods(db, t.account)).toEqual([{ firstDay: "2026-11-01", endDay: "2026-12-01", current: true }]);
    await seedDemo(db, NOW);
    const [acme] = await db.select().from(accounts).where(eq(accounts.slug, "acme"));
    const periods = await getBillingPeriods(db, acme!);
    expect(periods[0]).toMatchObject({ current: true });
    expect(periods.length, "a year of closed periods").toBeGreaterThanOrEqual(12);
    periods.slice(1).forEach((p, i) => {
      expect(p.current).toBe(false);
      expect(p.endDay, "each period ends where the next one starts").toBe(periods[i]!.firstDay);
    });
    // The list shows the last few closed periods; an older one named is found all the same.
    const oldest = periods.at(-1)!;
    expect(await getBillingPeriods(db, acme!, undefined, 3), "beyond a list of three").not.toContainEqual(oldest);
    expect(await getBillingPeriods(db, acme!, oldest.firstDay, 3)).toContainEqual(oldest);
    expect(pickPeriod(await getBillingPeriods(db, acme!, "2001-01-01"), "2001-01-01"), "no such period").toBeNull();
  });
});
