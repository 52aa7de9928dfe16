import { eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { autoTopUpSettings, type Invoice, type NoticeKind, notices, type TopUpAttempt } from "@/db/schema";
import { AUTO_TOP_UP_MAX_FAILURES } from "@/lib/credit/top-ups";

/**
 * Writing notices: each function runs in the caller's transaction, the one that records
 * the event, so a notice exists exactly when its event does. The idempotency key names
 * the event; recording the event twice (a webhook and the request both learning a payment
 * failed) writes one notice. Sending is the worker's (lib/notices/worker.ts), never the
 * request's. Low balance and credit ran out are written by the database itself, by a
 * trigger on the balance (migration 0019), whatever posts the debit.
 */

export async function queueNotice(
  tx: Executor,
  notice: { accountId: string; kind: NoticeKind; idempotencyKey: string; data: Record<string, unknown> },
): Promise<void> {
  await tx
    .insert(notices)
    .values({ accountId: notice.accountId, kind: notice.kind, idempotencyKey: notice.idempotencyKey, data: notice.data })
    .onConflictDoNothing({ target: [notices.accountId, notices.idempotencyKey] });
}

/**
 * What the provider's answer about an automatic top-up means for the admins: a failed
 * payment (and whether auto top-up switched itself off), or a bank asking for the
 * cardholder. Called once the answer and its effect on the settings are recorded.
 */
export async function notifyTopUpOutcome(
  tx: Executor,
  attempt: TopUpAttempt,
  status: TopUpAttempt["status"],
  failureMessage: string | null,
): Promise<void> {
  if (attempt.kind !== "auto" || (status !== "failed" && status !== "requires_action")) return;
  const base = { attemptId: attempt.id, amount: attempt.amount, currency: attempt.currency };
  if (status === "requires_action") {
    await queueNotice(tx, {
      accountId: attempt.accountId,
      kind: "authentication_required",
      idempotencyKey: `authentication_required:${attempt.id}`,
      data: base,
    });
    return;
  }
  const [settings] = await tx
    .select({ enabled: autoTopUpSettings.enabled, failures: autoTopUpSettings.consecutiveFailures })
    .from(autoTopUpSettings)
    .where(eq(autoTopUpSettings.accountId, attempt.accountId));
  await queueNotice(tx, {
    accountId: attempt.accountId,
    kind: "auto_top_up_failed",
    idempotencyKey: `auto_top_up_failed:${attempt.id}`,
    data: {
      ...base,
      reason: failureMessage,
      failures: settings?.failures ?? 1,
      // Off because of this run of failures, not because an admin turned it off.
      switchedOff: !!settings && !settings.enabled && settings.failures >= AUTO_TOP_UP_MAX_FAILURES,
    },
  });
}

/** An invoice or credit note was issued: the email carries its PDF. */
export async function notifyInvoiceIssued(tx: Executor, invoice: Invoice): Promise<void> {
  await queueNotice(tx, {
    accountId: invoice.accountId,
    kind: "invoice_issued",
    idempotencyKey: `invoice_issued:${invoice.id}`,
    data: { invoiceId: invoice.id, number: invoice.number, amount: invoice.grossTotal, currency: invoice.currency },
  });
}

/**
 * A subscription payment failed, or the subscription is past due. `eventId` names the
 * failure (an invoice id, a provider event id): one notice per failed invoice, however
 * often the provider retries it.
 */
export async function notifySubscriptionPastDue(
  tx: Executor,
  failure: { accountId: string; eventId: string; amount: number; currency: string; reason: string | null; invoiceNumber?: string | null },
): Promise<void> {
  await queueNotice(tx, {
    accountId: failure.accountId,
    kind: "subscription_past_due",
    idempotencyKey: `subscription_past_due:${failure.eventId}`,
    data: { amount: failure.amount, currency: failure.currency, reason: failure.reason, invoiceNumber: failure.invoiceNumber ?? null },
  });
}

/** One line of a change receipt: "Seats: 5 → 7". */
export interface ChangeLine {
  label: string;
  from: string;
  to: string;
}

/**
 * A receipt of a change of seats or plan. `changeId` names the change (the recorded
 * subscription change); `amount` is what it charges now (negative: credited), if anything.
 */
export async function notifyPlanChanged(
  tx: Executor,
  change: { accountId: string; changeId: string; lines: ChangeLine[]; amount: number | null; currency: string; effectiveAt: Date; actorUserId: string | null },
): Promise<void> {
  await queueNotice(tx, {
    accountId: change.accountId,
    kind: "plan_changed",
    idempotencyKey: `plan_changed:${change.changeId}`,
    data: {
      lines: change.lines,
      amount: change.amount,
      currency: change.currency,
      effectiveAt: change.effectiveAt.toISOString(),
      actorUserId: change.actorUserId,
    },
  });
}
