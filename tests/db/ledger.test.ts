import { and, asc, eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { autoTopUpSettings, creditBalances, creditMovements, topUpAttempts } from "@/db/schema";
import { LedgerError, type MovementInput, postMovement, postMovements } from "@/lib/credit/ledger";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 8 });
  db = handle.db;
});

afterAll(async () => {
  await handle?.close();
});

const debit = (amount: number, interactionId?: string): MovementInput => ({
  type: "call",
  amount: -amount,
  interactionId,
  description: "Call",
  units: 60,
  unitType: "seconds",
  rateMicros: 10_000,
  actor: "platform",
});
const credit = (amount: number, interactionId?: string): MovementInput => ({
  type: "top_up_manual",
  amount,
  interactionId,
  description: "Credit added",
  actor: "admin",
});

/** The invariants: stored balance = sum of movements = last balance_after; running sums hold. */
async function ledgerState(accountId: string) {
  const movements = await db
    .select()
    .from(creditMovements)
    .where(eq(creditMovements.accountId, accountId))
    .orderBy(asc(creditMovements.id));
  const [stored] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, accountId));
  let running = 0;
  for (const m of movements) {
    running += m.amount;
    expect(m.balanceAfter).toBe(running);
  }
  expect(stored?.balance ?? 0).toBe(running);
  const keys = movements.filter((m) => m.interactionId).map((m) => `${m.type}:${m.interactionId}`);
  expect(new Set(keys).size).toBe(keys.length);
  return { balance: running, movements };
}

async function attemptsOf(accountId: string) {
  return db.select().from(topUpAttempts).where(eq(topUpAttempts.accountId, accountId)).orderBy(asc(topUpAttempts.createdAt));
}

describe("posting", () => {
  it("adds credits and debits to the balance with running balances, creating the balance row", async () => {
    const { account } = await createAccount(db);
    const first = await postMovement(db, account.id, credit(10_000, "pi_1"));
    expect([first.balanceBefore, first.balanceAfter]).toEqual([0, 10_000]);
    const batch = await postMovements(db, account.id, [debit(120, "call-1"), debit(80, "call-2"), debit(5, "call-3")]);
    expect(batch.posted.map((p) => p.balanceAfter)).toEqual([9_880, 9_800, 9_795]);
    expect((await ledgerState(account.id)).balance).toBe(9_795);
  });

  it("posts each interaction once, across calls and within one batch", async () => {
    const { account } = await createAccount(db);
    await postMovement(db, account.id, credit(1_000, "pi_1"));
    const again = await postMovements(db, account.id, [credit(1_000, "pi_1"), debit(10, "c1"), debit(10, "c1")]);
    expect(again.duplicates).toEqual(["pi_1", "c1"]);
    expect(again.posted).toHaveLength(1);
    // The same id under another type is another movement (a call and its refund).
    await postMovement(db, account.id, { ...credit(10, "c1"), type: "refund", description: "Refund" });
    expect((await ledgerState(account.id)).balance).toBe(1_000);
  });

  it.each([
    ["a zero amount", [{ ...debit(0) }]],
    ["a fractional amount", [{ ...debit(1), amount: -1.5 }]],
    ["an amount out of range", [debit(200_000_000)]],
    ["an empty description", [{ ...debit(1), description: "" }]],
    ["an unknown type", [{ ...debit(1), type: "gift" as never }]],
    ["no movements", []],
  ])("refuses %s and writes nothing", async (_, inputs) => {
    const { account } = await createAccount(db);
    await expect(postMovements(db, account.id, inputs as MovementInput[])).rejects.toThrow(LedgerError);
    const rows = await db.select().from(creditMovements).where(eq(creditMovements.accountId, account.id));
    expect(rows).toEqual([]);
  });

  it("rolls back with the caller's transaction", async () => {
    const { account } = await createAccount(db);
    await expect(
      db.transaction(async (tx) => {
        await postMovement(tx, account.id, credit(500, "pi_x"));
        throw new Error("caller fails after posting");
      }),
    ).rejects.toThrow("caller fails");
    expect((await ledgerState(account.id)).movements).toEqual([]);
  });
});

