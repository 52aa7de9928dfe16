import { EnvError, getEnv } from "./env";

/** Stops the server at start-up when the environment is incomplete, naming what is wrong. */
export function checkEnvironmentOrExit(): void {
  try {
    getEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }
}

/**
 * With the embedded database only this process may open it, so the background worker
 * (automatic top-ups, period close and invoices) runs here. With Postgres it runs as its own process (npm run worker).
 */
export async function startEmbeddedWorker(): Promise<void> {
  if (getEnv().DATABASE_URL) return;
  const [{ getDb }, { getQueue }, { getGateway }, { startTopUpWorker }, { startInvoiceWorker }] = await Promise.all([
    import("./db"),
    import("./jobs/app-queue"),
    import("./payments"),
    import("./credit/auto-top-up"),
    import("./invoices/worker"),
  ]);
  const db = await getDb();
  const queue = await getQueue();
  await startTopUpWorker(db, queue, getGateway(db));
  await startInvoiceWorker(db, queue, getGateway(db));
}
