import { and, eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  accountAddons,
  accounts,
  autoTopUpSettings,
  billingDetails,
  creditBalances,
  creditMovements,
  paymentMethods,
  phoneNumbers,
  subscriptions,
  users,
} from "@/db/schema";
import { seedBenchAccount } from "@/db/seed/bench";
import { seedDemo } from "@/db/seed/demo";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";

const NOW = new Date("2026-11-20T12:00:00Z");
const DAY = 86_400_000;

let handle: TestDatabase;
let db: Database;

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
  const first = await seedDemo(db, NOW);
  expect(first.seeded).toBe(true);
});

afterAll(async () => {
  await handle?.close();
});

async function accountId(slug: string) {
  const [row] = await db.select().from(accounts).where(eq(accounts.slug, slug));
  if (!row) throw new Error(`no account ${slug}`);
  return row;
}

describe("demo seed", () => {
  it("creates the two tenants of the product with their currency and time zone", async () => {
    const acme = await accountId("acme");
    const globex = await accountId("globex");
    expect([acme.currency, acme.country, acme.timeZone]).toEqual(["EUR", "DE", "Europe/Berlin"]);
    expect([globex.currency, globex.country, globex.timeZone]).toEqual(["USD", "US", "America/New_York"]);
  });

  it.each(["acme", "globex"])("gives %s 10 to 40 users across all roles, with the demo logins", async (slug) => {
    const account = await accountId(slug);
    const people = await db.select().from(users).where(eq(users.accountId, account.id));
    expect(people.length).toBeGreaterThanOrEqual(10);
    expect(people.length).toBeLessThanOrEqual(40);
    expect(new Set(people.map((p) => p.role))).toEqual(new Set(["admin", "supervisor", "agent"]));
    expect(people.some((p) => !p.active)).toBe(true);
    expect(people.map((p) => p.email)).toContain(`admin@${slug}.test`);
  });

  it.each(["acme", "globex"])("gives %s 20+ numbers of all three types, one added and one released this period", async (slug) => {
    const account = await accountId(slug);
    const [subscription] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    const numbers = await db.select().from(phoneNumbers).where(eq(phoneNumbers.accountId, account.id));
    expect(numbers.length).toBeGreaterThanOrEqual(20);
    expect(new Set(numbers.map((n) => n.type))).toEqual(new Set(["local", "mobile", "toll_free"]));
    const start = subscription!.currentPeriodStart.getTime();
    expect(numbers.filter((n) => n.acquiredAt.getTime() >= start && n.acquiredAt <= NOW)).toHaveLength(1);
    expect(numbers.filter((n) => n.releasedAt && n.releasedAt.getTime() >= start)).toHaveLength(1);
  });

  it("puts a card on Acme and PayPal on Globex, company details and add-ons on both", async () => {
    const acme = await accountId("acme");
    const globex = await accountId("globex");
    const methods = await db.select().from(paymentMethods).where(isNull(paymentMethods.replacedAt));
    expect(methods.find((m) => m.accountId === acme.id)?.type).toBe("card");
    expect(methods.find((m) => m.accountId === globex.id)?.type).toBe("paypal");
    for (const account of [acme, globex]) {
      const [details] = await db.select().from(billingDetails).where(eq(billingDetails.accountId, account.id));
      expect(details?.companyName).toBe(account.name);
      const active = await db
        .select()
        .from(accountAddons)
        .where(and(eq(accountAddons.accountId, account.id), isNull(accountAddons.endedAt)));
      expect(active.length).toBeGreaterThan(0);
    }
  });

  it("configures auto top-up on Acme only", async () => {
    const settings = await db.select().from(autoTopUpSettings);
    const acme = await accountId("acme");
    expect(settings).toHaveLength(1);
    expect(settings[0]).toMatchObject({ accountId: acme.id, enabled: true, threshold: 2000, amount: 10000 });
  });

  it.each(["acme", "globex"])("gives %s thousands of movements over 90+ days that sum to the stored balance", async (slug) => {
    const account = await accountId(slug);
    const [stats] = await db
      .select({
        count: sql<number>`count(*)::int`,
        sum: sql<string>`sum(${creditMovements.amount})::text`,
        first: sql<Date>`min(${creditMovements.occurredAt})`,
      })
      .from(creditMovements)
      .where(eq(creditMovements.accountId, account.id));
    const [balance] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, account.id));
    expect(stats!.count).toBeGreaterThanOrEqual(1000);
    expect(Number(stats!.sum)).toBe(balance!.balance);
    expect(NOW.getTime() - new Date(stats!.first).getTime()).toBeGreaterThanOrEqual(90 * DAY);
    // Each row's balance_after is the running sum, in id order.
    const [broken] = await db.execute(sql`
      select count(*)::int as n from (
        select balance_after, sum(amount) over (order by id) as running
        from credit_movements where account_id = ${account.id}) s
      where balance_after <> running`).then((r) => (r as unknown as { rows: { n: number }[] }).rows);
    expect(broken!.n).toBe(0);
  });

  it("rates every usage record of the demo against a number its account held when it started", async () => {
    const rows = async (query: ReturnType<typeof sql>) => (await db.execute(query)) as unknown as { rows: Record<string, number>[] };
    const { rows: [owned] } = await rows(sql`
      select count(*)::int as records,
             count(*) filter (where not exists (
               select 1 from phone_numbers n
               where n.account_id = r.account_id
                 and n.e164 = case when r.direction = 'inbound' and not r.forwarded then r.to_number else r.from_number end
                 and n.acquired_at <= r.started_at and (n.released_at is null or n.released_at > r.started_at)))::int as foreign
      from usage_records r`);
    expect(owned!.records, "records").toBeGreaterThan(100);
    expect(owned!.foreign, "records on numbers the account did not hold").toBe(0);
    // A call a package included came from a number in the package's region.
    const { rows: included } = await rows(sql`
      select p.code, count(*)::int as records,
             count(*) filter (where not (case when p.scope = 'domestic' then n.country = a.country
                                              else n.country = any(p.covered_countries) end))::int as outside
      from usage_records r
      join accounts a on a.id = r.account_id
      join calling_packages p on p.id = r.covered_by_package_id
      join phone_numbers n on n.account_id = r.account_id and n.e164 = r.from_number
      where r.category = 'included'
      group by p.code order by p.code`);
    expect(included.map((r) => [r.code, r.outside])).toEqual([
      ["asia", 0],
      ["europe", 0],
      ["north-america", 0],
    ]);
    expect(included.every((r) => r.records! > 0), "every package has included calls").toBe(true);
  });

  it("gives every usage record of the demo the reason the rating engine gives", async () => {
    const { rows } = (await db.execute(sql`
      select rating_reason as code, category::text as category, count(*)::int as records
      from usage_records group by 1, 2 order by 1, 2`)) as unknown as { rows: { code: string; category: string; records: number }[] };
    expect(rows.map((r) => [r.code, r.category])).toEqual([
      ["forwarded_leg", "forwarded"],
      ["included_in_package", "included"],
      ["not_in_package", "outside_packages"],
      ["premium_destination", "premium"],
      ["sms_charged", "sms"],
      ["toll_free_inbound", "toll_free_inbound"],
    ]);
  });

  it("changes nothing when run a second time", async () => {
    const count = async () => {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(creditMovements);
      const [people] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
      return [row!.n, people!.n];
    };
    const before = await count();
    const again = await seedDemo(db, new Date(NOW.getTime() + DAY));
    expect(again.seeded).toBe(false);
    expect(await count()).toEqual(before);
  });
});

