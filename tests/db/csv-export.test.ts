import { parse } from "csv-parse/sync";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { accounts } from "@/db/schema";
import { seedDemo } from "@/db/seed/demo";
import { creditMovementsCsv, exportParamsSchema, neutralize } from "@/lib/exports/credit-movements";
import { linkQuery, signLink, verifyLink } from "@/lib/exports/signed-link";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addMovements, createAccount } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
  await seedDemo(db, new Date("2026-11-20T12:00:00Z"));
});
afterAll(async () => {
  await handle?.close();
});

async function csvText(account: { id: string; slug: string; currency: string; timeZone: string }, query: Record<string, string>) {
  const params = exportParamsSchema.parse(query);
  return new Response(creditMovementsCsv(db, account, params)).text();
}

describe("credit movements CSV", () => {
  it("parses back to exactly the database rows of the range, in order", async () => {
    const [acme] = await db.select().from(accounts).where(eq(accounts.slug, "acme"));
    const text = await csvText(acme!, { from: "2026-10-01", to: "2026-10-31" });
    const [header, ...rows] = parse(text, { relax_column_count: false }) as string[][];
    expect(header).toEqual([
      "date_time (Europe/Berlin)", "movement_id", "interaction_id", "type", "description", "destination",
      "units", "unit_type", "rate", "amount", "currency", "balance_after", "user", "reason",
    ]);
    const expected = (await db.execute(sql`
      select m.id, m.amount, m.balance_after, m.type::text as type, m.interaction_id, m.destination, m.units,
             m.unit_type::text as unit_type, m.rate_micros from credit_movements m
      where m.account_id = ${acme!.id}
        and m.occurred_at >= '2026-10-01T00:00:00+02:00' and m.occurred_at < '2026-11-01T00:00:00+01:00'
      order by m.occurred_at, m.id`)) as unknown as {
      rows: {
        id: number;
        amount: number | string;
        balance_after: number | string;
        type: string;
        interaction_id: string | null;
        destination: string | null;
        units: number | null;
        unit_type: string | null;
        rate_micros: number | string | null;
      }[];
    };
    expect(rows.length).toBe(expected.rows.length);
    expect(rows.length).toBeGreaterThan(500);
    expect(expected.rows.some((r) => r.destination === null && r.rate_micros === null)).toBe(true);
    rows.forEach((row, i) => {
      const db = expected.rows[i]!;
      expect([Number(row[1]), row[3], row[2]]).toEqual([Number(db.id), db.type, db.interaction_id ?? ""]);
      // What the movement does not have is an empty cell, never the word null.
      expect([row[5], row[6], row[7]]).toEqual([neutralize(db.destination) ?? "", db.units === null ? "" : String(db.units), db.unit_type ?? ""]);
      expect(row[8]).toBe(db.rate_micros === null ? "" : (Number(db.rate_micros) / 1_000_000).toFixed(6));
      // Amounts in major units, exact to the cent, never through a float.
      expect(row[9]!.replace(".", "").replace(/^(-?)0+(?=\d)/, "$1")).toBe(String(Number(db.amount)));
      expect(row[11]!.replace(".", "").replace(/^(-?)0+(?=\d)/, "$1")).toBe(String(Number(db.balance_after)));
      expect(row[10]).toBe("EUR");
      expect(row[0]).toMatch(/^2026-10-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/);
    });
  });

  it("pages through many movements with the same timestamp without losing or repeating one", async () => {
    const { account } = await createAccount(db, { timeZone: "UTC" });
    // One posting: 4,500 movements share now(), a timestamp with microseconds.
    await addMovements(db, account.id, [
      { type: "top_up_manual", amount: 1_000_000 },
      ...Array.from({ length: 4_499 }, (_, i) => ({ type: "call" as const, amount: -1, interactionId: `c${i}` })),
    ]);
    const today = new Date().toISOString().slice(0, 10);
    const rows = (parse(await csvText(account, { from: today, to: today })) as string[][]).slice(1);
    expect(rows).toHaveLength(4_500);
    expect(new Set(rows.map((r) => r[1])).size).toBe(4_500);
  });

  it("filters by type, and writes a header for an empty range", async () => {
    const [acme] = await db.select().from(accounts).where(eq(accounts.slug, "acme"));
    const sms = parse(await csvText(acme!, { from: "2026-10-01", to: "2026-10-31", type: "sms" })) as string[][];
    expect(sms.length).toBeGreaterThan(10);
    expect(new Set(sms.slice(1).map((r) => r[3]))).toEqual(new Set(["sms"]));
    const empty = await csvText(acme!, { from: "2020-01-01", to: "2020-01-31" });
    expect(parse(empty)).toHaveLength(1);
    // Read as bytes: text() would drop the byte order mark.
    const bytes = new Uint8Array(
      await new Response(creditMovementsCsv(db, acme!, exportParamsSchema.parse({ from: "2020-01-01", to: "2020-01-31", bom: "1" }))).arrayBuffer(),
    );
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const plain = new Uint8Array(
      await new Response(creditMovementsCsv(db, acme!, exportParamsSchema.parse({ from: "2020-01-01", to: "2020-01-31" }))).arrayBuffer(),
    );
    expect(plain[0]).toBe(0x22); // the header's opening quote
  });

  it("truncates a time to its second, never rounding it into the next day", async () => {
    const { account } = await createAccount(db, { timeZone: "Europe/Berlin" });
    // Microseconds before local midnight; posted through the ledger function itself.
    await db.execute(sql`insert into credit_balances (account_id) values (${account.id}) on conflict do nothing`);
    await db.execute(sql`select * from ledger_post(${account.id}::uuid, ${JSON.stringify([
      { ord: 0, type: "adjustment", amount: 100, description: "Last instant of November", actor: "test", occurred_at: "2026-11-30T22:59:59.999600Z" },
    ])}::jsonb)`);
    const rows = parse(await csvText(account, { from: "2026-11-30", to: "2026-11-30" })) as string[][];
    expect(rows.slice(1).map((r) => r[0])).toEqual(["2026-11-30T23:59:59+01:00"]);
  });

  it("writes times with the offset on both sides of a daylight-saving change", async () => {
    const { account } = await createAccount(db, { timeZone: "Europe/Berlin" });
    await addMovements(db, account.id, [
      { type: "top_up_manual", amount: 1_000, occurredAt: new Date("2026-03-29T00:30:00Z") }, // 01:30 CET
      { type: "call", amount: -10, occurredAt: new Date("2026-03-29T01:30:00Z") }, // 03:30 CEST
      { type: "call", amount: -10, occurredAt: new Date("2026-10-25T00:30:00Z") }, // 02:30 CEST
      { type: "call", amount: -10, occurredAt: new Date("2026-10-25T01:30:00Z") }, // 02:30 CET
    ]);
    const rows = parse(await csvText(account, { from: "2026-03-29", to: "2026-10-25" })) as string[][];
    expect(rows.slice(1).map((r) => r[0])).toEqual([
      "2026-03-29T01:30:00+01:00",
      "2026-03-29T03:30:00+02:00",
      "2026-10-25T02:30:00+02:00",
      "2026-10-25T02:30:00+01:00",
    ]);
    // West of UTC, the offset is negative.
    const { account: newYork } = await createAccount(db, { timeZone: "America/New_York", currency: "USD", country: "US" });
    await addMovements(db, newYork.id, [{ type: "top_up_manual", amount: 1_000, occurredAt: new Date("2026-07-01T12:00:00Z") }]);
    const western = parse(await csvText(newYork, { from: "2026-07-01", to: "2026-07-01" })) as string[][];
    expect(western[1]![0]).toBe("2026-07-01T08:00:00-04:00");
  });

  it("neutralizes formula payloads and keeps negative amounts as numbers", async () => {
    const { account } = await createAccount(db);
    await addMovements(db, account.id, [
      { type: "adjustment", amount: 500, description: '=HYPERLINK("http://evil.test","x")', interactionId: "+1-2", occurredAt: new Date("2026-11-02T10:00:00Z") },
      { type: "adjustment", amount: -1_234, description: "@SUM(A1)", destination: "\tcmd", occurredAt: new Date("2026-11-02T11:00:00Z") },
      { type: "adjustment", amount: -5, description: 'He said "hi", then\nleft', occurredAt: new Date("2026-11-02T12:00:00Z") },
    ]);
    const text = await csvText(account, { from: "2026-11-01", to: "2026-11-30" });
    const rows = parse(text) as string[][];
    expect(rows[1]![4]).toBe(`'=HYPERLINK("http://evil.test","x")`);
    expect(rows[1]![2]).toBe("'+1-2");
    expect(rows[2]![4]).toBe("'@SUM(A1)");
    expect(rows[2]![5]).toBe("'\tcmd");
    expect(rows[3]![4]).toBe('He said "hi", then\nleft');
    // Amounts are unquoted numbers, the negative one included.
    expect(text).toMatch(/,-12\.34,"EUR",-7\.34,/);
    expect(neutralize("-5")).toBe("'-5");
    expect(neutralize("plain")).toBe("plain");
  });

  it.each([
    [{ from: "2026-13-01", to: "2026-12-01" }, "from must be a date as YYYY-MM-DD"],
    [{ from: "2026-02-30", to: "2026-03-01" }, "from must be a date as YYYY-MM-DD"],
    [{ from: "yesterday", to: "2026-03-01" }, "from must be a date as YYYY-MM-DD"],
    [{ from: "2026-05-01", to: "2026-04-01" }, "from must not be after to"],
    [{ from: "2020-01-01", to: "2026-01-02" }, "the range may be at most 5 years"],
    [{ from: "2026-01-01", to: "2026-01-02", type: "gift" }, "type must be one of"],
    [{ from: "2026-01-01", to: "2026-01-02", bom: "yes" }, "bom must be 1 or 0"],
  ])("refuses %j", (query, message) => {
    const result = exportParamsSchema.safeParse(query);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join("; ")).toContain(message);
  });
});

