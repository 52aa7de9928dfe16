import type { Database, DatabaseHandle } from "@/db/client";
import { openDatabaseFromEnv } from "@/db/open-from-env";

const globalForDb = globalThis as unknown as { billingDatabase?: Promise<DatabaseHandle> };

/** The app's database handle, opened once per process (PGlite allows only one opener). */
export async function getDatabaseHandle(): Promise<DatabaseHandle> {
  globalForDb.billingDatabase ??= openDatabaseFromEnv().catch((error: unknown) => {
    globalForDb.billingDatabase = undefined;
    throw error;
  });
  return globalForDb.billingDatabase;
}

export async function getDb(): Promise<Database> {
  return (await getDatabaseHandle()).db;
}
