import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { afterCommit } from "@/db/after-commit";
import type { Executor, Transaction } from "@/db/client";
import { creditBalances, movementType, unitType } from "@/db/schema";
import { queryRows, type RowOf } from "@/db/typed-sql";
import { metrics } from "@/lib/observability/metrics";

/**
 * The ledger: the only code that changes a credit balance.
 *
 * A posting is one SQL statement, the `ledger_post` function of migration 0003: it skips movements whose interaction id was already
 * posted, adds the rest to the balance with a single `UPDATE ... RETURNING`, inserts the
 * movements with their running `balance_after`, and, when a debit takes the balance from
 * at or above the auto top-up threshold to below it, records one pending automatic top-up
 * (at most one in flight per account, within the monthly cap). The balance row is locked
 * only for the length of that statement, so the stored balance always equals the sum of
 * the account's movements, whatever runs concurrently.
 */

export const MAX_MOVEMENT_AMOUNT = 100_000_000; // one million in major units
export const MAX_BATCH = 5_000;

const movementInput = z.object({
  type: z.enum(movementType.enumValues),
  amount: z
    .number()
    .int()
    .refine((v) => v !== 0, "must not be zero")
    .refine((v) => Math.abs(v) <= MAX_MOVEMENT_AMOUNT, "is out of range"),
  /** The call, SMS or payment id: a movement of a type is posted once per interaction. */
  interactionId: z.string().min(1).max(200).nullish(),
  description: z.string().min(1).max(500),
  destination: z.string().max(64).nullish(),
  units: z.number().int().min(0).nullish(),
  unitType: z.enum(unitType.enumValues).nullish(),
  rateMicros: z.number().int().min(0).nullish(),
  actorUserId: z.uuid().nullish(),
  actor: z.string().min(1).max(100),
  occurredAt: z.date().nullish(),
});

export type MovementInput = z.input<typeof movementInput>;

export interface PostedMovement {
  id: number;
  type: string;
  interactionId: string | null;
  amount: number;
  balanceAfter: number;
}

export interface PostResult {
  posted: PostedMovement[];
  /** Interaction ids skipped because they were already posted. */
  duplicates: string[];
  balanceBefore: number;
  balanceAfter: number;
  /** A pending automatic top-up recorded by this posting, when it crossed the threshold. */
  autoTopUpAttemptId: string | null;
}

export class LedgerError extends Error {}

const UNIQUE_VIOLATION = "23505";
const MAX_ATTEMPTS = 5;

function isUniqueViolation(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } })?.cause ?? error;
  return (cause as { code?: string })?.code === UNIQUE_VIOLATION;
}

/** What ledger_post and ledger_post_many (migrations 0003, 0005) answer, one row per effect. */
export const postingColumns = {
  kind: sql<"movement" | "balance" | "attempt">`kind`,
  id: sql<string | null>`id`,
  type: sql<string | null>`type`,
  interaction_id: sql<string | null>`interaction_id`,
  amount: sql<string | number | null>`amount`,
  balance_after: sql<string | number | null>`balance_after`,
  balance_before: sql<string | number | null>`balance_before`,
};
type Row = RowOf<typeof postingColumns>;

/** One statement: the ledger_post function (migration 0003) does the posting (its rows are read by postingColumns). */
function postingStatement(accountId: string, movements: z.output<typeof movementInput>[]) {
  const payload = JSON.stringify(
    movements.map((m, ord) => ({
      ord,
      type: m.type,
      amount: m.amount,
      interaction_id: m.interactionId ?? null,
      description: m.description,
      destination: m.destination ?? null,
      units: m.units ?? null,
      unit_type: m.unitType ?? null,
      rate_micros: m.rateMicros ?? null,
      actor_user_id: m.actorUserId ?? null,
      actor: m.actor,
      occurred_at: (m.occurredAt ?? null)?.toISOString() ?? null,
    })),
  );
  return sql`from ledger_post(${accountId}::uuid, ${payload}::jsonb)`;
}

