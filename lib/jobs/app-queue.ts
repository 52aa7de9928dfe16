import type PgBoss from "pg-boss";
import { getDatabaseHandle } from "@/lib/db";
import { startQueue } from "./queue";

const globalForQueue = globalThis as unknown as { billingQueue?: Promise<PgBoss> };

/** The app process's pg-boss (for sending jobs; the worker may run elsewhere). */
export function getQueue(): Promise<PgBoss> {
  globalForQueue.billingQueue ??= getDatabaseHandle()
    .then((handle) => startQueue(handle))
    .catch((error: unknown) => {
      globalForQueue.billingQueue = undefined;
      throw error;
    });
  return globalForQueue.billingQueue;
}
