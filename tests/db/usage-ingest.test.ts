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
import { getIncludedPackages, getNotIncludedUsage } from "@/lib/billing/usage";
import { postMovement } from "@/lib/credit/ledger";
import { ingestUsage, type UsageResult } from "@/lib/usage/ingest";
import { authorizeCall } from "@/lib/usage/authorize";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount, createRateCard, subscribe } from "../support/fixtures";

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

/** A German tenant on the test rates, with the domestic package, an agent and an opening balance. */
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
  return { account, admin, agent: agent! };
}

type Tenant = Awaited<ReturnType<typeof tenant>>;

let sequence = 0;
function callRecord(t: Tenant, to: string, durationSeconds: number, extra: Record<string, unknown> = {}) {
  return {
    id: `call-${++sequence}`,
    account: t.account.slug,
    kind: "call",
    direction: "outbound",
    from: "+4930111111",
    to,
    startedAt: AT,
    durationSeconds,
    forwarded: false,
    user: t.agent.email,
    ...extra,
  };
}
function smsRecord(t: Tenant, to: string, fragments: number, extra: Record<string, unknown> = {}) {
  return { id: `sms-${++sequence}`, account: t.account.slug, kind: "sms", direction: "outbound", from: "+4930111111", to, startedAt: AT, fragments, user: t.agent.email, ...extra };
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
      callRecord(t, "+4980012345", 30, { direction: "inbound" }), // toll-free inbound, first minute: 6 cents
      callRecord(t, "+4930999999", 300, { direction: "inbound" }), // inbound: free
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
    await ingestUsage(db, batch, { now: NOW, onAutoTopUp: async (_tx, id) => void enqueued.push(id) });
    const attempts = await db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, t.account.id));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ kind: "auto", status: "pending", amount: 2_000 });
    expect(enqueued).toEqual([attempts[0]!.id]);
    expect(await balanceOf(t.account.id)).toBe(1_000 - 20 * 99);
    // Further debits below the threshold make no second attempt while one is in flight.
    await ingestUsage(db, [callRecord(t, "+4990012345", 60)], { now: NOW, onAutoTopUp: async (_tx, id) => void enqueued.push(id) });
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
  const ask = (t: Tenant, direction: "outbound" | "inbound", to: string, forwarded = false) =>
    authorizeCall(db, { account: t.account.slug, direction, from: "+4930111111", to, forwarded });

  it("allows outbound calls above zero and blocks them at or below zero, saying why", async () => {
    const t = await tenant(1);
    expect(await ask(t, "outbound", "+81312345678")).toMatchObject({ found: true, allowed: true, reason: "balance €0.01 is above zero" });
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
    expect(await ask(t, "inbound", "+4930123456")).toMatchObject({ allowed: true, reason: "inbound calls are free" });
    const tollFree = await ask(t, "inbound", "+4980012345");
    expect(tollFree).toMatchObject({ allowed: false });
    expect((tollFree as { reason: string }).reason).toMatch(/^inbound calls to toll-free numbers need a balance above zero/);
  });

  it("blocks destinations without a rate and does not know other slugs", async () => {
    const t = await tenant();
    expect(await ask(t, "outbound", "+8613812345678")).toMatchObject({ allowed: false, reason: "no rate for destination +8613812345678" });
    expect(await authorizeCall(db, { account: "no-such-tenant", direction: "outbound", from: "+4930111111", to: "+4930123456", forwarded: false })).toEqual({ found: false });
  });
});
