import type { Database, DatabaseHandle } from "@/db/client";
import { openDatabaseFromEnv } from "@/db/open-from-env";

const globalForDb = globalThis as unknown as { billingDatabase?: Promise<DatabaseHandle> };

/** The app's database, opened once per process (PGlite allows only one opener). */
export async function getDb(): Promise<Database> {
  globalForDb.billingDatabase ??= openDatabaseFromEnv().catch((error: unknown) => {
    globalForDb.billingDatabase = undefined;
    throw error;
  });
  return (await globalForDb.billingDatabase).db;
}
