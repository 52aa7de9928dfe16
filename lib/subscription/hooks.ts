import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { invoices } from "@/db/schema";
import { notifyPlanChanged, notifySubscriptionPastDue } from "@/lib/notices/outbox";

/**
 * Where the account hears about changes of its subscription. Called inside the
 * transaction that records the change, so that the notice written to the outbox here is
 * sent once, and only for a change that was made.
 */

export interface PlanChangeEvent {
  accountId: string;
  kind: "started" | "changed" | "undone" | "canceled" | "resumed" | "ended" | "renewed";
  /** The change in words. */
  description: string;
}

const CHANGE_LABELS: Record<Exclude<PlanChangeEvent["kind"], "renewed">, string> = {
  started: "New subscription",
  changed: "Plan",
  undone: "Scheduled change undone",
  canceled: "Cancellation",
  resumed: "Subscription resumed",
  ended: "Subscription ended",
};

export async function planChangeRecorded(tx: Executor, event: PlanChangeEvent): Promise<void> {
  // A renewal is no change: the period's invoice says it.
  if (event.kind === "renewed") return;
  await notifyPlanChanged(tx, {
    accountId: event.accountId,
    // Each recorded change calls this once, in the transaction that records it.
    changeId: `${event.kind}:${crypto.randomUUID()}`,
    lines: [{ label: CHANGE_LABELS[event.kind], from: "", to: event.description }],
    amount: null,
    currency: "",
    effectiveAt: new Date(),
    actorUserId: null,
  });
}

export interface PastDueEvent {
  accountId: string;
  /** Unpaid, minor units. */
  amount: number;
  currency: string;
}

/**
 * The subscription became past due: a renewal's payment failed. When one of our period
 * invoices failed, its own notice (lib/invoices/payment.ts) already says so, with the
 * invoice and the reason; otherwise (the provider's subscription said it) this one does.
 */
export async function subscriptionPastDue(tx: Executor, event: PastDueEvent): Promise<void> {
  const [failed] = await tx
    .select({ id: invoices.id })
    .from(invoices)
    .where(
      and(
        eq(invoices.accountId, event.accountId),
        eq(invoices.kind, "period"),
        inArray(invoices.status, ["open", "uncollectible"]),
        isNotNull(invoices.paymentFailure),
      ),
    )
    .limit(1);
  if (failed) return;
  await notifySubscriptionPastDue(tx, {
    accountId: event.accountId,
    eventId: `subscription:${crypto.randomUUID()}`,
    amount: event.amount,
    currency: event.currency,
    reason: null,
  });
}
