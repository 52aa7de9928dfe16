import { createHash } from "node:crypto";
import type PgBoss from "pg-boss";
import type { Database } from "@/db/client";
import { type DeliveryOptions, deliverNotice, dueNotices } from "./deliver";
import type { Mailer } from "./mailer";

/**
 * The worker's part of notices: a sweep (at start and every `sweepMs`) finds notices that
 * are due and enqueues one pg-boss job per delivery attempt; the job sends the notice.
 * The job id is derived from the notice and its attempt number, so sweeps that overlap
 * enqueue each attempt once, and the claim in deliverNotice keeps two workers from
 * sending the same attempt. Backoff between attempts is the notice's own next_attempt_at.
 */

export const NOTICE_QUEUE = "notice-email";

/** A UUID of (notice, attempt): the same attempt is the same job. */
export function noticeJobId(noticeId: string, attempts: number): string {
  const h = createHash("sha256").update(`${noticeId}:${attempts}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function sweepNotices(db: Database, boss: PgBoss): Promise<number> {
  const due = await dueNotices(db);
  for (const { id, attempts } of due) {
    await boss.send(NOTICE_QUEUE, { noticeId: id }, { id: noticeJobId(id, attempts), retryLimit: 2, retryDelay: 10, retryBackoff: true });
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
  await boss.createQueue(NOTICE_QUEUE, { name: NOTICE_QUEUE, retryLimit: 2, retryDelay: 10, retryBackoff: true });
  await boss.work<{ noticeId: string }>(
    NOTICE_QUEUE,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2, batchSize: options.batchSize ?? 5 },
    async (jobs) => {
      for (const job of jobs) await deliverNotice(db, mailer, job.data.noticeId, delivery);
    },
  );
  const sweep = () =>
    sweepNotices(db, boss).then(
      () => undefined,
      (error: unknown) => console.error("notice sweep failed:", error),
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
