import { EnvError, getEnv } from "./env";
import { mailStartupWarning } from "./notices/mail-warning";

/** Stops the server at start-up when the environment is incomplete, naming what is wrong. */
export function checkEnvironmentOrExit(): void {
  try {
    const warning = mailStartupWarning(getEnv());
    if (warning) console.warn(warning);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(`\n${error.message}\n`);
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
  await startTopUpWorker(db, queue, getGateway(db));
  await startInvoiceWorker(db, queue, getGateway(db));
  await startNoticeWorkerIfConfigured(db, queue);
  const { startPartitionKeeper } = await import("./history/partitions");
  startPartitionKeeper(db);
}
