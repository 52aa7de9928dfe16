import { and, asc, eq, inArray, isNotNull } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { invoices, subscriptions } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { subscriptionPastDue } from "./hooks";

/**
 * Past due: a period invoice (the renewal) whose payment failed and that is not paid yet.
 * The subscription's status follows its period invoices' payments (and Stripe's
 * subscription events): past due from the first failure, active again once all are paid.
 */

async function unpaidRenewals(tx: Executor, accountId: string) {
  return tx
    .select({ id: invoices.id, number: invoices.number, gross: invoices.grossTotal, currency: invoices.currency })
    .from(invoices)
    .where(
      and(
        eq(invoices.accountId, accountId),
        eq(invoices.kind, "period"),
        inArray(invoices.status, ["open", "uncollectible"]),
        isNotNull(invoices.paymentFailure),
      ),
    )
    .orderBy(asc(invoices.issuedAt));
}

export async function hasUnpaidRenewals(tx: Executor, accountId: string): Promise<boolean> {
  return (await unpaidRenewals(tx, accountId)).length > 0;
}

/** Sets the subscription's status from its renewals' payments, in the caller's transaction. */
export async function followRenewalPayments(tx: Executor, accountId: string): Promise<void> {
  const [subscription] = await tx
    .select({ id: subscriptions.id, status: subscriptions.status })
    .from(subscriptions)
    .where(eq(subscriptions.accountId, accountId))
    .for("update");
  if (!subscription || subscription.status === "canceled") return;
  const unpaid = await unpaidRenewals(tx, accountId);
  const amount = unpaid.reduce((sum, i) => sum + i.gross, 0);
  const next = unpaid.length > 0 ? "past_due" : subscription.status === "past_due" ? "active" : subscription.status;
  if (next === subscription.status) return;
  await tx
    .update(subscriptions)
    .set({ status: next, updatedAt: new Date() })
    .where(and(eq(subscriptions.id, subscription.id), eq(subscriptions.accountId, accountId)));
  const currency = unpaid[0]?.currency ?? "";
  await recordAudit(tx, {
    accountId,
    actorUserId: null,
    action: next === "past_due" ? "subscription.past_due" : "subscription.paid_up",
    after: next === "past_due" ? { amount, currency, invoices: unpaid.map((i) => i.number) } : {},
  });
  if (next === "past_due") await subscriptionPastDue(tx, { accountId, amount, currency });
}

export interface PastDueView {
  amount: number;
  currency: string;
  invoices: { id: string; number: string; gross: number }[];
}

/** What is past due, when the subscription is. */
export async function getPastDue(db: Executor, accountId: string): Promise<PastDueView | null> {
  const [subscription] = await db
    .select({ status: subscriptions.status })
    .from(subscriptions)
    .where(eq(subscriptions.accountId, accountId));
  if (subscription?.status !== "past_due") return null;
  const unpaid = await unpaidRenewals(db, accountId);
  return {
    amount: unpaid.reduce((sum, i) => sum + i.gross, 0),
    currency: unpaid[0]?.currency ?? "",
    invoices: unpaid.map(({ id, number, gross }) => ({ id, number, gross })),
  };
}
