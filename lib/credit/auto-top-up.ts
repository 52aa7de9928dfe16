import { taxOfTopUp } from "@/lib/invoices/top-up";
import { and, count, eq, inArray, like, sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import type { Database, Executor } from "@/db/client";
import { accounts, autoTopUpSettings, creditBalances, type TopUpAttempt, topUpAttempts } from "@/db/schema";
import { AUTO_TOP_UP_QUEUE, enqueueAutoTopUp, workUntilEmpty } from "@/lib/jobs/queue";
import { logFor } from "@/lib/observability/log";
import type { PaymentGateway } from "@/lib/payments/gateway";
import { expireUnconfirmedTopUps } from "./authentication";
import { chargeAttempt, reconcilePendingTopUps, type TopUpOutcome } from "./top-ups";

const log = logFor("auto-top-up");

export interface AutoTopUpState {
  enabled: boolean;
  threshold: number;
  amount: number;
  monthlyCap: number | null;
  consecutiveFailures: number;
  disabledReason: string | null;
  balance: number;
  currency: string;
  /** What automatic top-ups charged (or are charging) since the first of this month. */
  spentThisMonth: number;
  /** The first of next month, in the account's time zone: when the spending starts again from zero. */
  capResetsAt: Date;
  /**
   * Why the monthly cap holds automatic top-ups back until capResetsAt: "reached" when
   * nothing is left under it, "next_exceeds" when the next top-up would go over it.
   */
  capHolds: "reached" | "next_exceeds" | null;
}

/**
 * The account's auto top-up settings and the monthly cap rule, for the job and the page
 * alike: automatic top-ups pending, awaiting authentication or succeeded since the first
 * of the month (in the account's time zone) count against the cap, and a top-up is
 * charged only if it fits under what is left.
 */
export async function getAutoTopUpState(db: Executor, accountId: string): Promise<AutoTopUpState | null> {
  const [row] = await db
    .select({
      enabled: autoTopUpSettings.enabled,
      threshold: autoTopUpSettings.threshold,
      amount: autoTopUpSettings.amount,
      monthlyCap: autoTopUpSettings.monthlyCap,
      consecutiveFailures: autoTopUpSettings.consecutiveFailures,
      disabledReason: autoTopUpSettings.disabledReason,
      balance: creditBalances.balance,
      currency: accounts.currency,
      spentThisMonth: sql<number>`(
        select coalesce(sum(t.amount), 0) from ${topUpAttempts} t
        where t.account_id = ${accountId} and t.kind = 'auto'
          and t.status in ('pending', 'requires_action', 'succeeded')
          and t.created_at >= date_trunc('month', now() at time zone ${accounts.timeZone}) at time zone ${accounts.timeZone})`.mapWith(Number),
      capResetsAt: sql<Date>`(date_trunc('month', now() at time zone ${accounts.timeZone}) + interval '1 month') at time zone ${accounts.timeZone}`.mapWith(
        topUpAttempts.createdAt,
      ),
    })
    .from(autoTopUpSettings)
    .innerJoin(accounts, eq(accounts.id, autoTopUpSettings.accountId))
    .leftJoin(creditBalances, eq(creditBalances.accountId, autoTopUpSettings.accountId))
    .where(eq(autoTopUpSettings.accountId, accountId));
  if (!row) return null;
  const capHolds =
    row.monthlyCap === null || row.spentThisMonth + row.amount <= row.monthlyCap
      ? null
      : row.spentThisMonth >= row.monthlyCap
        ? "reached"
        : "next_exceeds";
  return { ...row, balance: row.balance ?? 0, capHolds };
}

/** Whether an automatic top-up should be charged now: on, below the threshold, under the cap. */
async function autoTopUpDue(tx: Executor, accountId: string) {
  const state = await getAutoTopUpState(tx, accountId);
  if (!state || !state.enabled) return null;
  if (state.balance >= state.threshold) return null;
  if (state.capHolds) return null;
  return state;
}

/**
 * Records a new automatic top-up attempt when one is due and none is in flight (the
 * partial unique index keeps it to one), returning it, in the caller's transaction.
 */
export async function createDueAttempt(tx: Executor, accountId: string, idempotencyKey: string) {
  const due = await autoTopUpDue(tx, accountId);
  if (!due) return null;
  const tax = await taxOfTopUp(tx, accountId, due.amount);
  const [attempt] = await tx
    .insert(topUpAttempts)
    .values({ accountId, kind: "auto", status: "pending", amount: due.amount, ...tax, currency: due.currency, idempotencyKey })
    .onConflictDoNothing()
    .returning();
  return attempt ?? null;
}

export class RetryLater extends Error {}

/**
 * The job: charge one automatic top-up. A provider that does not answer, or a decline
 * while auto top-up is still on and the balance still low, throws RetryLater so that
 * pg-boss runs the job again with backoff; each retry is a new attempt (recorded with
 * its reason) until one succeeds or three failures in a row switch auto top-up off.
 */
export async function runAutoTopUp(db: Database, gateway: PaymentGateway, attemptId: string, accountId: string): Promise<TopUpOutcome | null> {
  const [first] = await db
    .select()
    .from(topUpAttempts)
    .where(and(eq(topUpAttempts.accountId, accountId), eq(topUpAttempts.id, attemptId)));
  if (!first || first.kind !== "auto") return null;
  let attempt: TopUpAttempt | null = first;
  if (first.status === "failed") {
    const [{ retries }] = (await db
      .select({ retries: count() })
      .from(topUpAttempts)
      .where(and(eq(topUpAttempts.accountId, first.accountId), like(topUpAttempts.idempotencyKey, `auto-retry:${first.id}:%`)))) as [
      { retries: number },
    ];
    attempt = await createDueAttempt(db, first.accountId, `auto-retry:${first.id}:${retries + 1}`);
  } else if (first.status !== "pending") {
    return null;
  }
  if (!attempt) return null;
  const outcome = await chargeAttempt(db, gateway, attempt);
  if (outcome.status === "pending") throw new RetryLater(outcome.message);
  if (outcome.status === "failed" && (await autoTopUpDue(db, first.accountId))) throw new RetryLater(outcome.message);
  return outcome;
}

/**
 * The account of an attempt named by its id alone: for a job queued before jobs carried
 * their account. (Every other read of an attempt names its account, the key's first column.)
 */
async function accountOfAttempt(db: Database, attemptId: string): Promise<string | null> {
  log.warn({ attemptId }, "a top-up job without its account: looked up by the attempt's id alone");
  const [row] = await db.select({ accountId: topUpAttempts.accountId }).from(topUpAttempts).where(eq(topUpAttempts.id, attemptId));
  return row?.accountId ?? null;
}

/**
 * Catches up after a crash or a lost answer: enqueues pending automatic attempts (a job
 * id per attempt, so never twice), asks the provider about stale manual ones, and cancels
 * payments the cardholder left unconfirmed for 24 hours.
 */
export async function sweepTopUps(db: Database, boss: PgBoss, gateway: PaymentGateway) {
  const pendingAuto = await db
    .select({ id: topUpAttempts.id, accountId: topUpAttempts.accountId })
    .from(topUpAttempts)
    .where(and(eq(topUpAttempts.kind, "auto"), inArray(topUpAttempts.status, ["pending"])));
  for (const attempt of pendingAuto) await enqueueAutoTopUp(boss, db, attempt);
  const stale = await db
    .select({ id: topUpAttempts.id })
    .from(topUpAttempts)
    .where(and(eq(topUpAttempts.kind, "manual"), eq(topUpAttempts.status, "pending")));
  if (stale.length > 0) await reconcilePendingTopUps(db, gateway);
  await expireUnconfirmedTopUps(db, gateway);
}

export interface TopUpWorker {
  boss: PgBoss;
  stop(): Promise<void>;
}

/** Works the auto top-up queue, and sweeps every `sweepMs`. */
export async function startTopUpWorker(
  db: Database,
  boss: PgBoss,
  gateway: PaymentGateway,
  options: { pollingIntervalSeconds?: number; sweepMs?: number } = {},
): Promise<TopUpWorker> {
  await workUntilEmpty<{ attemptId: string; accountId?: string }>(
    boss,
    AUTO_TOP_UP_QUEUE,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
    async (job) => {
      const accountId = job.data.accountId ?? (await accountOfAttempt(db, job.data.attemptId));
      return accountId ? runAutoTopUp(db, gateway, job.data.attemptId, accountId) : null;
    },
  );
  const sweep = setInterval(() => {
    sweepTopUps(db, boss, gateway).catch((error: unknown) => log.error({ err: error }, "top-up sweep failed"));
  }, options.sweepMs ?? 60_000);
  sweep.unref();
  return {
    boss,
    async stop() {
      clearInterval(sweep);
      await boss.offWork(AUTO_TOP_UP_QUEUE);
    },
  };
}
