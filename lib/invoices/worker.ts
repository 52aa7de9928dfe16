import type PgBoss from "pg-boss";
import type { Database } from "@/db/client";
import { CLOSE_PERIOD_QUEUE, workUntilEmpty } from "@/lib/jobs/queue";
import { logFor } from "@/lib/observability/log";
import type { PaymentGateway } from "@/lib/payments/gateway";
import { accountsDue, closeDuePeriods } from "./close";
import { markOverdueUncollectible, payInvoice, uncollectedInvoices } from "./payment";

/**
 * The billing cycle in the worker: a sweep (at start and every `sweepMs`) finds accounts
 * whose period has ended, also while the worker was down, and enqueues one close job per
 * account; the job closes every ended period, oldest first, and collects each invoice it
 * issued with the saved payment method. Closing is idempotent, so a job run twice, or on
 * two workers, issues one invoice per period. The sweep also ends dunning: an invoice
 * still unpaid a month after its payment failed is marked uncollectible.
 */

const log = logFor("invoices");

export async function runCloseJob(db: Database, gateway: PaymentGateway, accountId: string, now = new Date()) {
  const issued = await closeDuePeriods(db, accountId, now);
  for (const invoice of issued) {
    const paid = await payInvoice(db, gateway, { accountId, invoiceId: invoice.id, actorUserId: null });
    if (!paid.ok) log.warn({ invoice: invoice.number, accountId, reason: paid.failure.message }, "invoice not collected");
  }
  return issued;
}

export async function sweepInvoices(db: Database, boss: PgBoss, gateway: PaymentGateway, now = new Date()) {
  for (const accountId of await accountsDue(db, now)) {
    await boss.send(CLOSE_PERIOD_QUEUE, { accountId }, { singletonKey: accountId, retryLimit: 5, retryDelay: 60, retryBackoff: true });
  }
  for (const { id, accountId } of await uncollectedInvoices(db)) {
    const paid = await payInvoice(db, gateway, { accountId, invoiceId: id, actorUserId: null });
    if (!paid.ok) log.warn({ invoiceId: id, accountId, reason: paid.failure.message }, "invoice not collected");
  }
  await markOverdueUncollectible(db, gateway, now);
}

export async function startInvoiceWorker(
  db: Database,
  boss: PgBoss,
  gateway: PaymentGateway,
  options: { pollingIntervalSeconds?: number; sweepMs?: number } = {},
) {
  await workUntilEmpty<{ accountId: string }>(
    boss,
    CLOSE_PERIOD_QUEUE,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
    (job) => runCloseJob(db, gateway, job.data.accountId),
  );
  const sweep = () =>
    sweepInvoices(db, boss, gateway).catch((error: unknown) => log.error({ err: error }, "invoice sweep failed"));
  void sweep();
  const timer = setInterval(sweep, options.sweepMs ?? 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await boss.offWork(CLOSE_PERIOD_QUEUE);
    },
  };
}
