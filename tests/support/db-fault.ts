import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";

/**
 * Makes the database refuse updates of `table` whose rows match `when` (SQL over `old`
 * and `new`), as a database that fails mid-request would, until the returned function is
 * called. A trigger raises, so the whole transaction that made the update rolls back.
 */
export async function refuseUpdates(db: Database, table: "top_up_attempts" | "subscriptions", when: string) {
  const name = `test_fault_${randomBytes(6).toString("hex")}`;
  await db.execute(
    sql.raw(`create function ${name}() returns trigger language plpgsql as $$
      begin raise exception 'test fault: % refused', tg_table_name; end $$`),
  );
  await db.execute(sql.raw(`create trigger ${name} before update on ${table} for each row when (${when}) execute function ${name}()`));
  let removed = false;
  return async () => {
    if (removed) return;
    removed = true;
    await db.execute(sql.raw(`drop trigger ${name} on ${table}`));
    await db.execute(sql.raw(`drop function ${name}()`));
  };
}
