import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { accounts, autoTopUpSettings, topUpAttempts } from "@/db/schema";
import { createDueAttempt } from "@/lib/credit/auto-top-up";
import { postMovement } from "@/lib/credit/ledger";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount } from "../support/fixtures";

/**
 * "Due under the cap" is written twice: in SQL, where the posting statement decides that
 * a debit's crossing records an automatic top-up (ledger_post, ledger_post_many), and in
 * TypeScript, where the job and the settings form decide one is due (createDueAttempt).
 * Each case is set up twice: one account crosses the threshold with a debit (the SQL
 * decides), the other starts below it and asks createDueAttempt (the TypeScript decides).
 */

let handle: TestDatabase, db: Database;

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
});

afterAll(async () => {
  await handle?.close();
});

interface Case {
  name: string;
  timeZone: string;
  threshold: number;
  amount: number;
  monthlyCap: number | null;
  /** Automatic top-ups already charged, and when: this month or the last minute of last month (account time zone). */
  earlier: { amount: number; when: "this month" | "last month" }[];
  /** The balance once the debit is taken. */
  balanceAfter: number;
  due: boolean;
}

const cases: Case[] = [
  { name: "no cap, below the threshold", timeZone: "Europe/Berlin", threshold: 2_000, amount: 10_000, monthlyCap: null, earlier: [], balanceAfter: 1_999, due: true },
  { name: "at the threshold is not below it", timeZone: "Europe/Berlin", threshold: 2_000, amount: 10_000, monthlyCap: null, earlier: [], balanceAfter: 2_000, due: false },
  { name: "below zero", timeZone: "Europe/Berlin", threshold: 2_000, amount: 10_000, monthlyCap: null, earlier: [], balanceAfter: -500, due: true },
  { name: "fits exactly under the cap", timeZone: "Europe/Berlin", threshold: 2_000, amount: 10_000, monthlyCap: 30_000, earlier: [{ amount: 10_000, when: "this month" }, { amount: 10_000, when: "this month" }], balanceAfter: 1_000, due: true },
  { name: "would go over the cap", timeZone: "Europe/Berlin", threshold: 2_000, amount: 10_000, monthlyCap: 25_000, earlier: [{ amount: 10_000, when: "this month" }, { amount: 10_000, when: "this month" }], balanceAfter: 1_000, due: false },
  { name: "cap reached", timeZone: "Europe/Berlin", threshold: 2_000, amount: 10_000, monthlyCap: 20_000, earlier: [{ amount: 10_000, when: "this month" }, { amount: 10_000, when: "this month" }], balanceAfter: 1_000, due: false },
  { name: "last month's top-ups do not count (Berlin)", timeZone: "Europe/Berlin", threshold: 2_000, amount: 10_000, monthlyCap: 20_000, earlier: [{ amount: 10_000, when: "last month" }, { amount: 10_000, when: "last month" }], balanceAfter: 1_000, due: true },
  { name: "last month's top-ups do not count (Auckland)", timeZone: "Pacific/Auckland", threshold: 2_000, amount: 10_000, monthlyCap: 10_000, earlier: [{ amount: 10_000, when: "last month" }], balanceAfter: 1_000, due: true },
  { name: "this month's top-up counts (Los Angeles)", timeZone: "America/Los_Angeles", threshold: 2_000, amount: 10_000, monthlyCap: 10_000, earlier: [{ amount: 10_000, when: "this month" }], balanceAfter: 1_000, due: false },
];

/** An account with the case's settings and earlier top-ups, and `opening` credit. */
async function accountFor(c: Case, opening: number) {
  const { account } = await createAccount(db, { timeZone: c.timeZone });
  if (opening !== 0) {
    await postMovement(db, account.id, { type: "adjustment", amount: opening, description: "Opening", actor: "test" });
  }
  await db.insert(autoTopUpSettings).values({
    accountId: account.id,
    enabled: true,
    threshold: c.threshold,
    amount: c.amount,
    monthlyCap: c.monthlyCap,
  });
  for (const [i, earlier] of c.earlier.entries()) {
    // The first minute of this month or the last of the previous one, in the account's time zone.
    const monthStart = sql`date_trunc('month', now() at time zone ${accounts.timeZone}) at time zone ${accounts.timeZone}`;
    const [row] = await db
      .select({
        ms: sql<number>`extract(epoch from ${monthStart} ${earlier.when === "this month" ? sql`+` : sql`-`} interval '1 minute') * 1000`.mapWith(Number),
      })
      .from(accounts)
      .where(eq(accounts.id, account.id));
    const at = new Date(row!.ms);
    await db.insert(topUpAttempts).values({
      accountId: account.id,
      kind: "auto",
      status: "succeeded",
      amount: earlier.amount,
      currency: "EUR",
      idempotencyKey: `earlier-${i}`,
      createdAt: at,
      settledAt: at,
    });
  }
  return account;
}

describe("auto top-up: the posting statement and createDueAttempt agree", () => {
  it.each(cases)("$name", async (c) => {
    const debit = Math.max(500, c.threshold - c.balanceAfter);
    const crossing = await accountFor(c, c.balanceAfter + debit);
    // The debit starts at or above the threshold, so only the cap and the landing point decide.
    expect(c.balanceAfter + debit, "balance before the debit").toBeGreaterThanOrEqual(c.threshold);
    const posted = await postMovement(db, crossing.id, { type: "call", amount: -debit, interactionId: "call-1", description: "Call", actor: "test" });
    expect(posted.balanceAfter, "balance after the debit").toBe(c.balanceAfter);

    const asked = await accountFor(c, c.balanceAfter);
    const attempt = await createDueAttempt(db, asked.id, "due-check");

    expect({ sql: posted.autoTopUpAttemptId !== null, typescript: attempt !== null }, "due").toEqual({ sql: c.due, typescript: c.due });
  });
});
