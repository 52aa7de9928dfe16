import http from "node:http";
import { startTopUpWorker } from "../lib/credit/auto-top-up";
import { startInvoiceWorker } from "../lib/invoices/worker";
import { startPartitionKeeper } from "../lib/history/partitions";
import { EnvError, getMailEnv, getOperationsEnv, getPaymentEnv } from "../lib/env";
import { mailStartupWarning, startNoticeWorkerIfConfigured } from "../lib/notices/setup";
import { startQueue } from "../lib/jobs/queue";
import { logFor } from "../lib/observability/log";
import { metrics } from "../lib/observability/metrics";
import { scrape } from "../lib/observability/exposition";
import { getGateway } from "../lib/payments/index";
import { openDatabaseFromEnv } from "../db/open-from-env";

// The background worker for a Postgres deployment (with PGlite it runs inside the app).
const log = logFor("worker");
let env: { mail: ReturnType<typeof getMailEnv>; operations: ReturnType<typeof getOperationsEnv> };
try {
  getPaymentEnv();
  env = { mail: getMailEnv(), operations: getOperationsEnv() };
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  log.fatal(error.message);
  process.exit(1);
}
if (!process.env.DATABASE_URL) {
  log.fatal("The worker runs beside Postgres only; with the embedded database the app runs it itself.");
  process.exit(2);
}
const handle = await openDatabaseFromEnv();
const boss = await startQueue(handle);
const gateway = getGateway(handle.db);
const worker = await startTopUpWorker(handle.db, boss, gateway);
const invoiceWorker = await startInvoiceWorker(handle.db, boss, gateway);
const noticeWorker = await startNoticeWorkerIfConfigured(handle.db, boss, env.mail);
const partitionKeeper = startPartitionKeeper(handle.db);
log.info({ payments: gateway.name, notices: !!noticeWorker }, "worker: automatic top-ups, period close and invoices, email notices");
const mailWarning = mailStartupWarning(env.mail);
if (mailWarning) log.warn(mailWarning);

// Its own metrics (jobs run and failed here, the process, its pool), for Prometheus to scrape.
const metricsServer = env.operations.WORKER_METRICS_PORT
  ? http
      .createServer((req, res) => {
        const answer = req.url?.split("?")[0] === "/metrics"
          ? scrape(req.headers.authorization, env.operations.METRICS_TOKEN, async () => handle)
          : Promise.resolve(Response.json({ error: "not found" }, { status: 404 }));
        answer
          .then(async (response) => {
            res.writeHead(response.status, Object.fromEntries(response.headers));
            res.end(await response.text());
          })
          .catch((error: unknown) => {
            log.error({ err: error }, "metrics scrape failed");
            res.writeHead(500).end();
          });
      })
      .listen(env.operations.WORKER_METRICS_PORT, () => log.info({ port: env.operations.WORKER_METRICS_PORT }, "worker metrics on /metrics"))
  : null;

/**
 * Stops fetching jobs, lets those in flight finish for up to SHUTDOWN_GRACE_MS (pg-boss
 * fails what is still running then, so it is retried, never left active), stops the
 * sweeps and the mailer, closes the pools and exits 0.
 */
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  metrics().shuttingDown.set(1);
  log.info({ signal, graceMs: env.operations.SHUTDOWN_GRACE_MS }, "stopping: no new jobs; finishing those in flight");
  try {
    await boss.stop({ graceful: true, wait: true, timeout: env.operations.SHUTDOWN_GRACE_MS });
    partitionKeeper.stop();
    await worker.stop();
    await invoiceWorker.stop();
    await noticeWorker?.stop();
    metricsServer?.close();
    await handle.close();
    log.info("stopped");
    process.exit(0);
  } catch (error) {
    log.error({ err: error }, "stop failed");
    process.exit(1);
  }
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
