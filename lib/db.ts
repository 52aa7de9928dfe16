import type { Database, DatabaseHandle } from "@/db/client";
import { openDatabaseFromEnv } from "@/db/open-from-env";
import { onShutdown } from "./shutdown";

const globalForDb = globalThis as unknown as { billingDatabase?: Promise<DatabaseHandle> };

/** The app's database handle, opened once per process (PGlite allows only one opener). */
export async function getDatabaseHandle(): Promise<DatabaseHandle> {
  globalForDb.billingDatabase ??= openDatabaseFromEnv()
    .then((handle) => {
      // Closed last when the process stops, after the requests and jobs that use it.
      onShutdown("database", () => handle.close());
      return handle;
    })
    .catch((error: unknown) => {
      globalForDb.billingDatabase = undefined;
      throw error;
    });
  return globalForDb.billingDatabase;
}

export async function getDb(): Promise<Database> {
  return (await getDatabaseHandle()).db;
}
