import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { run } from "@/db/typed-sql";
import { logFor } from "./observability/log";

const TIMEOUT_MS = 2000;
const log = logFor("health");

type Check = { ok: true } | { ok: false; error: string };

/** Whether `probe` answers within two seconds; what went wrong is logged, not answered. */
async function answersInTime(what: string, probe: () => Promise<unknown>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { ok: true };
  } catch (error) {
    log.error({ check: what, err: error }, `health check: ${what} unreachable`);
    return { ok: false, error: "unreachable" };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the database answers a trivial query within two seconds. */
export function checkDatabase(open: () => Promise<Database>): Promise<Check> {
  return answersInTime("database", () => open().then((db) => run(db, sql`select 1`)));
}

/**
 * Whether the job queue (pg-boss, in the same database) is started in this process and
 * its tables answer within two seconds. `start` is the process's queue (started once,
 * then cached); the tables are read through the app's pool, so a check does not wait
 * behind the queue's own few connections.
 */
export function checkQueue(start: () => Promise<unknown>, open: () => Promise<Database>): Promise<Check> {
  return answersInTime("queue", async () => {
    await start();
    await run(await open(), sql`select version from pgboss.version limit 1`);
  });
}
