import type PgBoss from "pg-boss";
import { getDatabaseHandle } from "@/lib/db";
import { getOperationsEnv } from "@/lib/env";
import { onShutdown, timeLeftToStop } from "@/lib/shutdown";
import { startQueue } from "./queue";

const globalForQueue = globalThis as unknown as { billingQueue?: Promise<PgBoss> };

/** The app process's pg-boss (for sending jobs; the worker may run elsewhere). */
export function getQueue(): Promise<PgBoss> {
  globalForQueue.billingQueue ??= getDatabaseHandle()
    .then(async (handle) => {
      const boss = await startQueue(handle);
      // Before the database closes: jobs this process works (the embedded worker) finish or go back to the queue.
      onShutdown("queue", () => boss.stop({ graceful: true, wait: true, timeout: timeLeftToStop(getOperationsEnv().SHUTDOWN_GRACE_MS) }));
      return boss;
    })
    .catch((error: unknown) => {
      globalForQueue.billingQueue = undefined;
      throw error;
    });
  return globalForQueue.billingQueue;
}
