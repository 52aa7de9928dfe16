import { and, eq, or, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { type Notice, notices } from "@/db/schema";
import { composeNotice } from "./compose";
import type { Mailer } from "./mailer";
import { recipientsOf } from "./recipients";
import { logFor } from "@/lib/observability/log";

const log = logFor("notices");

/**
 * Sending one notice from the outbox, at most once in practice and never lost:
 *
 * 1. Claim: one UPDATE moves the notice to `sending` with a lease, if it is due (pending
 *    and past its backoff) or its previous claim's lease ran out (that worker died).
 * 2. Send, with a Message-ID fixed per notice.
 * 3. Record: `sent`; or on failure `pending` with a backoff, `failed` after MAX_ATTEMPTS.
 *
 * A worker killed before the SMTP server accepted the message leaves the claim to run
 * out, and the notice is sent once by the next claim. A worker killed after the server
 * accepted it but before step 3 is the one case SMTP cannot rule out: the message is
 * sent again with the same Message-ID, which mail clients show once.
 */

export const MAX_ATTEMPTS = 6;
export const DEFAULT_LEASE_MS = 5 * 60_000;

/** Seconds to wait after the nth failed attempt: 1, 2, 4, 8, 16 minutes. */
export function backoffSeconds(attempt: number): number {
  return 60 * 2 ** Math.max(0, attempt - 1);
}

export interface DeliveryOptions {
  from: string;
  appUrl: string;
  /** The host part of Message-IDs. */
  messageIdDomain: string;
  leaseMs?: number;
  /** For tests: seconds of backoff after a failed attempt. */
  backoff?: (attempt: number) => number;
}

/** A notice, named by its key: the account first, then its id. */
export interface NoticeRef {
  accountId: string;
  id: string;
}

export type DeliveryResult = "sent" | "skipped" | "retry" | "failed" | "not_due";

/** Claims a notice for sending; null when it is not due or another worker holds it. */
export async function claimNotice(db: Database, ref: NoticeRef, leaseMs: number): Promise<Notice | null> {
  const [claimed] = await db
    .update(notices)
    .set({
      status: "sending",
      attempts: sql`${notices.attempts} + 1`,
      leaseUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})`,
    })
    .where(
      and(
        eq(notices.accountId, ref.accountId),
        eq(notices.id, ref.id),
        or(
          and(eq(notices.status, "pending"), sql`${notices.nextAttemptAt} <= now()`),
          and(eq(notices.status, "sending"), sql`${notices.leaseUntil} < now()`, sql`${notices.attempts} < ${MAX_ATTEMPTS}`),
        ),
      ),
    )
    .returning();
  return claimed ?? null;
}

/**
 * Notices whose last allowed attempt never came back (the worker died while sending, each
 * time): failed, so that a notice that kills the worker is not tried for ever.
 */
export async function giveUpAbandoned(db: Database): Promise<number> {
  const failed = await db
    .update(notices)
    .set({ status: "failed", leaseUntil: null, lastError: `Gave up after ${MAX_ATTEMPTS} attempts: the sender stopped while sending.` })
    .where(and(eq(notices.status, "sending"), sql`${notices.leaseUntil} < now()`, sql`${notices.attempts} >= ${MAX_ATTEMPTS}`))
    .returning({ id: notices.id });
  return failed.length;
}

export function messageIdOf(notice: Pick<Notice, "id">, domain: string): string {
  return `<notice-${notice.id}@${domain}>`;
}

export async function deliverNotice(db: Database, mailer: Mailer, ref: NoticeRef, options: DeliveryOptions): Promise<DeliveryResult> {
  const notice = await claimNotice(db, ref, options.leaseMs ?? DEFAULT_LEASE_MS);
  if (!notice) return "not_due";
  const mine = and(eq(notices.id, notice.id), eq(notices.accountId, notice.accountId), eq(notices.attempts, notice.attempts));
  let recipients: string[] = [];
  try {
    recipients = await recipientsOf(db, notice.accountId, notice.kind);
    const email = recipients.length > 0 ? await composeNotice(db, notice, options.appUrl) : null;
    if (!email) {
      await db
        .update(notices)
        .set({ status: "skipped", leaseUntil: null, recipients, lastError: recipients.length === 0 ? "Nobody to send it to." : "What it was about no longer exists." })
        .where(mine);
      return "skipped";
    }
    await mailer.send({
      messageId: messageIdOf(notice, options.messageIdDomain),
      from: options.from,
      to: recipients,
      subject: email.subject,
      html: email.html,
      text: email.text,
      attachments: email.attachments,
    });
  } catch (error) {
    const gaveUp = notice.attempts >= MAX_ATTEMPTS;
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ noticeId: notice.id, kind: notice.kind, accountId: notice.accountId, attempt: notice.attempts, reason: message }, "notice not sent");
    const wait = (options.backoff ?? backoffSeconds)(notice.attempts);
    await db
      .update(notices)
      .set({
        status: gaveUp ? "failed" : "pending",
        leaseUntil: null,
        recipients,
        lastError: message.slice(0, 500),
        nextAttemptAt: sql`now() + make_interval(secs => ${wait})`,
      })
      .where(mine);
    return gaveUp ? "failed" : "retry";
  }
  // Sent, even if a slower claim of ours was taken over meanwhile: the message is out.
  await db
    .update(notices)
    .set({ status: "sent", sentAt: new Date(), leaseUntil: null, recipients, lastError: null })
    .where(and(eq(notices.id, notice.id), eq(notices.accountId, notice.accountId)));
  return "sent";
}

/** Notices to send now: due, or claimed by a worker whose lease ran out. */
export async function dueNotices(db: Database, limit = 100) {
  return db
    .select({ id: notices.id, accountId: notices.accountId, attempts: notices.attempts })
    .from(notices)
    .where(
      or(
        and(eq(notices.status, "pending"), sql`${notices.nextAttemptAt} <= now()`),
        and(eq(notices.status, "sending"), sql`${notices.leaseUntil} < now()`, sql`${notices.attempts} < ${MAX_ATTEMPTS}`),
      ),
    )
    .orderBy(notices.nextAttemptAt)
    .limit(limit);
}
