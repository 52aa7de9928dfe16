import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  accountPackages,
  autoTopUpSettings,
  callingPackages,
  creditBalances,
  creditMovements,
  prepaidBundles,
  subscriptions,
  topUpAttempts,
  usageRecords,
  users,
} from "@/db/schema";
import { getIncludedPackages, getNotIncludedUsage } from "@/lib/usage/queries";
import { postMovement } from "@/lib/credit/ledger";
import { ingestUsage, type UsageResult } from "@/lib/usage/ingest";
import { type Authorization, authorizeCall } from "@/lib/usage/authorize";
import type { Result } from "@/lib/result";
import { seedCatalog } from "@/db/seed/catalog";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addNumber, createAccount, createRateCard, subscribe } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;
let rateCardId: string;
let packageId: string;

const NOW = new Date("2026-11-27T12:00:00Z");
const AT = "2026-11-26T10:00:00Z";

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 10 });
  db = handle.db;
  rateCardId = (await createRateCard(db)).id;
  const [pkg] = await db
    .insert(callingPackages)
    .values({ code: "unl-de", name: "Unlimited Germany", currency: "EUR", scope: "domestic", unlimited: true, fairUseMinutesPerUser: 10, monthlyPrice: 900 })
    .returning();
  packageId = pkg!.id;
});

afterAll(async () => {
  await handle?.close();
});

let numberSequence = 0;

/**
 * A German tenant on the test rates, with the domestic package, an agent, an opening
 * balance, and two numbers of its own: an office line and a toll-free hotline.
 */
async function tenant(opening = 10_000) {
  const { account, admin } = await createAccount(db);
  await subscribe(db, account.id, { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") });
  await db.update(subscriptions).set({ rateCardId }).where(eq(subscriptions.accountId, account.id));
  await db.insert(accountPackages).values({ accountId: account.id, packageId, quantity: 2, unitPrice: 900, startedAt: new Date("2026-01-01T00:00:00Z") });
  const [agent] = await db
    .insert(users)
    .values({ accountId: account.id, email: `agent@${account.slug}.test`, name: "Agent", role: "agent" })
    .returning();
  if (opening) {
    await postMovement(db, account.id, { type: "top_up_manual", amount: opening, interactionId: `pi_open_${account.slug}`, description: "Opening", actor: "test" });
  }
  const n = String(++numberSequence).padStart(6, "0");
  const office = (await addNumber(db, account.id, `+49302${n}`)).e164;
  const tollFree = (await addNumber(db, account.id, `+49800${n}`, { type: "toll_free" })).e164;
  return { account, admin, agent: agent!, office, tollFree };
}

type Tenant = Awaited<ReturnType<typeof tenant>>;

let sequence = 0;
function callRecord(t: Tenant, to: string, durationSeconds: number, extra: Record<string, unknown> = {}) {
  return {
    id: `call-${++sequence}`,
    account: t.account.slug,
    kind: "call",
    direction: "outbound",
    from: t.office,
    to,
    startedAt: AT,
    durationSeconds,
    forwarded: false,
    user: t.agent.email,
    ...extra,
  };
}
function smsRecord(t: Tenant, to: string, fragments: number, extra: Record<string, unknown> = {}) {
  return { id: `sms-${++sequence}`, account: t.account.slug, kind: "sms", direction: "outbound", from: t.office, to, startedAt: AT, fragments, user: t.agent.email, ...extra };
}
/** A call from outside to one of the account's numbers. */
function inboundCall(t: Tenant, to: string, durationSeconds: number, extra: Record<string, unknown> = {}) {
  return callRecord(t, to, durationSeconds, { direction: "inbound", from: "+33123456789", ...extra });
}

async function balanceOf(accountId: string) {
  const [row] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, accountId));
  return row?.balance ?? 0;
}

async function counts(accountId: string) {
  const [row] = (
    (await db.execute(sql`select
      (select count(*)::int from usage_records where account_id = ${accountId}) as usage,
      (select count(*)::int from credit_movements where account_id = ${accountId}) as movements,
      (select balance from credit_balances where account_id = ${accountId})::bigint as balance`)) as unknown as {
      rows: { usage: number; movements: number; balance: string }[];
    }
  ).rows;
  return row!;
}

const ingest = (records: unknown[]) => ingestUsage(db, records, { now: NOW });