describe("auto top-up crossing", () => {
  async function accountWithAutoTopUp(settings: Partial<typeof autoTopUpSettings.$inferInsert> = {}) {
    const { account } = await createAccount(db);
    await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 2_000, amount: 10_000, ...settings });
    await postMovement(db, account.id, credit(2_500, "pi_start"));
    return account;
  }

  it("records one pending top-up when a debit takes the balance below the threshold", async () => {
    const account = await accountWithAutoTopUp();
    expect((await postMovement(db, account.id, debit(400, "c1"))).autoTopUpAttemptId).toBeNull(); // 2,100
    const crossing = await postMovement(db, account.id, debit(200, "c2")); // 1,900: crossed
    expect(crossing.autoTopUpAttemptId).not.toBeNull();
    expect((await postMovement(db, account.id, debit(300, "c3"))).autoTopUpAttemptId).toBeNull(); // still below
    const attempts = await attemptsOf(account.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ kind: "auto", status: "pending", amount: 10_000, currency: "EUR" });
    expect(attempts[0]!.triggeredByMovementId).toBe(crossing.posted[0]!.id);
  });

  // Threshold 2,000, opening balance 2,500; the debit expected to be named is the one whose
  // running balance went from at or above 2,000 to below it and stayed below.
  it.each([
    ["the first of three debits crosses", [debit(600, "c1"), debit(50, "c2"), debit(50, "c3")], "c1"],
    ["a middle debit crosses", [debit(100, "c1"), debit(500, "c2"), debit(50, "c3")], "c2"],
    [
      "the balance dips, is topped up, and crosses again",
      [debit(600, "c1"), credit(1_000, "pi_more"), debit(1_000, "c2"), debit(100, "c3")],
      "c2",
    ],
  ])("points the top-up at the debit that crossed the threshold when %s", async (_, batch, crosser) => {
    const account = await accountWithAutoTopUp();
    const result = await postMovements(db, account.id, batch);
    expect(result.autoTopUpAttemptId, "one top-up for the batch").not.toBeNull();
    const [attempt, ...others] = await attemptsOf(account.id);
    expect(others, "only one attempt").toEqual([]);
    // The oracle: the movement the test's own arithmetic names, read back from the table.
    const [named] = await db
      .select()
      .from(creditMovements)
      .where(and(eq(creditMovements.accountId, account.id), eq(creditMovements.interactionId, crosser)));
    expect(named!.balanceAfter - named!.amount, "before the crossing debit").toBeGreaterThanOrEqual(2_000);
    expect(named!.balanceAfter, "after the crossing debit").toBeLessThan(2_000);
    expect(attempt!.triggeredByMovementId, "the crossing debit").toBe(named!.id);
  });

  it("never has two in flight, and triggers again on the next crossing once settled", async () => {
    const account = await accountWithAutoTopUp();
    await postMovement(db, account.id, debit(600, "c1")); // 1,900: attempt 1
    await postMovement(db, account.id, credit(5_000, "pi_manual")); // 6,900
    await postMovement(db, account.id, debit(5_000, "c2")); // 1,900: crossing, but one in flight
    expect(await attemptsOf(account.id)).toHaveLength(1);
    await db.update(topUpAttempts).set({ status: "succeeded" }).where(eq(topUpAttempts.accountId, account.id));
    await postMovement(db, account.id, credit(5_000, "pi_manual_2")); // 6,900
    await postMovement(db, account.id, debit(5_000, "c3")); // 1,900: crossing, none in flight
    expect(await attemptsOf(account.id)).toHaveLength(2);
  });

  it("respects the monthly cap, a disabled setting, and a balance that was already below", async () => {
    const capped = await accountWithAutoTopUp({ monthlyCap: 10_000 });
    await db.insert(topUpAttempts).values({ accountId: capped.id, kind: "auto", status: "succeeded", amount: 10_000, currency: "EUR", idempotencyKey: "earlier" });
    expect((await postMovement(db, capped.id, debit(600, "c1"))).autoTopUpAttemptId).toBeNull();

    const disabled = await accountWithAutoTopUp({ enabled: false });
    expect((await postMovement(db, disabled.id, debit(600, "c1"))).autoTopUpAttemptId).toBeNull();

    const { account: below } = await createAccount(db);
    await postMovement(db, below.id, credit(1_000, "pi"));
    await db.insert(autoTopUpSettings).values({ accountId: below.id, enabled: true, threshold: 2_000, amount: 10_000 });
    expect((await postMovement(db, below.id, debit(100, "c1"))).autoTopUpAttemptId).toBeNull();
  });
});

