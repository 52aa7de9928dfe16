import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { run } from "@/db/typed-sql";

const TIMEOUT_MS = 2000;

/** Whether the database answers a trivial query within two seconds. */
export async function checkDatabase(
  open: () => Promise<Database>,
): Promise<{ ok: true } | { ok: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    await Promise.race([open().then((db) => run(db, sql`select 1`)), timeout]);
    return { ok: true };
  } catch (error) {
    console.error("health check: database unreachable:", error instanceof Error ? error.message : error);
    return { ok: false, error: "unreachable" };
  } finally {
    clearTimeout(timer);
  }
}
