import type PgBoss from "pg-boss";
import type { Database } from "@/db/client";
import { type DeliveryOptions, deliverNotice, dueNotices, giveUpAbandoned } from "./deliver";
import { createQueue, jobHandler } from "@/lib/jobs/queue";
import { logFor } from "@/lib/observability/log";
import type { Mailer } from "./mailer";

/**
 * The worker's part of notices: a sweep (at start and every `sweepMs`) finds notices that
 * are due and enqueues a pg-boss job for each; the job sends the notice. The notice's id
 * is the job's singleton key on a "short" queue, so sweeps that overlap enqueue it once
 * while a job for it is waiting, and a job that failed (the database was briefly away)
 * does not stop the next sweep from enqueueing it again. The claim in deliverNotice keeps two workers
 * from sending the same attempt. Backoff between attempts is the notice's own
 * next_attempt_at.
 */

export const NOTICE_QUEUE = "notice-email";

const log = logFor("notices");

export async function sweepNotices(db: Database, boss: PgBoss): Promise<number> {
  await giveUpAbandoned(db);
  const due = await dueNotices(db);
  for (const { id, accountId } of due) {
    await boss.send(NOTICE_QUEUE, { noticeId: id, accountId }, { singletonKey: id, retryLimit: 2, retryDelay: 10, retryBackoff: true });
  }
  return due.length;
}

export interface NoticeWorker {
  /** Runs a sweep now (after a test wrote notices, say). */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

export async function startNoticeWorker(
  db: Database,
  boss: PgBoss,
  mailer: Mailer,
  delivery: DeliveryOptions,
  options: { pollingIntervalSeconds?: number; sweepMs?: number; batchSize?: number } = {},
): Promise<NoticeWorker> {
  // "short": at most one waiting job per singleton key (the notice), however often swept.
  await createQueue(boss, NOTICE_QUEUE, { name: NOTICE_QUEUE, policy: "short", retryLimit: 2, retryDelay: 10, retryBackoff: true });
  await boss.work<{ noticeId: string; accountId?: string }>(
    NOTICE_QUEUE,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2, batchSize: options.batchSize ?? 5 },
    // A job queued before jobs carried the notice's account is dropped: the next sweep queues it again, whole.
    jobHandler(NOTICE_QUEUE, (job) =>
      job.data.accountId ? deliverNotice(db, mailer, { accountId: job.data.accountId, id: job.data.noticeId }, delivery) : Promise.resolve("not_due" as const),
    ),
  );
  const sweep = () =>
    sweepNotices(db, boss).then(
      () => undefined,
      (error: unknown) => log.error({ err: error }, "notice sweep failed"),
    );
  void sweep();
  const timer = setInterval(sweep, options.sweepMs ?? 5_000);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await boss.offWork(NOTICE_QUEUE);
      mailer.close();
    },
  };
}
