import { type SQL, sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { DatabaseHandle, Executor } from "@/db/client";

/**
 * Background jobs on pg-boss, in the same database. With PGlite, pg-boss runs through the
 * app's own PGlite instance (one process may open it); with Postgres it keeps a small pool.
 */

export const AUTO_TOP_UP_QUEUE = "auto-top-up";

/** Closes an account's ended periods and collects their invoices; one job per account at a time. */
export const CLOSE_PERIOD_QUEUE = "close-period";

/** Retries of a failed automatic top-up: 3 tries in all, 1, then 2 minutes apart. */
export const AUTO_TOP_UP_RETRY = { retryLimit: 2, retryDelay: 60, retryBackoff: true } as const;

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

export async function startQueue(handle: DatabaseHandle, options: { poolMax?: number } = {}): Promise<PgBoss> {
  const boss =
    handle.driver === "pglite"
      ? new PgBoss({ db: pgliteAdapter(handle), schedule: false })
      : new PgBoss({ connectionString: handle.url, max: options.poolMax ?? 3, schedule: false });
  boss.on("error", (error) => console.error("job queue error:", error.message));
  await boss.start();
  await boss.createQueue(AUTO_TOP_UP_QUEUE, { name: AUTO_TOP_UP_QUEUE, ...AUTO_TOP_UP_RETRY });
  await boss.createQueue(CLOSE_PERIOD_QUEUE, { name: CLOSE_PERIOD_QUEUE, retryLimit: 5, retryDelay: 60, retryBackoff: true });
  return boss;
}

/**
 * Enqueues the charge of an automatic top-up attempt, in the caller's transaction. The
 * job id is the attempt id: sending it again changes nothing.
 */
export async function enqueueAutoTopUp(boss: PgBoss, executor: Executor, attemptId: string): Promise<void> {
  await boss.send(AUTO_TOP_UP_QUEUE, { attemptId }, { id: attemptId, db: executorAdapter(executor), ...AUTO_TOP_UP_RETRY });
}