describe("usage ingestion", () => {
  it("rates a batch, debits the ledger once per charged record and answers what each cost and why", async () => {
    const t = await tenant();
    const batch = [
      callRecord(t, "+4930123456", 125), // domestic: included
      callRecord(t, "+81312345678", 125), // Japan at 0.06/min: 12.5 -> 13 cents
      callRecord(t, "+4990012345", 60), // premium: 99 cents
      callRecord(t, "+4930123456", 61, { forwarded: true }), // forwarded: 1.22 -> 1 cent
      inboundCall(t, t.tollFree, 30), // toll-free inbound, first minute: 6 cents
      inboundCall(t, t.office, 300), // inbound: free
      smsRecord(t, "+447700900123", 2), // 2 fragments at 0.04: 8 cents
    ];
    const results = await ingest(batch);
    expect(results.map((r) => [r.status, r.amount, r.category])).toEqual([
      ["rated", "0.00", "included"],
      ["rated", "0.13", "outside_packages"],
      ["rated", "0.99", "premium"],
      ["rated", "0.01", "forwarded"],
      ["rated", "0.06", "toll_free_inbound"],
      ["rated", "0.00", "included"],
      ["rated", "0.08", "sms"],
    ]);
    expect(results[0]).toMatchObject({ id: batch[0]!.id, currency: "EUR", covered: "Unlimited Germany", reason: "included in Unlimited Germany" });
    expect(results[2]!.reason).toContain("premium destination");

    expect(await balanceOf(t.account.id)).toBe(10_000 - (13 + 99 + 1 + 6 + 8));
    const movements = await db.select().from(creditMovements).where(eq(creditMovements.accountId, t.account.id));
    const charged = movements.filter((m) => m.type !== "top_up_manual");
    expect(charged.map((m) => [m.interactionId, m.type, m.amount, m.unitType]).sort()).toEqual(
      [
        [batch[1]!.id, "call", -13, "seconds"],
        [batch[2]!.id, "call", -99, "seconds"],
        [batch[3]!.id, "forwarded_leg", -1, "seconds"],
        [batch[4]!.id, "toll_free_inbound", -6, "seconds"],
        [batch[6]!.id, "sms", -8, "fragments"],
      ].sort(),
    );
    expect(charged.every((m) => m.actorUserId === t.agent.id)).toBe(true);
    const stored = await db.select().from(usageRecords).where(eq(usageRecords.accountId, t.account.id));
    expect(stored).toHaveLength(7);
    // Each charged record points at its movement, and their amounts agree.
    for (const record of stored.filter((r) => r.amount > 0)) {
      expect(movements.find((m) => m.id === record.movementId)?.amount).toBe(-record.amount);
    }
  });

  it("feeds the page: not-included amounts per category and the fair-use minutes per user", async () => {
    const t = await tenant();
    await ingest([
      callRecord(t, "+4930123456", 240),
      callRecord(t, "+81312345678", 60),
      callRecord(t, "+81312345678", 60),
      smsRecord(t, "+447700900123", 1),
    ]);
    const period = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
    const totals = await getNotIncludedUsage(db, { id: t.account.id, timeZone: "Europe/Berlin" }, period);
    expect(totals.find((c) => c.category === "outside_packages")).toMatchObject({ records: 2, seconds: 120, amount: 12 });
    expect(totals.find((c) => c.category === "sms")).toMatchObject({ records: 1, fragments: 1, amount: 4 });
    const packages = await getIncludedPackages(db, { id: t.account.id, country: "DE", timeZone: "Europe/Berlin" }, NOW);
    expect(packages[0]).toMatchObject({ name: "Unlimited Germany", minutesPerUser: 10 });
    expect(packages[0]!.users).toEqual([expect.objectContaining({ userId: t.agent.id, minutes: 4 })]);
  });

  it("charges what goes beyond the fair-use limit, across batches", async () => {
    const t = await tenant();
    const [first] = await ingest([callRecord(t, "+4930123456", 9 * 60)]);
    expect(first).toMatchObject({ amount: "0.00", category: "included" });
    // One minute left: 60 s included, 240 s at 0.012 per minute = 4.8 -> 5 cents.
    const [second] = await ingest([callRecord(t, "+4930123456", 300)]);
    expect(second).toMatchObject({ amount: "0.05", category: "outside_packages" });
    expect(second!.reason).toContain("fair-use limit");
    const [third] = await ingest([callRecord(t, "+4930123456", 30)]);
    expect(third).toMatchObject({ amount: "0.01", category: "outside_packages" });
    expect(await balanceOf(t.account.id)).toBe(10_000 - 6);
  });

  it("takes prepaid bundles before credit and records what is left", async () => {
    const t = await tenant();
    const [bundle] = await db
      .insert(prepaidBundles)
      .values({ accountId: t.account.id, name: "World 100", secondsIncluded: 100, price: 500, purchasedAt: new Date("2026-11-01"), expiresAt: new Date("2026-12-31") })
      .returning();
    const results = await ingest([callRecord(t, "+81312345678", 90), callRecord(t, "+81312345678", 70)]);
    expect(results.map((r) => [r.category, r.amount])).toEqual([
      ["bundle", "0.00"],
      // 10 s left in the bundle, 60 s at 0.06 per minute from credit.
      ["outside_packages", "0.06"],
    ]);
    const [after] = await db.select().from(prepaidBundles).where(eq(prepaidBundles.id, bundle!.id));
    expect(after!.secondsUsed).toBe(100);
    expect(await balanceOf(t.account.id)).toBe(10_000 - 6);
  });

  it("rates a replayed batch once: the replay answers duplicate with the first amounts and charges nothing", async () => {
    const t = await tenant();
    const batch = [callRecord(t, "+81312345678", 125), smsRecord(t, "+447700900123", 1), callRecord(t, "+4930123456", 60)];
    const first = await ingest(batch);
    const before = await counts(t.account.id);
    const replay = await ingest(batch);
    expect(replay.map((r) => r.status)).toEqual(["duplicate", "duplicate", "duplicate"]);
    expect(replay.map((r) => r.amount)).toEqual(first.map((r) => r.amount));
    expect(await counts(t.account.id)).toEqual(before);
    // The same id twice in one batch: the second is a duplicate of the first.
    const twice = callRecord(t, "+81312345678", 60);
    const inOne = await ingest([twice, { ...twice, durationSeconds: 999 }]);
    expect(inOne.map((r) => [r.status, r.amount])).toEqual([
      ["rated", "0.06"],
      ["duplicate", "0.06"],
    ]);
  });

  it("keys a platform id per account: a batch replaying one account's record rates another account's first use of the same id", async () => {
    const [a, b] = [await tenant(), await tenant()];
    const first = callRecord(a, "+81312345678", 60, { id: "shared-id" });
    await ingest([first]);
    const aBefore = await balanceOf(a.account.id);
    const mixed = await ingest([first, callRecord(b, "+81312345678", 60, { id: "shared-id" })]);
    expect(mixed.map((r) => r.status)).toEqual(["duplicate", "rated"]);
    expect(await balanceOf(a.account.id), "the replay is not charged").toBe(aBefore);
    expect(await balanceOf(b.account.id), "the other account's call is").toBe(10_000 - 6);
  });

  it("answers a record rated before as a duplicate even once it is too old to rate, or its user is gone", async () => {
    const t = await tenant();
    const record = callRecord(t, "+81312345678", 60);
    const [first] = await ingest([record]);
    const later = new Date(NOW.getTime() + 40 * 86_400_000);
    const [replay] = await ingestUsage(db, [record], { now: later });
    expect(replay).toMatchObject({ status: "duplicate", amount: first!.amount });
    const [unknownUser] = await ingest([{ ...record, user: "left-the-company@example.test" }]);
    expect(unknownUser).toMatchObject({ status: "duplicate", amount: first!.amount });
    // A new record that old is refused.
    const [old] = await ingestUsage(db, [callRecord(t, "+81312345678", 60)], { now: later });
    expect(old).toMatchObject({ status: "rejected" });
    expect(await balanceOf(t.account.id)).toBe(10_000 - 6);
  });

  it("answers covered with the package that included part of a call", async () => {
    const t = await tenant();
    await ingest([callRecord(t, "+4930123456", 9 * 60 + 30)]);
    const partlyRecord = callRecord(t, "+4930123456", 90);
    const [partly] = await ingest([partlyRecord]);
    expect(partly).toMatchObject({ category: "outside_packages", covered: "Unlimited Germany", amount: "0.01" });
    const beyondRecord = callRecord(t, "+4930123456", 90);
    const [beyond] = await ingest([beyondRecord]);
    expect(beyond).toMatchObject({ covered: null });
    // A replay answers the same.
    const [again, againBeyond] = await ingest([partlyRecord, beyondRecord]);
    expect(again).toMatchObject({ status: "duplicate", covered: "Unlimited Germany", amount: "0.01" });
    expect(againBeyond).toMatchObject({ status: "duplicate", covered: null });
  });

  it("rates each record once when concurrent batches for one account overlap", async () => {
    const t = await tenant(100_000);
    const records = Array.from({ length: 120 }, (_, i) =>
      i % 3 === 0 ? callRecord(t, "+4930123456", 60) : callRecord(t, "+81312345678", 61 + (i % 7)),
    );
    // Six batches, each record in two of them, sent at once.
    const batches = Array.from({ length: 6 }, (_, b) => records.filter((_, i) => i % 3 === b % 3));
    const answers = await Promise.all(batches.map((batch) => ingest(batch)));
    const rated = answers.flat().filter((r) => r.status === "rated");
    expect(new Set(rated.map((r) => r.id)).size).toBe(records.length);
    expect(rated).toHaveLength(records.length);
    expect(answers.flat().filter((r) => r.status === "duplicate")).toHaveLength(records.length);

    const movements = await db.select().from(creditMovements).where(eq(creditMovements.accountId, t.account.id));
    const sum = movements.reduce((s, m) => s + m.amount, 0);
    expect(await balanceOf(t.account.id)).toBe(sum);
    const charged = rated.reduce((s, r) => s + Math.round(Number(r.amount) * 100), 0);
    expect(sum).toBe(100_000 - charged);
    // Forty domestic minutes against a ten-minute fair-use limit: exactly ten were included.
    const included = await db.select().from(usageRecords).where(sql`${usageRecords.accountId} = ${t.account.id} and ${usageRecords.category} = 'included'`);
    expect(included).toHaveLength(10);
  });

  it("records exactly one automatic top-up when a batch crosses the threshold", async () => {
    const t = await tenant(1_000);
    await db.insert(autoTopUpSettings).values({ accountId: t.account.id, enabled: true, threshold: 500, amount: 2_000 });
    const enqueued: string[] = [];
    // 20 premium minutes of 99 cents each: the balance goes from 10.00 through 5.00 to below zero.
    const batch = Array.from({ length: 20 }, () => callRecord(t, "+4990012345", 60));
    await ingestUsage(db, batch, { now: NOW, onAutoTopUp: async (_tx, attempt) => void enqueued.push(attempt.id) });
    const attempts = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, t.account.id));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ kind: "auto", status: "pending", amount: 2_000 });
    expect(enqueued).toEqual([attempts[0]!.id]);
    expect(await balanceOf(t.account.id)).toBe(1_000 - 20 * 99);
    // Further debits below the threshold make no second attempt while one is in flight.
    await ingestUsage(db, [callRecord(t, "+4990012345", 60)], { now: NOW, onAutoTopUp: async (_tx, attempt) => void enqueued.push(attempt.id) });
    expect(await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, t.account.id))).toHaveLength(1);
    expect(enqueued).toHaveLength(1);
  });

  it("charges each account of a mixed batch only its own records", async () => {
    const a = await tenant();
    const b = await tenant();
    const results = await ingest([callRecord(a, "+81312345678", 60), callRecord(b, "+81312345678", 120), smsRecord(b, "+447700900123", 1)]);
    expect(results.map((r) => r.amount)).toEqual(["0.06", "0.12", "0.04"]);
    expect(await balanceOf(a.account.id)).toBe(10_000 - 6);
    expect(await balanceOf(b.account.id)).toBe(10_000 - 16);
    // A user of another tenant cannot be named on this tenant's record.
    const [foreign] = await ingest([callRecord(a, "+81312345678", 60, { user: b.agent.email })]);
    expect(foreign).toMatchObject({ status: "rejected", reason: `unknown user ${b.agent.email} in account ${a.account.slug}` });
  });

  describe("a record belongs to the account whose number it uses", () => {
    /** What a record could change: its usage row, the ledger, the bundle and the package minutes. */
    async function footprint(accountId: string) {
      const result = await db.execute(sql`select
        (select count(*)::int from usage_records where account_id = ${accountId}) as usage,
        (select count(*)::int from credit_movements where account_id = ${accountId}) as movements,
        (select balance::text from credit_balances where account_id = ${accountId}) as balance,
        (select coalesce(sum(seconds_used), 0)::int from prepaid_bundles where account_id = ${accountId}) as bundle_seconds,
        (select coalesce(sum(seconds), 0)::int from usage_user_monthly where account_id = ${accountId}) as package_seconds`);
      return (result as unknown as { rows: Record<string, unknown>[] }).rows[0]!;
    }

    /** Acme with a bundle it could spend, and Globex, whose numbers Acme's records name. */
    async function acmeAndGlobex() {
      const acme = await tenant();
      const globex = await tenant();
      await db.insert(prepaidBundles).values({ accountId: acme.account.id, name: "World 1000", secondsIncluded: 60_000, price: 500, purchasedAt: new Date("2026-11-01"), expiresAt: new Date("2026-12-31") });
      return { acme, globex };
    }

    it.each<[string, (acme: Tenant, globex: Tenant) => Record<string, unknown>, string]>([
      ["an outbound call from another account's number", (a, g) => callRecord(a, "+81312345678", 60, { from: g.office }), "from {globex.office} is not a number of account {acme} when the call started: an outbound call must come from one of the account's numbers"],
      ["a call into a package from another account's number", (a, g) => callRecord(a, "+4930123456", 60, { from: g.office }), "from {globex.office} is not a number of account {acme} when the call started: an outbound call must come from one of the account's numbers"],
      ["a premium call from another account's number", (a, g) => callRecord(a, "+4990012345", 60, { from: g.office }), "from {globex.office} is not a number of account {acme} when the call started: an outbound call must come from one of the account's numbers"],
      ["an inbound call to another account's toll-free number", (a, g) => inboundCall(a, g.tollFree, 60), "to {globex.tollFree} is not a number of account {acme} when the call started: an inbound call must go to one of the account's numbers"],
      ["an inbound call to another account's office line", (a, g) => inboundCall(a, g.office, 60), "to {globex.office} is not a number of account {acme} when the call started: an inbound call must go to one of the account's numbers"],
      ["an SMS from another account's number", (a, g) => smsRecord(a, "+447700900123", 2, { from: g.office }), "from {globex.office} is not a number of account {acme} when the SMS was sent: an outbound SMS must come from one of the account's numbers"],
      ["an inbound SMS to another account's number", (a, g) => smsRecord(a, g.office, 1, { direction: "inbound", from: "+447700900123" }), "to {globex.office} is not a number of account {acme} when the SMS was sent: an inbound SMS must go to one of the account's numbers"],
      ["a forwarded leg from another account's number", (a, g) => callRecord(a, "+4930123456", 60, { from: g.office, forwarded: true }), "from {globex.office} is not a number of account {acme} when the call started: a forwarded leg must come from one of the account's numbers"],
      ["an outbound call from a number nobody holds", (a) => callRecord(a, "+81312345678", 60, { from: "+4930999999" }), "from +4930999999 is not a number of account {acme} when the call started: an outbound call must come from one of the account's numbers"],
      ["an outbound call whose own number is only its destination", (a) => callRecord(a, a.office, 60, { from: "+4930999999" }), "from +4930999999 is not a number of account {acme} when the call started: an outbound call must come from one of the account's numbers"],
      ["an inbound call whose own number is only its caller", (a) => inboundCall(a, "+4930999999", 60, { from: a.office }), "to +4930999999 is not a number of account {acme} when the call started: an inbound call must go to one of the account's numbers"],
    ])("rejects %s and charges nothing", async (_name, make, reason) => {
      const { acme, globex } = await acmeAndGlobex();
      const before = [await footprint(acme.account.id), await footprint(globex.account.id)];
      const [result] = await ingest([make(acme, globex)]);
      expect(result).toMatchObject({ status: "rejected", amount: null, covered: null });
      const expected = reason
        .replace("{acme}", acme.account.slug)
        .replace("{globex.office}", globex.office)
        .replace("{globex.tollFree}", globex.tollFree);
      expect(result!.reason).toBe(expected);
      expect([await footprint(acme.account.id), await footprint(globex.account.id)]).toEqual(before);
    });

    it("takes the numbers the account held when the record started", async () => {
      const acme = await tenant();
      const globex = await tenant();
      // Globex used the line until Nov 20, Acme from then on; Acme's old line was released on Nov 25.
      const line = "+4930555000123";
      await addNumber(db, globex.account.id, line, { acquiredAt: new Date("2026-01-01T00:00:00Z"), releasedAt: new Date("2026-11-20T00:00:00Z") });
      await addNumber(db, acme.account.id, line, { acquiredAt: new Date("2026-11-20T00:00:00Z") });
      const old = "+4930555000124";
      await addNumber(db, acme.account.id, old, { acquiredAt: new Date("2026-01-01T00:00:00Z"), releasedAt: new Date("2026-11-25T00:00:00Z") });
      // Released the day the call ended: it was still Acme's when it started.
      const lastDay = "+4930555000125";
      await addNumber(db, acme.account.id, lastDay, { acquiredAt: new Date("2026-01-01T00:00:00Z"), releasedAt: new Date("2026-11-26T10:00:30Z") });
      const later = "+4930555000126";
      await addNumber(db, acme.account.id, later, { acquiredAt: new Date("2026-11-26T10:00:01Z") });

      const results = await ingest([
        callRecord(acme, "+81312345678", 60, { from: line }),
        callRecord(globex, "+81312345678", 60, { from: line }),
        callRecord(globex, "+81312345678", 60, { from: line, startedAt: "2026-11-10T10:00:00Z" }),
        callRecord(acme, "+81312345678", 60, { from: line, startedAt: "2026-11-10T10:00:00Z" }),
        callRecord(acme, "+81312345678", 60, { from: old }),
        callRecord(acme, "+81312345678", 60, { from: lastDay }),
        callRecord(acme, "+81312345678", 60, { from: later }),
      ]);
      expect(results.map((r) => r.status)).toEqual(["rated", "rejected", "rated", "rejected", "rejected", "rated", "rejected"]);
      expect(results[1]!.reason).toBe(`from ${line} is not a number of account ${globex.account.slug} when the call started: an outbound call must come from one of the account's numbers`);
      expect(await balanceOf(acme.account.id)).toBe(10_000 - 2 * 6);
      expect(await balanceOf(globex.account.id)).toBe(10_000 - 6);
    });

    it("rates the account's own records of a batch that also holds another account's", async () => {
      const { acme, globex } = await acmeAndGlobex();
      const results = await ingest([
        callRecord(acme, "+81312345678", 60),
        callRecord(acme, "+81312345678", 60, { from: globex.office }),
        inboundCall(acme, acme.tollFree, 60),
        inboundCall(acme, globex.tollFree, 60),
      ]);
      expect(results.map((r) => [r.status, r.amount])).toEqual([
        ["rated", "0.00"],
        ["rejected", null],
        ["rated", "0.06"],
        ["rejected", null],
      ]);
      // The first call came from the bundle; the toll-free minute from credit.
      expect(await footprint(acme.account.id)).toMatchObject({ usage: 2, bundle_seconds: 60, balance: String(10_000 - 6) });
    });
  });

  it("a package covers a call only when it is made from a number in the package's region", async () => {
    const t = await tenant();
    const [europe] = await db
      .insert(callingPackages)
      .values({ code: `europe-${t.account.slug}`, name: "Europe", currency: "EUR", scope: "international", coveredCountries: ["DE", "FR"], unlimited: true, fairUseMinutesPerUser: 100, monthlyPrice: 900 })
      .returning();
    await db.insert(accountPackages).values({ accountId: t.account.id, packageId: europe!.id, quantity: 2, unitPrice: 900, startedAt: new Date("2026-01-01T00:00:00Z") });
    const newYork = (await addNumber(db, t.account.id, `+1212555${String(numberSequence).padStart(4, "0")}`, { country: "US" })).e164;
    const results = await ingest([
      callRecord(t, "+33123456789", 120),
      callRecord(t, "+33123456789", 120, { from: newYork }),
      callRecord(t, "+4930123456", 120, { from: newYork }),
    ]);
    expect(results.map((r) => [r.status, r.category, r.covered, r.amount])).toEqual([
      ["rated", "included", "Europe", "0.00"],
      // 120 s at 0.014 per minute = 2.8 -> 3 cents; at 0.012 = 2.4 -> 2 cents.
      ["rated", "outside_packages", null, "0.03"],
      ["rated", "outside_packages", null, "0.02"],
    ]);
    expect(results[1]!.reason).toBe("from a number outside the Europe package's region; 120 s charged from credit to FR fixed");
    expect(results[2]!.reason).toBe("from a number outside the regions of the Europe and Unlimited Germany packages; 120 s charged from credit to DE fixed");
    // Only the call from the region counts against the package's minutes.
    const used = await db.execute(sql`select coalesce(sum(seconds), 0)::int as seconds from usage_user_monthly where account_id = ${t.account.id}`);
    expect((used as unknown as { rows: { seconds: number }[] }).rows[0]!.seconds).toBe(120);
    expect(await balanceOf(t.account.id)).toBe(10_000 - 5);
  });

  it("describes an SMS by its destination once, on the standard rate card", async () => {
    const catalog = await seedCatalog(db);
    const t = await tenant();
    await db.update(subscriptions).set({ rateCardId: catalog.rateCard.EUR! }).where(eq(subscriptions.accountId, t.account.id));
    const record = smsRecord(t, "+61412345678", 2);
    const [result] = await ingest([record]);
    // 2 fragments at 0.05 to Australia.
    expect(result).toMatchObject({ status: "rated", amount: "0.10", reason: "SMS to AU: 2 fragments charged" });
    const [movement] = await db.select().from(creditMovements).where(eq(creditMovements.interactionId, record.id));
    expect(movement!.description).toBe("SMS to AU, 2 fragments");
  });

  describe("bad records are rejected one by one with reasons, and nothing of them is written", () => {
    it.each<[string, (t: Tenant) => Record<string, unknown>, RegExp]>([
      ["negative duration", (t) => callRecord(t, "+81312345678", -5), /durationSeconds must not be negative/],
      ["fractional duration", (t) => callRecord(t, "+81312345678", 1.5), /durationSeconds must be a whole number/],
      ["a future start", (t) => callRecord(t, "+81312345678", 60, { startedAt: "2026-11-27T13:00:00Z" }), /in the future/],
      ["an ancient start", (t) => callRecord(t, "+81312345678", 60, { startedAt: "2026-09-01T10:00:00Z" }), /too old to rate/],
      ["a start without offset", (t) => callRecord(t, "+81312345678", 60, { startedAt: "2026-11-26 10:00" }), /startedAt must be an ISO 8601/],
      ["an unknown account", (t) => callRecord(t, "+81312345678", 60, { account: "nobody-here" }), /unknown account nobody-here/],
      ["an unknown user", (t) => callRecord(t, "+81312345678", 60, { user: "ghost@example.test" }), /unknown user/],
      ["a number that is not E.164", (t) => callRecord(t, "0301234567", 60), /to must be an E.164 number/],
      ["an unknown kind", (t) => ({ ...callRecord(t, "+81312345678", 60), kind: "fax" }), /kind must be call or sms/],
      ["an SMS without fragments", (t) => ({ ...smsRecord(t, "+447700900123", 1), fragments: undefined }), /fragments must be a whole number/],
      ["a destination without a rate", (t) => callRecord(t, "+8613812345678", 60), /no rate for destination/],
      ["a missing id", (t) => ({ ...callRecord(t, "+81312345678", 60), id: undefined }), /id /],
      ["an id with a NUL character", (t) => callRecord(t, "+81312345678", 60, { id: "x\u0000y" }), /id must be printable ASCII/],
      ["an id with a lone surrogate", (t) => callRecord(t, "+81312345678", 60, { id: "x\ud800" }), /id must be printable ASCII/],
      ["not an object", () => ({ toString: null }) as never, /.+/],
      ["an infinite duration", (t) => callRecord(t, "+81312345678", Infinity), /durationSeconds must be a whole number of seconds/],
      ["a NaN duration", (t) => callRecord(t, "+81312345678", NaN), /durationSeconds must be a whole number of seconds/],
      ["a duration given as a string", (t) => callRecord(t, "+81312345678", "60" as never), /durationSeconds must be a whole number of seconds/],
      ["fractional fragments", (t) => smsRecord(t, "+447700900123", 1.5), /fragments must be a whole number of fragments/],
      ["a slug with a Cyrillic look-alike letter", (t) => callRecord(t, "+81312345678", 60, { account: "\u0430cme" }), /account must be an account slug/],
      ["a slug with a Unicode hyphen", (t) => callRecord(t, "+81312345678", 60, { account: t.account.slug.replace("-", "\u2010") }), /account must be an account slug/],
      ["a slug in fullwidth letters", (t) => callRecord(t, "+81312345678", 60, { account: t.account.slug.replace(/^t/, "\uff54") }), /account must be an account slug/],
      ["a from number without +", (t) => callRecord(t, "+81312345678", 60, { from: t.office.slice(1) }), /from must be an E.164 number/],
      ["a to number without +", (t) => callRecord(t, "81312345678", 60), /to must be an E.164 number/],
    ])("%s", async (_name, make, reason) => {
      const t = await tenant();
      const before = await counts(t.account.id);
      const [result] = (await ingest([make(t)])) as [UsageResult];
      expect(result.status).toBe("rejected");
      expect(result.amount).toBeNull();
      expect(result.reason).toMatch(reason);
      expect(await counts(t.account.id)).toEqual(before);
    });

    it("accepts the valid records of a batch that also holds invalid ones", async () => {
      const t = await tenant();
      const results = await ingest([callRecord(t, "+81312345678", 60), callRecord(t, "+81312345678", -1), "nonsense", smsRecord(t, "+447700900123", 1)]);
      expect(results.map((r) => r.status)).toEqual(["rated", "rejected", "rejected", "rated"]);
      expect((await counts(t.account.id)).usage).toBe(2);
    });
  });
});

