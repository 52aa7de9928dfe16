import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { creditBalances, subscriptions, users } from "@/db/schema";
import { postMovements } from "@/lib/credit/ledger";
import { creditMovementsCsv } from "@/lib/exports/credit-movements";
import { ensureHistoryPartitions } from "@/lib/history/partitions";
import { ingestUsage } from "@/lib/usage/ingest";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addNumber, createAccount, createRateCard, subscribe } from "../support/fixtures";

/**
 * Credit movements and usage records are partitioned by month (migration 0022): the
 * ledger, rating, their idempotency and the export work across partitions, which the
 * worker makes ahead; the history stays append-only in every partition.
 */

let handle: TestDatabase;
let db: Database;
let rateCardId: string;

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 6 });
  db = handle.db;
  rateCardId = (await createRateCard(db)).id;
  // The months these tests write in, whenever they run.
  await ensureHistoryPartitions(db, new Date("2026-10-01T00:00:00Z"), 4);
});

afterAll(async () => {
  await handle?.close();
});

/** The database's own words for why a statement failed (drizzle wraps them). */
const refusal = (statement: Promise<unknown>) =>
  statement.then(
    () => "accepted",
    (error: { message: string; cause?: { message?: string } }) => error.cause?.message ?? error.message,
  );

/** CSV rows as cells (quoted cells may hold commas and doubled quotes). */
function parseCsv(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, "")
    .trim()
    .split(/\r?\n/)
    .map((line) => [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) => (m[1] ?? m[2] ?? "").replace(/""/g, '"')));
}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

const partitionsOf = async (table: "credit_movements" | "usage_records", accountId: string) =>
  (
    await rows<{ partition: string; n: number }>(
      sql`select tableoid::regclass::text as partition, count(*)::int as n from ${sql.identifier(table)} where account_id = ${accountId} group by 1 order by 1`,
    )
  ).map((r) => `${r.partition}:${r.n}`);

let n = 0;
async function tenant() {
  const { account, admin } = await createAccount(db, { timeZone: "UTC" });
  await subscribe(db, account.id, { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2027-01-01T00:00:00Z") });
  await db.update(subscriptions).set({ rateCardId }).where(eq(subscriptions.accountId, account.id));
  const [agent] = await db.insert(users).values({ accountId: account.id, email: `agent@${account.slug}.test`, name: "Agent", role: "agent" }).returning();
  const office = (await addNumber(db, account.id, `+49302${String(++n).padStart(6, "0")}`)).e164;
  await postMovements(db, account.id, [{ type: "top_up_manual", amount: 50_000, interactionId: `pi_open_${account.slug}`, description: "Opening", actor: "test", occurredAt: new Date("2026-11-02T00:00:00Z") }]);
  return { account, admin, agent: agent!, office };
}

const call = (t: Awaited<ReturnType<typeof tenant>>, id: string, startedAt: string, durationSeconds = 120) => ({
  id,
  account: t.account.slug,
  kind: "call",
  direction: "outbound",
  from: t.office,
  to: "+33123456789",
  startedAt,
  durationSeconds,
  forwarded: false,
  user: t.agent.email,
});

describe("history partitioned by month", () => {
  it("rates and posts across a month boundary into each month's partition, and the balance is the sum of all of them", async () => {
    const t = await tenant();
    const results = await ingestUsage(
      db,
      [call(t, "p-1", "2026-11-30T23:59:30Z"), call(t, "p-2", "2026-12-01T00:00:10Z"), call(t, "p-3", "2026-12-15T10:00:00Z")],
      { now: new Date("2026-12-16T00:00:00Z") },
    );
    expect(results.map((r) => r.status)).toEqual(["rated", "rated", "rated"]);
    expect(await partitionsOf("usage_records", t.account.id)).toEqual(["usage_records_2026_11:1", "usage_records_2026_12:2"]);
    expect(await partitionsOf("credit_movements", t.account.id)).toEqual(["credit_movements_2026_11:2", "credit_movements_2026_12:2"]);
    const [sum] = await rows<{ total: string }>(sql`select sum(amount)::text as total from credit_movements where account_id = ${t.account.id}`);
    const [balance] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, t.account.id));
    expect(balance!.balance).toBe(Number(sum!.total));
    expect(balance!.balance).toBeLessThan(50_000);
  });

  it("rates a platform id once, even when it is sent again claiming another month", async () => {
    const t = await tenant();
    const now = { now: new Date("2026-12-16T00:00:00Z") };
    expect((await ingestUsage(db, [call(t, "again-1", "2026-11-20T10:00:00Z")], now))[0]!.status).toBe("rated");
    const [before] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, t.account.id));
    const resent = await ingestUsage(db, [call(t, "again-1", "2026-12-05T10:00:00Z", 600)], now);
    expect(resent[0]!.status).toBe("duplicate");
    const [after] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, t.account.id));
    expect(after!.balance, "not charged again").toBe(before!.balance);
    expect(await partitionsOf("usage_records", t.account.id)).toEqual(["usage_records_2026_11:1"]);
    // Written past the rating engine, the key table still refuses it.
    expect(
      await refusal(
        db.execute(sql`insert into usage_records (account_id, external_id, kind, direction, from_number, to_number, started_at, duration_seconds, category)
          values (${t.account.id}, 'again-1', 'call', 'outbound', ${t.office}, '+33123456789', '2026-12-06T10:00:00Z', 60, 'outside_packages')`),
      ),
    ).toMatch(/usage_record_keys_pkey/);
  });

  it("posts an interaction once across months: the ledger skips it, and a direct second row is refused", async () => {
    const t = await tenant();
    const move = (occurredAt: string) => ({ type: "top_up_manual" as const, amount: 1_000, interactionId: "pi_once", description: "Top-up", actor: "test", occurredAt: new Date(occurredAt) });
    const first = await postMovements(db, t.account.id, [move("2026-11-10T00:00:00Z")]);
    const second = await postMovements(db, t.account.id, [move("2026-12-10T00:00:00Z")]);
    expect(second.balanceAfter, "skipped: posted before").toBe(first.balanceAfter);
    expect(
      await refusal(
        db.execute(sql`insert into credit_movements (account_id, occurred_at, type, interaction_id, description, amount, balance_after, actor)
          values (${t.account.id}, '2026-12-11T00:00:00Z', 'top_up_manual', 'pi_once', 'again', 1000, 0, 'test')`),
      ),
    ).toMatch(/credit_movement_keys_pkey/);
  });

  it("exports movements across the boundary in order, each charge with its reason", async () => {
    const t = await tenant();
    await ingestUsage(db, [call(t, "x-1", "2026-11-30T23:00:00Z"), call(t, "x-2", "2026-12-01T01:00:00Z")], { now: new Date("2026-12-02T00:00:00Z") });
    const csv = await new Response(creditMovementsCsv(db, { ...t.account }, { from: "2026-11-30", to: "2026-12-01" })).text();
    const [header, ...body] = parseCsv(csv) as [string[], ...string[][]];
    expect(body.map((cells) => cells[header.indexOf("interaction_id")])).toEqual(["x-1", "x-2"]);
    for (const cells of body) expect(cells[header.indexOf("reason")], "the reason of each charge").not.toBe("");
  });

  it("keeps every partition append-only", async () => {
    const t = await tenant();
    const [partition] = await rows<{ name: string }>(sql`select tableoid::regclass::text as name from credit_movements where account_id = ${t.account.id} limit 1`);
    const table = sql.identifier(partition!.name);
    expect(await refusal(db.execute(sql`update ${table} set amount = 1 where account_id = ${t.account.id}`))).toMatch(/append-only/);
    expect(await refusal(db.execute(sql`delete from ${table} where account_id = ${t.account.id}`))).toMatch(/append-only/);
    expect(await refusal(db.execute(sql`truncate ${table}`))).toMatch(/append-only/);
    expect(await refusal(db.execute(sql`truncate credit_movements_default`))).toMatch(/append-only/);
    expect(await refusal(db.execute(sql`truncate credit_movements`))).toMatch(/append-only/);
  });
});

