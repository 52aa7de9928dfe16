import { openDatabase } from "../../db/client";
import { startQueue } from "../../lib/jobs/queue";
import { smtpMailer } from "../../lib/notices/mailer";
import { startNoticeWorker } from "../../lib/notices/worker";

// A notice worker in its own process, for a test to kill: DATABASE_URL, SMTP_URL and
// NOTICE_LEASE_MS from the environment; prints "ready" once it works the queue.
const handle = await openDatabase({ url: process.env.DATABASE_URL!, poolMax: 3 });
const boss = await startQueue(handle);
await startNoticeWorker(
  handle.db,
  boss,
  smtpMailer(process.env.SMTP_URL!, { timeoutMs: 60_000 }),
  { from: "Billing <billing@cloudline.test>", appUrl: "http://console.test", messageIdDomain: "console.test", leaseMs: Number(process.env.NOTICE_LEASE_MS) },
  { pollingIntervalSeconds: 0.5, sweepMs: 200 },
);
console.log("ready");
