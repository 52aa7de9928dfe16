import { EnvError, getEnv } from "./env";
import { mailStartupWarning } from "./notices/mail-warning";
import { logFor } from "./observability/log";
import { onShutdown, timeLeftToStop } from "./shutdown";

const log = logFor("startup");

/** Stops the server at start-up when the environment is incomplete, naming what is wrong. */
export function checkEnvironmentOrExit(): void {
  try {
    const warning = mailStartupWarning(getEnv());
    if (warning) log.warn(warning);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    log.fatal(error.message);
    process.exit(1);
  }
}

/**
 * With the embedded database only this process may open it, so the background worker
 * (automatic top-ups, period close and invoices, email notices) runs here. With Postgres it runs as its own process (npm run worker).
 */
export async function startEmbeddedWorker(): Promise<void> {
  if (getEnv().DATABASE_URL) return;
  const [{ getDb }, { getQueue }, { getGateway }, { startTopUpWorker }, { startInvoiceWorker }, { startNoticeWorkerIfConfigured }] = await Promise.all([
    import("./db"),
    import("./jobs/app-queue"),
    import("./payments"),
    import("./credit/auto-top-up"),
    import("./invoices/worker"),
    import("./notices/setup"),
  ]);
  const db = await getDb();
  const queue = await getQueue();
  const workers = [
    await startTopUpWorker(db, queue, getGateway(db)),
    await startInvoiceWorker(db, queue, getGateway(db)),
    await startNoticeWorkerIfConfigured(db, queue),
  ];
  const { startPartitionKeeper } = await import("./history/partitions");
  const partitionKeeper = startPartitionKeeper(db);
  // Runs before the queue's own hook (registered earlier): the queue stops fetching and
  // lets the jobs in flight finish or go back to the queue, then the sweeps and the mailer stop.
  onShutdown("embedded worker", async () => {
    await queue.stop({ graceful: true, wait: true, timeout: timeLeftToStop(getEnv().SHUTDOWN_GRACE_MS) });
    partitionKeeper.stop();
    for (const worker of workers) await worker?.stop();
  });
}
