import { and, eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { accounts, creditMovements, phoneNumbers, subscriptions, topUpAttempts, users } from "@/db/schema";
import { seedDemo } from "@/db/seed/demo";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";

let handle: TestDatabase;
let db: Database;
let acmeId: string;
let globexId: string;

const CATALOGUE_TABLES = ["addons", "calling_packages", "plans", "rate_cards", "rates"];
/** The seller's own tables: invoice numbers run per issuer, across tenants. */
const ISSUER_TABLES = ["invoice_number_counters"];

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await db.execute(query);
  return (result as unknown as { rows: T[] }).rows;
}

/** Runs a statement expected to fail; returns the database's error message. */
async function refused(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ?? (error as Error).message;
  }
  throw new Error("the database accepted a statement it should refuse");
}

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
  await seedDemo(db, new Date("2026-11-20T12:00:00Z"));
  const all = await db.select().from(accounts);
  acmeId = all.find((a) => a.slug === "acme")!.id;
  globexId = all.find((a) => a.slug === "globex")!.id;
});

afterAll(async () => {
  await handle?.close();
});

describe("schema", () => {
  it("gives every tenant table an account_id", async () => {
    const tables = await rows<{ table_name: string; has_account: boolean }>(sql`
      select t.table_name,
             exists (select 1 from information_schema.columns c
                     where c.table_schema = 'public' and c.table_name = t.table_name
                       and c.column_name = 'account_id') as has_account
      from information_schema.tables t
      where t.table_schema = 'public' and t.table_type = 'BASE TABLE'
      order by t.table_name`);
    const names = tables.map((t) => t.table_name);
    for (const expected of [
      "accounts", "users", "plans", "subscriptions", "calling_packages", "account_packages",
      "prepaid_bundles", "rate_cards", "rates", "phone_numbers", "addons", "account_addons",
      "credit_balances", "credit_movements", "auto_top_up_settings", "top_up_attempts",
      "payment_methods", "billing_details", "usage_records", "payment_provider_events", "audit_log",
    ]) {
      expect(names).toContain(expected);
    }
    const withoutAccount = tables
      .filter((t) => !t.has_account && t.table_name !== "accounts")
      .map((t) => t.table_name);
    expect(withoutAccount.sort()).toEqual([...CATALOGUE_TABLES, ...ISSUER_TABLES].sort());
  });

  it("puts no change-tracking trigger on the tables writes go to", async () => {
    const tracking = await rows<{ trigger_name: string }>(sql`
      select distinct trigger_name from information_schema.triggers
      where trigger_schema = 'public' and trigger_name like '%content%'`);
    const leftovers = await rows<{ name: string }>(sql`
      select relname as name from pg_class where relname in ('content_versions', 'content_changes_pending')
      union all select proname from pg_proc where proname like 'content_%'`);
    expect(tracking, "triggers").toEqual([]);
    expect(leftovers, "tables and functions").toEqual([]);
  });

  it("stores money as integers, never as floating point or numeric", async () => {
    const columns = await rows<{ table_name: string; column_name: string; data_type: string }>(sql`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'public'
        and column_name ~ '(amount|price|balance|balance_after|threshold|cap|micros)$'`);
    expect(columns.length).toBeGreaterThan(15);
    for (const column of columns) {
      expect([`${column.table_name}.${column.column_name}`, column.data_type]).toEqual([
        `${column.table_name}.${column.column_name}`,
        expect.stringMatching(/^(bigint|integer)$/),
      ]);
    }
  });

  it("refuses negative seats", async () => {
    const message = await refused(() =>
      db.update(subscriptions).set({ seatsPurchased: -1 }).where(eq(subscriptions.accountId, acmeId)),
    );
    expect(message).toMatch(/subscriptions_seats_nonnegative/);
  });

  it("refuses a malformed phone number and a number held by two accounts", async () => {
    const base = { accountId: globexId, country: "US", type: "local" as const, monthlyPrice: 100, acquiredAt: new Date() };
    expect(await refused(() => db.insert(phoneNumbers).values({ ...base, e164: "0301234" }))).toMatch(
      /phone_numbers_e164_format/,
    );
    const [held] = await db
      .select()
      .from(phoneNumbers)
      .where(and(eq(phoneNumbers.accountId, acmeId), isNull(phoneNumbers.releasedAt)))
      .limit(1);
    expect(await refused(() => db.insert(phoneNumbers).values({ ...base, e164: held!.e164 }))).toMatch(
      /phone_numbers_e164_held_key/,
    );
  });

  it("keeps credit movements append-only", async () => {
    const [movement] = await db.select().from(creditMovements).where(eq(creditMovements.accountId, acmeId)).limit(1);
    expect(
      await refused(() => db.update(creditMovements).set({ amount: 1 }).where(eq(creditMovements.id, movement!.id))),
    ).toMatch(/append-only/);
    expect(await refused(() => db.delete(creditMovements).where(eq(creditMovements.id, movement!.id)))).toMatch(
      /append-only/,
    );
    const [after] = await db.select().from(creditMovements).where(eq(creditMovements.id, movement!.id));
    expect(after).toEqual(movement);
  });

  it("refuses a movement whose user belongs to another account", async () => {
    const [globexUser] = await db.select().from(users).where(eq(users.accountId, globexId)).limit(1);
    const message = await refused(() =>
      db.insert(creditMovements).values({
        accountId: acmeId,
        type: "adjustment",
        description: "cross-tenant",
        amount: 100,
        balanceAfter: 100,
        actorUserId: globexUser!.id,
        actor: "test",
      }),
    );
    expect(message).toMatch(/credit_movements_actor_same_account_fk/);
  });

  it("allows at most one automatic top-up in flight per account", async () => {
    const attempt = { accountId: acmeId, kind: "auto" as const, status: "pending" as const, amount: 1000, currency: "EUR" };
    await db.insert(topUpAttempts).values({ ...attempt, idempotencyKey: "in-flight-1" });
    expect(
      await refused(() =>
        db.insert(topUpAttempts).values({ ...attempt, status: "requires_action", idempotencyKey: "in-flight-2" }),
      ),
    ).toMatch(/top_up_attempts_one_auto_in_flight/);
    // Another account may have its own.
    await db.insert(topUpAttempts).values({ ...attempt, accountId: globexId, currency: "USD", idempotencyKey: "in-flight-1" });
  });

  it("maps an email to one user only, stored lower-case", async () => {
    const base = { accountId: globexId, name: "Copy", role: "agent" as const };
    expect(await refused(() => db.insert(users).values({ ...base, email: "admin@acme.test" }))).toMatch(
      /users_email_key/,
    );
    expect(await refused(() => db.insert(users).values({ ...base, email: "Mixed@Globex.test" }))).toMatch(
      /users_email_lowercase/,
    );
  });
});
