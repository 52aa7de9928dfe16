import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor, Transaction } from "@/db/client";
import { movementType, unitType } from "@/db/schema";

/**
 * The ledger: the only code that changes a credit balance.
 *
 * A posting is one SQL statement: it skips movements whose interaction id was already
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

/** One statement: dedupe, update the balance, insert the movements, maybe record a top-up. */
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
  return sql`
    with input as (
      select * from jsonb_to_recordset(${payload}::jsonb) as x(
        ord int, type movement_type, amount bigint, interaction_id text, description text,
        destination text, units int, unit_type unit_type, rate_micros bigint,
        actor_user_id uuid, actor text, occurred_at timestamptz)
    ),
    fresh as (
      select distinct on (coalesce(i.interaction_id, 'ord:' || i.ord), i.type) i.*
      from input i
      where i.interaction_id is null or not exists (
        select 1 from credit_movements m
        where m.account_id = ${accountId} and m.type = i.type and m.interaction_id = i.interaction_id)
      order by coalesce(i.interaction_id, 'ord:' || i.ord), i.type, i.ord
    ),
    total as (select coalesce(sum(amount), 0)::bigint as amount from fresh),
    balance as (
      update credit_balances b
      set balance = b.balance + (select amount from total), updated_at = now()
      where b.account_id = ${accountId}
      returning b.balance as after, b.balance - (select amount from total) as before
    ),
    inserted as (
      insert into credit_movements (account_id, occurred_at, type, interaction_id, description,
        destination, units, unit_type, rate_micros, amount, balance_after, actor_user_id, actor)
      select ${accountId}, coalesce(f.occurred_at, now()), f.type, f.interaction_id, f.description,
             f.destination, f.units, f.unit_type, f.rate_micros, f.amount,
             balance.before + sum(f.amount) over (order by f.ord), f.actor_user_id, f.actor
      from fresh f cross join balance
      order by f.ord
      returning id, type, interaction_id, amount, balance_after
    ),
    crossing as (
      select s.amount, a.currency, (select max(id) from inserted) as movement_id
      from auto_top_up_settings s
      join accounts a on a.id = s.account_id
      cross join balance
      where s.account_id = ${accountId} and s.enabled
        and balance.before >= s.threshold and balance.after < s.threshold
        and (s.monthly_cap is null or s.amount + (
          select coalesce(sum(t.amount), 0) from top_up_attempts t
          where t.account_id = ${accountId} and t.kind = 'auto'
            and t.status in ('pending', 'requires_action', 'succeeded')
            and t.created_at >= date_trunc('month', now() at time zone a.time_zone) at time zone a.time_zone
        ) <= s.monthly_cap)
    ),
    attempt as (
      insert into top_up_attempts (account_id, kind, status, amount, currency, idempotency_key,
        triggered_by_movement_id)
      select ${accountId}, 'auto', 'pending', c.amount, c.currency, 'auto-top-up:' || c.movement_id, c.movement_id
      from crossing c
      on conflict do nothing
      returning id
    )
    select 'movement' as kind, id::text as id, type::text as type, interaction_id, amount,
           balance_after, null::bigint as balance_before
    from inserted
    union all
    select 'balance', null, null, null, null, after, before from balance
    union all
    select 'attempt', id::text, null, null, null, null, null from attempt`;
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

/** Convenience for one movement. */
export async function postMovement(db: Executor, accountId: string, input: MovementInput): Promise<PostResult> {
  return postMovements(db, accountId, [input]);
}
