import { type SQL, sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { DatabaseHandle, Executor } from "@/db/client";
import { currentRequestId, isWellFormedRequestId, runWithContext } from "@/lib/observability/context";
import { logFor } from "@/lib/observability/log";
import { metrics } from "@/lib/observability/metrics";

/**
 * Background jobs on pg-boss, in the same database. With PGlite, pg-boss runs through the
 * app's own PGlite instance (one process may open it); with Postgres it keeps a small pool.
 */

export const AUTO_TOP_UP_QUEUE = "auto-top-up";

/** Closes an account's ended periods and collects their invoices; one job per account at a time. */
export const CLOSE_PERIOD_QUEUE = "close-period";

/**
 * Retries of a failed automatic top-up: 3 tries in all, 1, then 2 minutes apart. A job
 * still active after a minute is given up as lost (its worker died) and retried like a
 * failure: a charge takes at most the gateway's timeout times its tries (about 45 s), and
 * pg-boss's default of 15 minutes would leave the account without its top-up that long.
 */
export const AUTO_TOP_UP_RETRY = { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 60 } as const;

/** pg-boss's SQL ($1, $2 ...) run through a drizzle executor, e.g. the caller's transaction. */
function executorAdapter(executor: Executor): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const parts = text.split(/\$(\d+)/);
      const chunks: SQL[] = parts.map((part, i) =>
        i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1] ?? null}`,
      );
      const result = await executor.execute(sql.join(chunks));
      return { rows: (result as unknown as { rows: unknown[] }).rows };
    },
  };
}

function pgliteAdapter(handle: DatabaseHandle): PgBoss.Db {
  const pglite = handle.pglite!;
  return {
    async executeSql(text: string, values: unknown[] = []) {
      if (values.length > 0) return pglite.query(text, values);
      // Schema set-up sends several statements at once, which only exec() runs.
      const results = await pglite.exec(text);
      return results[results.length - 1] ?? { rows: [] };
    },
  };
}

const log = logFor("jobs");

/** What a job carries besides its own data: the id of the request that enqueued it. */
export function withRequestId<T extends object>(data: T): T & { requestId?: string } {
  const requestId = currentRequestId();
  return requestId ? { ...data, requestId } : data;
}

/**
 * A pg-boss handler that works each job of a batch in its own context (its id, and the id
 * of the request that enqueued it, on every log line), timed and counted by queue. A job
 * that throws is logged and rethrown, so pg-boss retries it within its limit.
 */
export function jobHandler<T extends object>(queue: string, work: (job: PgBoss.Job<T>) => Promise<unknown>): PgBoss.WorkHandler<T> {
  const { jobRuns, jobFailures } = metrics();
  return async (jobs) => {
    for (const job of jobs) {
      const requestId = (job.data as { requestId?: unknown }).requestId;
      const context = { requestId: isWellFormedRequestId(requestId) ? requestId : undefined, jobId: job.id };
      await runWithContext(context, async () => {
        const started = performance.now();
        log.info({ queue }, "job started");
        try {
          await work(job);
        } catch (error) {
          const seconds = (performance.now() - started) / 1000;
          jobRuns.observe({ queue, result: "failed" }, seconds);
          jobFailures.inc({ queue });
          log.warn({ queue, err: error, seconds }, "job failed");
          throw error;
        }
        const seconds = (performance.now() - started) / 1000;
        jobRuns.observe({ queue, result: "completed" }, seconds);
        log.info({ queue, seconds }, "job completed");
      });
    }
  };
}

/**
 * Works a queue one job at a time, fetching the next at once while jobs keep coming:
 * pg-boss waits the polling interval after every fetch, which would cap a worker at one
 * job per interval however long the queue is (a storm of usage crossing many accounts'
 * thresholds at once, every account renewing on the first of the month).
 */
export async function workUntilEmpty<T extends object>(
  boss: PgBoss,
  queue: string,
  options: { pollingIntervalSeconds: number },
  work: (job: PgBoss.Job<T>) => Promise<unknown>,
): Promise<string> {
  const handler = jobHandler(queue, work);
  const workerId: string = await boss.work<T>(queue, options, async (jobs) => {
    try {
      await handler(jobs);
    } finally {
      boss.notifyWorker(workerId);
    }
  });
  return workerId;
}

/** Jobs left active by a worker that died are failed (and so retried) at most this long after they expire. */
const MAINTENANCE_INTERVAL_SECONDS = 30;

export async function startQueue(handle: DatabaseHandle, options: { poolMax?: number } = {}): Promise<PgBoss> {
  const common = { schedule: false, maintenanceIntervalSeconds: MAINTENANCE_INTERVAL_SECONDS };
  const boss =
    handle.driver === "pglite"
      ? new PgBoss({ db: pgliteAdapter(handle), ...common })
      : new PgBoss({ connectionString: handle.url, max: options.poolMax ?? 3, ...common });
  boss.on("error", (error) => log.error({ err: error }, "job queue error"));
  await boss.start();
  await createQueue(boss, AUTO_TOP_UP_QUEUE, { name: AUTO_TOP_UP_QUEUE, ...AUTO_TOP_UP_RETRY });
  await createQueue(boss, CLOSE_PERIOD_QUEUE, { name: CLOSE_PERIOD_QUEUE, retryLimit: 5, retryDelay: 60, retryBackoff: true });
  return boss;
}

/** Postgres's answers when two processes make the same queue at once. */
const RACE_CODES = new Set(["40P01", "23505", "42P07"]);

/**
 * Makes a queue if it is not there yet. Several workers (and app instances) starting at
 * once on a new database make the same queue tables at once, and Postgres may end one
 * of them as a deadlock: that one tries again shortly, and finds the queue made.
 */
export async function createQueue(boss: PgBoss, name: string, options: PgBoss.Queue): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(name, options);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !RACE_CODES.has(code) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}

/**
 * Enqueues the charge of an automatic top-up attempt, in the caller's transaction. The
 * job id is the attempt id: sending it again changes nothing.
 */
export async function enqueueAutoTopUp(boss: PgBoss, executor: Executor, attempt: { id: string; accountId: string }): Promise<void> {
  await boss.send(AUTO_TOP_UP_QUEUE, withRequestId({ attemptId: attempt.id, accountId: attempt.accountId }), {
    id: attempt.id,
    db: executorAdapter(executor),
    ...AUTO_TOP_UP_RETRY,
  });
}
