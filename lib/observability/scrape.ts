import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "@/db/client";
import { queryRows } from "@/db/typed-sql";
import { logFor } from "./log";
import { metrics } from "./metrics";

const log = logFor("metrics");

/**
 * The gauges read at scrape time: jobs per queue and state, from the queue's tables in the
 * database (so the app reports the worker's queues too, wherever the worker runs), and the
 * pool's connections. Jobs waiting, to be retried, running, and those that used up their
 * retries are counted; completed ones are not.
 */
export async function refreshGauges(handle: DatabaseHandle): Promise<void> {
  const { queueJobs, queueReachable, dbPoolConnections } = metrics();
  if (handle.poolStats) {
    const pool = handle.poolStats();
    dbPoolConnections.set({ state: "total" }, pool.total);
    dbPoolConnections.set({ state: "idle" }, pool.idle);
    dbPoolConnections.set({ state: "waiting" }, pool.waiting);
  } else {
    dbPoolConnections.set({ state: "total" }, 1);
  }
  try {
    const rows = await queryRows(
      handle.db,
      { name: sql<string>`name`, state: sql<string>`state`, jobs: sql<string | number>`jobs` },
      sql`from (select name, state::text as state, count(*) as jobs from pgboss.job
                where state in ('created', 'retry', 'active', 'failed') group by name, state) counts`,
    );
    queueJobs.reset();
    for (const row of rows) queueJobs.set({ queue: row.name, state: row.state }, Number(row.jobs));
    queueReachable.set(1);
  } catch (error) {
    // Before the queue's first start its tables do not exist yet; the gauge says so.
    queueJobs.reset();
    queueReachable.set(0);
    log.warn({ err: error }, "queue depth not read");
  }
}