describe("signed links", () => {
  const claims = {
    accountId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    creatorId: "8c1f0a2b-1d3e-4f5a-9b6c-7d8e9f0a1b2c",
    params: { from: "2026-11-01", to: "2026-11-30", type: "call" as const },
    expires: Math.floor(Date.now() / 1000) + 3600,
  };
  const secret = "x".repeat(40);

  it("accepts the link it made and refuses any change, another secret, or expiry", () => {
    const sig = signLink(claims, secret);
    expect(verifyLink(claims, sig, secret)).toEqual({ ok: true, value: undefined });
    expect(verifyLink({ ...claims, params: { ...claims.params, to: "2026-12-31" } }, sig, secret).ok).toBe(false);
    expect(verifyLink({ ...claims, accountId: claims.creatorId }, sig, secret).ok).toBe(false);
    expect(verifyLink({ ...claims, expires: claims.expires + 1 }, sig, secret).ok).toBe(false);
    expect(verifyLink(claims, sig, "y".repeat(40)).ok).toBe(false);
    expect(verifyLink(claims, `${sig}x`, secret).ok).toBe(false);
    expect(verifyLink(claims, sig, secret, (claims.expires + 1) * 1000)).toEqual({
      ok: false,
      failure: { kind: "refused", message: "This link has expired. Ask an admin for a new one." },
    });
    expect(linkQuery(claims, sig)).toContain(`sig=${sig}`);
  });
});
