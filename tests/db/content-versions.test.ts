import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "@/db/client";
import {
  accountAddons,
  accountPackages,
  addons,
  callingPackages,
  paymentMethods,
  prepaidBundles,
  topUpAttempts,
  auditLog,
  autoTopUpSettings,
  billingDetails,
  CATALOG_VERSION_KEY,
  creditBalances,
  phoneNumbers,
  subscriptions,
  usageRecords,
  users,
} from "@/db/schema";
import { readPageState } from "@/lib/billing/page-cache";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addMovements, addNumber, createAccount, createRateCard, subscribe } from "../support/fixtures";
import { ingestUsage } from "@/lib/usage/ingest";

/** PGlite has one connection: a second reader waits for the transaction to end. */
const onPostgres = !!inject("pgTemplateUrl");
let handle: TestDatabase;
let db: Database;

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 6 });
  db = handle.db;
});
afterAll(async () => {
  await handle?.close();
});

async function versionOf(accountId: string): Promise<number> {
  const result = (await db.execute(
    sql`select coalesce((select version from content_versions where account_id = ${accountId}), 0)::int as v`,
  )) as unknown as { rows: { v: number }[] };
  return result.rows[0]!.v;
}

/** Whether a change gives the admin's billing page a different state (so a kept page is not served). */
async function changesPageState(accountId: string, userId: string, change: () => Promise<unknown>): Promise<boolean> {
  const before = JSON.stringify(await readPageState(db, userId, accountId));
  await change();
  return JSON.stringify(await readPageState(db, userId, accountId)) !== before;
}

/** Runs a change and returns by how much it moved the account's version. */
async function bumpOf(accountId: string, change: () => Promise<unknown>): Promise<number> {
  const before = await versionOf(accountId);
  await change();
  return (await versionOf(accountId)) - before;
}

