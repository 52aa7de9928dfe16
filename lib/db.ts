import type { Database, DatabaseHandle } from "@/db/client";
import { openDatabase } from "@/db/client";
import { openDatabaseFromEnv } from "@/db/open-from-env";
import { onShutdown } from "./shutdown";

const globalForDb = globalThis as unknown as {
  billingDatabase?: Promise<DatabaseHandle>;
  billingReplica?: Promise<DatabaseHandle>;
};

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

/**
 * Where long reads that may lag a little go: CSV exports and the spend breakdown. With
 * DATABASE_REPLICA_URL (a streaming replica of DATABASE_URL) that is the replica, so the
 * heaviest queries leave the primary alone; without it, the primary. The billing page,
 * permission checks and anything read right after a write use getDb(), so an admin sees
 * their own change at once.
 */
export async function getReplicaDb(): Promise<Database> {
  const url = process.env.DATABASE_REPLICA_URL?.trim();
  if (!url && !globalForDb.billingReplica) return getDb();
  globalForDb.billingReplica ??= openDatabase({ url, poolMax: Number(process.env.DATABASE_POOL_MAX) || 10 }).then(
    (handle) => {
      // Closed at shutdown like the primary, once the exports reading it have finished.
      onShutdown("replica", () => handle.close());
      return handle;
    },
    (error: unknown) => {
      globalForDb.billingReplica = undefined;
      throw error;
    },
  );
  return (await globalForDb.billingReplica).db;
}