describe("call authorization", () => {
  /** The verdict for a known account; the unknown one is asked on its own below. */
  const verdict = async (answer: Promise<Result<Authorization>>) => {
    const result = await answer;
    if (!result.ok) throw new Error(`no verdict: ${result.failure.message}`);
    return result.value;
  };
  // Outbound calls and forwarded legs come from the account's office line; inbound ones from outside.
  const ask = (t: Tenant, direction: "outbound" | "inbound", to: string, forwarded = false) =>
    verdict(authorizeCall(db, { account: t.account.slug, direction, from: direction === "outbound" || forwarded ? t.office : "+33123456789", to, forwarded }));

  it("allows outbound calls above zero and blocks them at or below zero, saying why", async () => {
    const t = await tenant(1);
    expect(await ask(t, "outbound", "+81312345678")).toMatchObject({ allowed: true, reason: "balance €0.01 is above zero" });
    await postMovement(db, t.account.id, { type: "adjustment", amount: -1, description: "to zero", actor: "test" });
    const atZero = await ask(t, "outbound", "+81312345678");
    expect(atZero).toMatchObject({ allowed: false });
    expect((atZero as { reason: string }).reason).toBe("outbound calls need a balance above zero; the balance is €0.00: add credit or turn on auto top-up");
    expect(await ask(t, "outbound", "+4930123456", true)).toMatchObject({ allowed: false });
    await postMovement(db, t.account.id, { type: "adjustment", amount: -250, description: "below zero", actor: "test" });
    expect(await ask(t, "outbound", "+81312345678")).toMatchObject({ allowed: false, balance: -250 });
  });

  it("lets other inbound calls through at zero, but not inbound calls to toll-free numbers", async () => {
    const t = await tenant(0);
    expect(await ask(t, "inbound", t.office)).toMatchObject({ allowed: true, reason: "inbound calls are free" });
    const tollFree = await ask(t, "inbound", t.tollFree);
    expect(tollFree).toMatchObject({ allowed: false });
    expect((tollFree as { reason: string }).reason).toMatch(/^inbound calls to toll-free numbers need a balance above zero/);
  });

  it("never allows a call on a number the account does not hold now, whatever its balance", async () => {
    const acme = await tenant();
    const globex = await tenant();
    const released = (await addNumber(db, acme.account.id, "+4930555000201", { acquiredAt: new Date(Date.now() - 86_400_000 * 10), releasedAt: new Date(Date.now() - 60_000) })).e164;
    const tomorrow = (await addNumber(db, acme.account.id, "+4930555000202", { acquiredAt: new Date(Date.now() + 86_400_000) })).e164;
    const from = (number: string, forwarded = false) =>
      verdict(authorizeCall(db, { account: acme.account.slug, direction: "outbound", from: number, to: "+81312345678", forwarded }));
    const to = (number: string) =>
      verdict(authorizeCall(db, { account: acme.account.slug, direction: "inbound", from: "+33123456789", to: number, forwarded: false }));
    const outboundReason = (n: string) => `from ${n} is not a number of account ${acme.account.slug}: an outbound call must come from one of the account's numbers`;
    const inboundReason = (n: string) => `to ${n} is not a number of account ${acme.account.slug}: an inbound call must go to one of the account's numbers`;
    expect(await from(globex.office)).toMatchObject({ allowed: false, reason: outboundReason(globex.office), balance: 10_000 });
    expect(await from(globex.office, true)).toMatchObject({
      allowed: false,
      reason: `from ${globex.office} is not a number of account ${acme.account.slug}: a forwarded leg must come from one of the account's numbers`,
    });
    expect(await from(released)).toMatchObject({ allowed: false, reason: outboundReason(released) });
    expect(await from(tomorrow)).toMatchObject({ allowed: false, reason: outboundReason(tomorrow) });
    expect(await to(globex.tollFree)).toMatchObject({ allowed: false, reason: inboundReason(globex.tollFree) });
    expect(await to(globex.office)).toMatchObject({ allowed: false, reason: inboundReason(globex.office) });
    // Its own numbers, the other way round.
    expect(await from(acme.office)).toMatchObject({ allowed: true });
    expect(await to(acme.office)).toMatchObject({ allowed: true, reason: "inbound calls are free" });
  });

  it("blocks destinations without a rate and does not know other slugs", async () => {
    const t = await tenant();
    expect(await ask(t, "outbound", "+8613812345678")).toMatchObject({ allowed: false, reason: "no rate for destination +8613812345678" });
    expect(await authorizeCall(db, { account: "no-such-tenant", direction: "outbound", from: "+4930111111", to: "+4930123456", forwarded: false })).toEqual({
      ok: false,
      failure: { kind: "not_found", message: "unknown account no-such-tenant" },
    });
  });
});
