import { startTopUpWorker } from "../lib/credit/auto-top-up";
import { startInvoiceWorker } from "../lib/invoices/worker";
import { startPartitionKeeper } from "../lib/history/partitions";
import { getMailEnv, getPaymentEnv } from "../lib/env";
import { mailStartupWarning, startNoticeWorkerIfConfigured } from "../lib/notices/setup";
import { startQueue } from "../lib/jobs/queue";
import { getGateway } from "../lib/payments/index";
import { openDatabaseFromEnv } from "../db/open-from-env";

// The background worker for a Postgres deployment (with PGlite it runs inside the app).
getPaymentEnv();
const mailEnv = getMailEnv();
if (!process.env.DATABASE_URL) {
  console.error("The worker runs beside Postgres only; with the embedded database the app runs it itself.");
  process.exit(2);
}
const handle = await openDatabaseFromEnv();
const boss = await startQueue(handle);
const gateway = getGateway(handle.db);
const worker = await startTopUpWorker(handle.db, boss, gateway);
const invoiceWorker = await startInvoiceWorker(handle.db, boss, gateway);
const noticeWorker = await startNoticeWorkerIfConfigured(handle.db, boss, mailEnv);
const partitionKeeper = startPartitionKeeper(handle.db);
console.log(`worker: automatic top-ups, period close and invoices (${gateway.name} payments), email notices`);
const mailWarning = mailStartupWarning(mailEnv);
if (mailWarning) console.warn(mailWarning);
const stop = async () => {
  partitionKeeper.stop();
  await worker.stop();
  await invoiceWorker.stop();
  await noticeWorker?.stop();
  await boss.stop({ graceful: true, wait: true });
  await handle.close();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