async function runPosting(
  db: Executor,
  accountId: string,
  movements: z.output<typeof movementInput>[],
): Promise<Row[]> {
  const statement = postingStatement(accountId, movements);
  // On its own the statement commits by itself, so the balance row is locked for that one
  // statement only. Inside a caller's transaction it runs in a savepoint, so that a lost
  // race (unique violation) can be retried without aborting the caller's transaction.
  return isTransaction(db)
    ? db.transaction((savepoint) => queryRows(savepoint, postingColumns, statement))
    : queryRows(db, postingColumns, statement);
}

function isTransaction(db: Executor): db is Transaction {
  return "rollback" in db;
}

/**
 * Posts movements to an account's balance, atomically and at most once per interaction
 * id. Retries the statement when a concurrent posting of the same interaction wins the
 * race (the unique key is the final guard).
 */
export async function postMovements(
  db: Executor,
  accountId: string,
  inputs: MovementInput[],
): Promise<PostResult> {
  if (inputs.length === 0 || inputs.length > MAX_BATCH) {
    throw new LedgerError(`a posting takes 1 to ${MAX_BATCH} movements`);
  }
  const parsed = z.array(movementInput).safeParse(inputs);
  if (!parsed.success) {
    throw new LedgerError(`invalid movement: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  }
  const movements = parsed.data;
  for (let attempt = 1; ; attempt++) {
    try {
      let rows = await runPosting(db, accountId, movements);
      if (!rows.some((r) => r.kind === "balance")) {
        // First posting of this account: create its balance row, then post.
        await db.insert(creditBalances).values({ accountId }).onConflictDoNothing();
        rows = await runPosting(db, accountId, movements);
      }
      const result = toResult(rows, movements);
      afterCommit(db, () => {
        for (const movement of result.posted) metrics().ledgerMovements.inc({ type: movement.type });
      });
      return result;
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

function toResult(rows: Row[], movements: z.output<typeof movementInput>[]): PostResult {
  const balance = rows.find((r) => r.kind === "balance");
  if (!balance) throw new LedgerError("the account has no balance row");
  const posted = rows
    .filter((r) => r.kind === "movement")
    .map((r) => ({
      id: Number(r.id),
      type: r.type!,
      interactionId: r.interaction_id,
      amount: Number(r.amount),
      balanceAfter: Number(r.balance_after),
    }))
    .sort((a, b) => a.id - b.id);
  // An input is a duplicate unless it is the one occurrence of its interaction that was posted.
  const postedKeys = new Set(posted.map((p) => `${p.type}:${p.interactionId}`));
  const duplicates: string[] = [];
  for (const m of movements) {
    if (!m.interactionId) continue;
    const key = `${m.type}:${m.interactionId}`;
    if (postedKeys.has(key)) postedKeys.delete(key);
    else duplicates.push(m.interactionId);
  }
  return {
    posted,
    duplicates,
    balanceBefore: Number(balance.balance_before),
    balanceAfter: Number(balance.balance_after),
    autoTopUpAttemptId: rows.find((r) => r.kind === "attempt")?.id ?? null,
  };
}

/**
 * Locks an account's balance row (creating it if needed) for the caller's transaction.
 * Whatever also changes a top-up attempt takes the balance first, then the attempt: the
 * order a posting takes them in (it updates the balance, then may record an attempt).
 */
export async function lockBalance(tx: Executor, accountId: string): Promise<void> {
  await tx.insert(creditBalances).values({ accountId }).onConflictDoNothing();
  await tx.select({ accountId: creditBalances.accountId }).from(creditBalances).where(eq(creditBalances.accountId, accountId)).for("update");
}

/** Convenience for one movement. */
export async function postMovement(db: Executor, accountId: string, input: MovementInput): Promise<PostResult> {
  return postMovements(db, accountId, [input]);
}