describe("ledger against an in-memory model (fast-check)", () => {
  it("keeps balance, running balances and once-only interactions for any sequence", async () => {
    const command = fc.oneof(
      fc.record({ kind: fc.constant("debit" as const), amount: fc.integer({ min: 1, max: 5_000 }), id: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant("credit" as const), amount: fc.integer({ min: 1, max: 20_000 }), id: fc.integer({ min: 0, max: 10 }) }),
      fc.record({ kind: fc.constant("batch" as const), amounts: fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 6 }), id: fc.integer({ min: 0, max: 30 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        const { account } = await createAccount(db);
        const seen = new Set<string>();
        let model = 0;
        for (const c of commands) {
          const inputs =
            c.kind === "debit"
              ? [debit(c.amount, `call-${c.id}`)]
              : c.kind === "credit"
                ? [credit(c.amount, `pi-${c.id}`)]
                : c.amounts.map((a, i) => debit(a, `call-${c.id + i}`));
          const result = await postMovements(db, account.id, inputs);
          for (const input of inputs) {
            const key = `${input.type}:${input.interactionId}`;
            if (!seen.has(key)) {
              seen.add(key);
              model += input.amount;
            }
          }
          expect(result.balanceAfter).toBe(model);
        }
        const state = await ledgerState(account.id);
        expect(state.balance).toBe(model);
        expect(state.movements).toHaveLength(seen.size);
      }),
      { numRuns: 25, seed: 20261127 },
    );
  });
});

describe("concurrency", () => {
  it.each([1, 2, 3])(
    "keeps the ledger exact with 200 concurrent debits and top-ups on one account (seed %i)",
    async (seed) => {
      const random = fc.sample(fc.integer({ min: 1, max: 1_000 }), { seed, numRuns: 400 });
      const { account } = await createAccount(db);
      await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 20_000, amount: 10_000 });
      await postMovement(db, account.id, credit(60_000, "pi_start"));
      // 200 operations; every fifth replays the one before it, racing a duplicate.
      const operations: MovementInput[] = [];
      for (let i = 0; i < 200; i++) {
        operations.push(
          i % 5 === 4
            ? { ...operations[i - 1]! }
            : i % 7 === 0
              ? credit(random[i]! * 3, `pi-${i}`)
              : debit(random[i]!, `call-${i}`),
        );
      }
      const results = await Promise.all(operations.map((op) => postMovements(db, account.id, [op])));
      const unique = new Map(operations.map((op) => [`${op.type}:${op.interactionId}`, op.amount]));
      const expected = 60_000 + [...unique.values()].reduce((a, b) => a + b, 0);
      const state = await ledgerState(account.id);
      expect(state.balance).toBe(expected);
      expect(state.movements).toHaveLength(unique.size + 1);
      expect(results.reduce((n, r) => n + r.posted.length, 0)).toBe(unique.size);
      // Crossings of the threshold in the order the ledger applied them.
      const crossings = state.movements.filter((m) => m.balanceAfter - m.amount >= 20_000 && m.balanceAfter < 20_000);
      const attempts = await attemptsOf(account.id);
      // Attempts stay pending here (no payment runs), so only the first crossing may record one.
      expect(attempts).toHaveLength(crossings.length > 0 ? 1 : 0);
      if (attempts[0]) expect(attempts[0].triggeredByMovementId).toBe(crossings[0]!.id);
    },
  );

  it("records exactly one top-up per crossing when each settles before the next", async () => {
    const { account } = await createAccount(db);
    await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 5_000, amount: 10_000 });
    await postMovement(db, account.id, credit(6_000, "pi_start"));
    let crossings = 0;
    for (let round = 0; round < 5; round++) {
      // 20 concurrent debits of 100 take the balance from 6,000 to 4,000: one crossing.
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => postMovement(db, account.id, debit(100, `r${round}-c${i}`))),
      );
      crossings++;
      expect(results.filter((r) => r.autoTopUpAttemptId).length).toBe(1);
      await db
        .update(topUpAttempts)
        .set({ status: "succeeded" })
        .where(and(eq(topUpAttempts.accountId, account.id), eq(topUpAttempts.status, "pending")));
      await postMovement(db, account.id, credit(2_000, `pi_round_${round}`));
    }
    expect(await attemptsOf(account.id)).toHaveLength(crossings);
    await ledgerState(account.id);
  });
});
