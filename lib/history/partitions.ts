import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/typed-sql";
import { logFor } from "@/lib/observability/log";

/** Months of partitions kept ready beyond the current one. */
export const MONTHS_AHEAD = 3;

/**
 * Makes the monthly partitions of credit movements and usage records from the month of
 * `from` to `monthsAhead` months after it (migration 0022's ensure_history_partitions);
 * answers how many were made. Idempotent, and safe from several workers at once.
 */
export async function ensureHistoryPartitions(db: Executor, from = new Date(), monthsAhead = MONTHS_AHEAD): Promise<number> {
  const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + monthsAhead, 1));
  const [row] = await queryRows(
    db,
    { made: sql<number>`made`.mapWith(Number) },
    sql`from ensure_history_partitions(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz) as made`,
  );
  return row?.made ?? 0;
}

/** The worker's keeper: the partitions now, then every six hours. */
export function startPartitionKeeper(db: Executor, options: { intervalMs?: number } = {}) {
  const log = logFor("partitions");
  const keep = () =>
    ensureHistoryPartitions(db)
      .then((made) => (made > 0 ? log.info({ made }, "history partitions made ahead") : undefined))
      .catch((error: unknown) => log.error({ err: error }, "history partitions could not be made"));
  void keep();
  const timer = setInterval(keep, options.intervalMs ?? 6 * 60 * 60 * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