describe("partitions made ahead", () => {
  it("makes each month once, however often and from however many workers it runs", async () => {
    const from = new Date("2031-03-01T00:00:00Z");
    const made = await Promise.all([ensureHistoryPartitions(db, from, 2), ensureHistoryPartitions(db, from, 2), ensureHistoryPartitions(db, from, 2)]);
    expect(made.reduce((a, b) => a + b, 0), "three months of two tables, once").toBe(6);
    expect(await ensureHistoryPartitions(db, from, 2)).toBe(0);
    const [bounds] = await rows<{ bound: string }>(
      sql`select pg_get_expr(c.relpartbound, c.oid) as bound from pg_class c where c.relname = 'credit_movements_2031_04'`,
    );
    expect(bounds!.bound).toMatch(/FROM \('2031-04-01 00:00:00\+00'\) TO \('2031-05-01 00:00:00\+00'\)/);
  });

  it("leaves a month whose rows are already in the default partition there, readable", async () => {
    const t = await tenant();
    // Far beyond the partitions made so far: it lands in the default partition.
    await postMovements(db, t.account.id, [{ type: "adjustment", amount: 5, description: "Dated ahead", actor: "test", occurredAt: new Date("2035-06-15T00:00:00Z") }]);
    expect(await partitionsOf("credit_movements", t.account.id)).toContain("credit_movements_default:1");
    expect(await ensureHistoryPartitions(db, new Date("2035-06-01T00:00:00Z"), 0), "usage_records' month is made; the ledger's stays in the default").toBe(1);
    const [kept] = await rows<{ n: number }>(sql`select count(*)::int as n from credit_movements where account_id = ${t.account.id} and occurred_at >= '2035-06-01'`);
    expect(kept!.n).toBe(1);
    expect(await rows(sql`select 1 from pg_class where relname = 'credit_movements_2035_06'`)).toEqual([]);
  });

  it("leads every key of the partitioned tables with the account, so they can be distributed by it", async () => {
    const keys = await rows<{ table: string; columns: string }>(sql`
      select c.relname as table, pg_get_indexdef(i.indexrelid) as columns
      from pg_index i join pg_class c on c.oid = i.indrelid
      where c.relname in ('credit_movements', 'usage_records', 'credit_movement_keys', 'usage_record_keys') and (i.indisprimary or i.indisunique)`);
    expect(keys.map((k) => k.table).sort()).toEqual(["credit_movement_keys", "credit_movements", "usage_record_keys", "usage_records"]);
    for (const key of keys) expect(key.columns, key.table).toMatch(/USING btree \(account_id,/);
  });
});
