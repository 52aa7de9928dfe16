import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor, Transaction } from "@/db/client";
import { movementType, unitType } from "@/db/schema";

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

interface Row {
  kind: "movement" | "balance" | "attempt";
  id: string | null;
  type: string | null;
  interaction_id: string | null;
  amount: string | number | null;
  balance_after: string | number | null;
  balance_before: string | number | null;
}

/** One statement: the ledger_post function (migration 0003) does the posting. */
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
  return sql`select * from ledger_post(${accountId}::uuid, ${payload}::jsonb)`;
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
  const result = isTransaction(db)
    ? await db.transaction((savepoint) => savepoint.execute(statement))
    : await db.execute(statement);
  return (result as unknown as { rows: Row[] }).rows;
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
        await db.execute(sql`insert into credit_balances (account_id) values (${accountId}) on conflict do nothing`);
        rows = await runPosting(db, accountId, movements);
      }
      return toResult(rows, movements);
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
  await tx.execute(sql`insert into credit_balances (account_id) values (${accountId}) on conflict do nothing`);
  await tx.execute(sql`select 1 from credit_balances where account_id = ${accountId} for update`);
}

/** Convenience for one movement. */
export async function postMovement(db: Executor, accountId: string, input: MovementInput): Promise<PostResult> {
  return postMovements(db, accountId, [input]);
}