describe("content versions", () => {
  it("move with every committed change to a table the page reads", async () => {
    const { account, admin } = await createAccount(db);
    const id = account.id;
    const plan = await subscribe(db, id, { start: new Date(Date.now() - 86_400_000), end: new Date(Date.now() + 86_400_000) });
    const [pkg] = await db
      .insert(callingPackages)
      .values({ code: `cv-${Date.now()}`, name: "Germany 500", currency: "EUR", scope: "domestic", unlimited: false, includedMinutesPerUser: 500, monthlyPrice: 900 })
      .returning();
    const soon = new Date(Date.now() + 30 * 86_400_000);
    const changes: [string, () => Promise<unknown>][] = [
      ["accounts", () => db.execute(sql`update accounts set name = 'Renamed' where id = ${id}`)],
      ["users", () => db.update(users).set({ name: "Renamed admin" }).where(eq(users.id, admin.id))],
      ["subscriptions", () => db.update(subscriptions).set({ seatsPurchased: 9 }).where(eq(subscriptions.accountId, id))],
      ["account_packages", () => db.insert(accountPackages).values({ accountId: id, packageId: pkg!.id, quantity: 1, unitPrice: 900, startedAt: new Date() })],
      ["prepaid_bundles", () => db.insert(prepaidBundles).values({ accountId: id, name: "1,000 minutes", secondsIncluded: 60_000, price: 1_000, purchasedAt: new Date(), expiresAt: soon })],
      ["prepaid_bundles (used)", () => db.update(prepaidBundles).set({ secondsUsed: 60 }).where(eq(prepaidBundles.accountId, id))],
      ["auto_top_up_settings", () => db.insert(autoTopUpSettings).values({ accountId: id, enabled: true, threshold: 1000, amount: 5000 })],
      ["top_up_attempts", () => db.insert(topUpAttempts).values({ accountId: id, kind: "manual", amount: 2_000, currency: "EUR", idempotencyKey: `cv-${Date.now()}` })],
      ["top_up_attempts (settled)", () => db.update(topUpAttempts).set({ status: "failed" }).where(eq(topUpAttempts.accountId, id))],
      ["payment_methods", () => db.insert(paymentMethods).values({ accountId: id, provider: "sandbox", type: "card", providerPaymentMethodId: `pm_cv_${Date.now()}`, cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 })],
      ["phone_numbers", () => db.insert(phoneNumbers).values({ accountId: id, e164: `+4930${Date.now() % 10_000_000}`, type: "local", country: "DE", monthlyPrice: 100, acquiredAt: new Date() })],
      ["phone_numbers (deleted)", () => db.delete(phoneNumbers).where(eq(phoneNumbers.accountId, id))],
      ["billing_details", () => db.insert(billingDetails).values({ accountId: id, companyName: "Renamed GmbH", invoiceEmail: "billing@renamed.test", country: "DE", street: "Street 1", city: "Berlin", postalCode: "10115" })],
      ["audit_log", () => db.insert(auditLog).values({ accountId: id, actorUserId: admin.id, action: "test.change" })],
    ];
    for (const [name, change] of changes) {
      expect([name, await bumpOf(id, change)]).toEqual([name, 1]);
    }
    expect(plan.id).toBeTruthy();
  });

  it("leave ledger postings to the balance row's mark, which the page state reads", async () => {
    const { account, admin } = await createAccount(db);
    const changes: [string, () => Promise<unknown>][] = [
      ["a credit movement", () => addMovements(db, account.id, [{ type: "top_up_manual", amount: 500 }])],
      ["a debit", () => addMovements(db, account.id, [{ type: "call", amount: -120 }])],
      ["the low balance threshold", () => db.update(creditBalances).set({ lowBalanceThreshold: 42 }).where(eq(creditBalances.accountId, account.id))],
    ];
    for (const [name, change] of changes) {
      const before = await readPageState(db, admin.id, account.id);
      await change();
      const after = await readPageState(db, admin.id, account.id);
      // No trigger on the hot path: the version stays, the balance row's writer changes.
      expect([name, after?.version, after?.balanceMark === before?.balanceMark]).toEqual([name, before?.version, false]);
    }
  });

  it("cover every table with an account_id, but the ledger's and the rollups (kept with the balance row)", async () => {
    const result = (await db.execute(sql`
      select c.table_name,
             array(select t.tgname::text from pg_trigger t
                   where t.tgrelid = format('public.%I', c.table_name)::regclass and t.tgname like '%content%'
                   order by 1) as triggers
      from information_schema.columns c
      join information_schema.tables tb on tb.table_name = c.table_name and tb.table_schema = c.table_schema and tb.table_type = 'BASE TABLE'
      where c.table_schema = 'public' and c.column_name = 'account_id'
      order by 1`)) as unknown as { rows: { table_name: string; triggers: string[] }[] };
    const uncovered = ["content_versions", "credit_balances", "credit_movements", "credit_daily_balances", "usage_daily_totals", "usage_user_monthly", "payment_provider_events"];
    const covered = result.rows.filter((r) => !uncovered.includes(r.table_name));
    expect(covered.length).toBeGreaterThan(10);
    for (const { table_name: table, triggers } of covered) {
      expect([table, triggers]).toEqual([table, [`${table}_content_delete`, `${table}_content_insert`, `${table}_content_update`]]);
    }
    for (const table of uncovered.filter((t) => t !== "content_versions")) {
      expect([table, result.rows.find((r) => r.table_name === table)?.triggers]).toEqual([table, []]);
    }
  });

  it("move once for a transaction of many statements, which commits at once and leaves nothing pending", async () => {
    const { account, admin } = await createAccount(db);
    const bump = await bumpOf(account.id, () =>
      db.transaction(async (tx) => {
        for (let i = 0; i < 300; i++) await tx.insert(auditLog).values({ accountId: account.id, actorUserId: admin.id, action: `test.${i}` });
      }),
    );
    expect(bump).toBe(1);
    const pending = (await db.execute(sql`select count(*)::int as n from content_changes_pending`)) as unknown as { rows: { n: number }[] };
    expect(pending.rows[0]!.n).toBe(0);
  });

  it("do not move for a transaction that rolls back, nor for a statement that changes nothing", async () => {
    const { account } = await createAccount(db);
    const rolledBack = bumpOf(account.id, () =>
      db
        .transaction(async (tx) => {
          await tx.execute(sql`update accounts set name = 'Never' where id = ${account.id}`);
          throw new Error("roll back");
        })
        .catch(() => undefined),
    );
    expect(await rolledBack).toBe(0);
    expect(await bumpOf(account.id, () => db.execute(sql`update accounts set name = 'x' where id = ${account.id} and false`))).toBe(0);
    const pending = (await db.execute(sql`select count(*)::int as n from content_changes_pending`)) as unknown as { rows: { n: number }[] };
    expect(pending.rows[0]!.n).toBe(0);
  });

  it.runIf(onPostgres)("move at commit, not before: a reader during the transaction still sees the old version", async () => {
    const { account } = await createAccount(db);
    const before = await versionOf(account.id);
    let seenInside = -1;
    await db.transaction(async (tx) => {
      await tx.execute(sql`update accounts set name = 'One' where id = ${account.id}`);
      await tx.execute(sql`update accounts set name = 'Two' where id = ${account.id}`);
      seenInside = await versionOf(account.id); // another connection
    });
    expect(seenInside).toBe(before);
    expect(await versionOf(account.id)).toBe(before + 1);
  });

  it("move only the accounts a change touched", async () => {
    const a = await createAccount(db);
    const b = await createAccount(db);
    const bBefore = await versionOf(b.account.id);
    expect(await bumpOf(a.account.id, () => db.insert(auditLog).values({ accountId: a.account.id, actorUserId: a.admin.id, action: "test.change" }))).toBe(1);
    expect(await versionOf(b.account.id)).toBe(bBefore);
  });

  it("move for rated usage, also a call a package included (no money moved)", async () => {
    const { account, admin } = await createAccount(db, { slug: `cv-usage-${Date.now().toString(36)}` });
    const card = await createRateCard(db);
    await subscribe(db, account.id, { start: new Date(Date.now() - 86_400_000), end: new Date(Date.now() + 86_400_000) });
    await db.update(subscriptions).set({ rateCardId: card.id }).where(eq(subscriptions.accountId, account.id));
    await addNumber(db, account.id, "+4930123456");
    const inbound = {
      id: `cv-${Date.now()}`,
      account: account.slug,
      kind: "call",
      direction: "inbound",
      from: "+33123456789",
      to: "+4930123456",
      startedAt: new Date(Date.now() - 3_600_000).toISOString(),
      durationSeconds: 30,
      forwarded: false,
      user: admin.email,
    };
    let results: unknown;
    const bump = await bumpOf(account.id, async () => {
      results = await ingestUsage(db, [inbound]);
    });
    expect(JSON.stringify(results)).toContain('"rated"');
    expect(bump).toBe(1);
    const [record] = await db.select().from(usageRecords).where(eq(usageRecords.accountId, account.id));
    expect(record?.amount).toBe(0);
  });

  it("move for every account together when the catalog changes", async () => {
    const { account } = await createAccount(db);
    const before = await versionOf(CATALOG_VERSION_KEY);
    const accountBefore = await versionOf(account.id);
    const [addon] = await db
      .insert(addons)
      .values({ code: `cv-${Date.now()}`, name: "Dialer", category: "dialer", description: "Power dialer", currency: "EUR", unitPrice: 500, unitLabel: "user" }).returning();
    expect(await versionOf(CATALOG_VERSION_KEY)).toBe(before + 1);
    // Subscribing to it is the account's change.
    expect(await bumpOf(account.id, () => db.insert(accountAddons).values({ accountId: account.id, addonId: addon!.id, quantity: 1, unitPrice: 500, startedAt: new Date() }))).toBe(1);
    expect(await versionOf(account.id)).toBe(accountBefore + 1);
  });

  it.runIf(onPostgres)("concurrent transactions that change the same accounts in opposite orders all commit, each moving both versions", async () => {
    // Inserts take no row locks: only the version bump at commit could make them wait on
    // each other, and it takes the accounts in one order.
    const a = await createAccount(db);
    const b = await createAccount(db);
    const aBefore = await versionOf(a.account.id);
    const bBefore = await versionOf(b.account.id);
    const note = (first: typeof a, second: typeof a) =>
      db.transaction(async (tx) => {
        await tx.insert(auditLog).values({ accountId: first.account.id, actorUserId: first.admin.id, action: "test.first" });
        await tx.insert(auditLog).values({ accountId: second.account.id, actorUserId: second.admin.id, action: "test.second" });
      });
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? note(a, b) : note(b, a))));
    expect(await versionOf(a.account.id)).toBe(aBefore + 12);
    expect(await versionOf(b.account.id)).toBe(bBefore + 12);
  });
});

describe("readPageState", () => {
  it("reads the user's role and state, the account's day and both versions; nothing for another tenant", async () => {
    const { account, admin } = await createAccount(db, { timeZone: "Pacific/Kiritimati" });
    const other = await createAccount(db);
    const state = await readPageState(db, admin.id, account.id);
    expect(state).toMatchObject({ role: "admin", active: true, version: String(await versionOf(account.id)) });
    // Kiritimati is UTC+14: the day there, by the database's clock.
    const today = (await db.execute(sql`select to_char(now() at time zone 'Pacific/Kiritimati', 'YYYY-MM-DD') as day`)) as unknown as { rows: { day: string }[] };
    expect(state?.day).toBe(today.rows[0]!.day);
    expect(await readPageState(db, admin.id, other.account.id)).toBeNull();
    await db.update(users).set({ role: "agent" }).where(eq(users.id, admin.id));
    const demoted = await readPageState(db, admin.id, account.id);
    expect(demoted?.role).toBe("agent");
    expect(demoted?.version).toBe(String(Number(state?.version) + 1));
  });
});
