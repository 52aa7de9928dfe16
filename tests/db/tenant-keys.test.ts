import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { prepaidBundles, usageRecords } from "@/db/schema";
import { queryRows } from "@/db/typed-sql";
import { createAccount } from "../support/fixtures";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";

/**
 * Every tenant table leads its primary key with account_id, and every reference from one
 * tenant table to another names the account: what distributing by account (Citus) needs,
 * and a guard that a row never points into another tenant. The checks read the catalog of
 * the migrated database, so a new table or key that breaks the rule fails here.
 */

let handle: TestDatabase;
let db: Database;

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
});

afterAll(async () => {
  await handle?.close();
});

/**
 * Tables with an account_id that are not the tenant's own data: the payment provider's
 * event log (keyed by the provider's event id, an event may name no account) and the
 * sandbox provider's store (it stands in for a provider, whose ids and idempotency keys
 * are global).
 */
const NOT_TENANT_DATA = ["payment_provider_events", "sandbox_payment_intents"];

/**
 * Unique indexes without account_id: identities that are global by nature. A login's
 * email names one person's tenant; a held number is held by one tenant; the payment
 * provider's ids; an issuer's invoice numbers (one gapless series across tenants).
 */
const GLOBAL_IDENTITIES = [
  "invoices_issuer_number_key",
  "invoices_provider_invoice_key",
  "phone_numbers_e164_held_key",
  "subscriptions_provider_subscription_id_key",
  "top_up_attempts_payment_intent_key",
  "users_email_key",
];

async function tenantTables(): Promise<string[]> {
  const rows = await queryRows(
    db,
    { table: sql<string>`c.relname::text` },
    sql`from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'account_id' and not a.attisdropped)
        order by 1`,
  );
  return rows.map((r) => r.table).filter((t) => !NOT_TENANT_DATA.includes(t));
}

describe("tenant keys", () => {
  it("leads every tenant table's primary key with account_id", async () => {
    const tables = await tenantTables();
    expect(tables.length, "tenant tables found").toBeGreaterThan(25);
    const keys = await queryRows(
      db,
      { table: sql<string>`c.conrelid::regclass::text`, first: sql<string>`a.attname::text` },
      sql`from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
          where c.contype = 'p' and c.connamespace = 'public'::regnamespace`,
    );
    const firstColumn = new Map(keys.map((k) => [k.table, k.first]));
    const wrong = tables.filter((t) => firstColumn.get(t) !== "account_id").map((t) => `${t}: ${firstColumn.get(t) ?? "no primary key"}`);
    expect(wrong, "tenant tables whose primary key does not lead with account_id").toEqual([]);
  });

  it("names the account in every reference between tenant tables, on both sides", async () => {
    const tables = new Set(await tenantTables());
    const references = await queryRows(
      db,
      {
        name: sql<string>`c.conname::text`,
        from: sql<string>`c.conrelid::regclass::text`,
        to: sql<string>`c.confrelid::regclass::text`,
        fromFirst: sql<string>`(select attname::text from pg_attribute where attrelid = c.conrelid and attnum = c.conkey[1])`,
        toFirst: sql<string>`(select attname::text from pg_attribute where attrelid = c.confrelid and attnum = c.confkey[1])`,
      },
      sql`from pg_constraint c join pg_class r on r.oid = c.conrelid
          where c.contype = 'f' and c.connamespace = 'public'::regnamespace and not r.relispartition`,
    );
    const between = references.filter((r) => tables.has(r.from) && tables.has(r.to));
    expect(between.length, "references between tenant tables").toBeGreaterThan(10);
    const wrong = between.filter((r) => r.fromFirst !== "account_id" || r.toFirst !== "account_id").map((r) => `${r.name} (${r.from} → ${r.to})`);
    expect(wrong, "references between tenant tables that do not name the account").toEqual([]);
  });

  it("keeps account_id in every unique index of a tenant table but the global identities", async () => {
    const tables = new Set(await tenantTables());
    const uniques = await queryRows(
      db,
      { index: sql<string>`i.indexrelid::regclass::text`, table: sql<string>`i.indrelid::regclass::text`, columns: sql<string>`pg_get_indexdef(i.indexrelid)` },
      sql`from pg_index i join pg_class r on r.oid = i.indrelid
          where i.indisunique and r.relnamespace = 'public'::regnamespace and not r.relispartition
            and not exists (select 1 from pg_attribute a where a.attrelid = i.indrelid and a.attname = 'account_id' and a.attnum = any (i.indkey))`,
    );
    expect(uniques.filter((u) => tables.has(u.table)).map((u) => u.index).sort()).toEqual(GLOBAL_IDENTITIES);
  });

  it("refuses a usage record that draws on another tenant's bundle", async () => {
    const mine = await createAccount(db);
    const theirs = await createAccount(db);
    const [bundle] = await db
      .insert(prepaidBundles)
      .values({ accountId: theirs.account.id, name: "1,000 minutes", secondsIncluded: 60_000, price: 1_000, purchasedAt: new Date(), expiresAt: new Date(Date.now() + 86_400_000) })
      .returning();
    const record = (accountId: string, externalId: string) => ({
      accountId, externalId, kind: "call" as const, direction: "outbound" as const, fromNumber: "+493012345", toNumber: "+493054321",
      startedAt: new Date(), durationSeconds: 60, category: "included" as const, bundleId: bundle!.id, bundleSeconds: 60,
    });
    const refusal = await db.insert(usageRecords).values(record(mine.account.id, "call-mine")).then(
      () => "accepted",
      (error: { message: string; cause?: { message?: string } }) => error.cause?.message ?? error.message,
    );
    expect(refusal).toMatch(/usage_records_bundle_same_account_fk/);
    // Their own record may.
    await db.insert(usageRecords).values(record(theirs.account.id, "call-theirs"));
    expect(await db.select({ id: usageRecords.id }).from(usageRecords).where(eq(usageRecords.accountId, mine.account.id))).toEqual([]);
  });
});