describe("bench seed", () => {
  it("generates one large account whose movements sum to its balance", async () => {
    const result = await seedBenchAccount(db, { movements: 20_000, numbers: 150, users: 40 });
    expect(result.seeded).toBe(true);
    const bench = await accountId("bench");
    const [people] = await db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(users.accountId, bench.id));
    const [numbers] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(phoneNumbers)
      .where(eq(phoneNumbers.accountId, bench.id));
    const [movements] = await db
      .select({ n: sql<number>`count(*)::int`, sum: sql<string>`sum(amount)::text` })
      .from(creditMovements)
      .where(eq(creditMovements.accountId, bench.id));
    const [balance] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, bench.id));
    expect([people!.n, numbers!.n, movements!.n]).toEqual([40, 150, 20_000]);
    expect(Number(movements!.sum)).toBe(balance!.balance);
    const [last] = await db
      .select({ balanceAfter: creditMovements.balanceAfter })
      .from(creditMovements)
      .where(eq(creditMovements.accountId, bench.id))
      .orderBy(sql`${creditMovements.id} desc`)
      .limit(1);
    expect(last!.balanceAfter).toBe(balance!.balance);
    expect((await seedBenchAccount(db, { movements: 10, numbers: 1, users: 2 })).seeded).toBe(false);
  });
});
