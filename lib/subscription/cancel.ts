import { and, eq } from "drizzle-orm";
import type { Database } from "@/db/client";
import { subscriptions } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { PaymentGateway } from "@/lib/payments/gateway";
import { fail, ok, type Result } from "@/lib/result";
import { planChangeRecorded } from "./hooks";
import { getPlanState } from "./plan-catalog";
import { lockSubscription, providerFailure } from "./plan-change";

/** Why an admin cancels, as the form lists them; "other" needs words of its own. */
export const CANCEL_REASONS = {
  too_expensive: "It costs too much",
  missing_features: "Features we need are missing",
  switching: "We are moving to another provider",
  not_using: "We do not use it enough",
  closing: "The business is closing or merging",
  other: "Another reason",
} as const;

export type CancelReason = keyof typeof CANCEL_REASONS;

/**
 * Cancels at the end of the period: until then calls, numbers and credit work as today;
 * the provider is told first and stops renewing. Resuming before that date undoes it.
 */
export async function cancelAtPeriodEnd(
  db: Database,
  gateway: PaymentGateway,
  request: { accountId: string; userId: string; reason: CancelReason; details: string },
): Promise<Result<{ endsAt: Date }>> {
  const details = request.details.trim();
  if (request.reason === "other" && !details) {
    return fail("invalid", "Tell us the reason in a few words.", { details: "Tell us the reason in a few words." });
  }
  try {
    return await db.transaction(async (tx) => {
      await lockSubscription(tx, request.accountId);
      const state = await getPlanState(tx, request.accountId);
      if (!state) return fail("refused", "This account has no plan yet.");
      const { subscription } = state;
      if (subscription.status === "canceled") return fail("refused", "This subscription has ended already.");
      if (subscription.cancelAtPeriodEnd) return ok({ endsAt: subscription.currentPeriodEnd });
      if (state.scheduled) return fail("refused", "A change is scheduled for the renewal. Undo it first, then cancel.");
      const reason = `${CANCEL_REASONS[request.reason]}${details ? `: ${details}` : ""}`;
      const confirmed = await gateway.setCancelAtPeriodEnd({
        subscriptionId: subscription.providerSubscriptionId ?? "",
        cancel: true,
        reason,
      });
      if (!confirmed) return fail("refused", "The payment provider did not confirm the cancellation. Nothing was changed.");
      await tx
        .update(subscriptions)
        .set({ cancelAtPeriodEnd: true, cancelReason: reason, cancelRequestedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(subscriptions.id, subscription.id), eq(subscriptions.accountId, request.accountId)));
      await recordAudit(tx, {
        accountId: request.accountId,
        actorUserId: request.userId,
        action: "subscription.cancel",
        after: { endsAt: subscription.currentPeriodEnd.toISOString(), reason },
      });
      await planChangeRecorded(tx, { accountId: request.accountId, kind: "canceled", description: reason });
      return ok({ endsAt: subscription.currentPeriodEnd });
    });
  } catch (error) {
    return providerFailure(error);
  }
}

/** Resumes a subscription canceled at period end, before that date. */
export async function resumeSubscription(
  db: Database,
  gateway: PaymentGateway,
  request: { accountId: string; userId: string; at?: Date },
): Promise<Result<{ renewsAt: Date }>> {
  const at = request.at ?? new Date();
  try {
    return await db.transaction(async (tx) => {
      await lockSubscription(tx, request.accountId);
      const state = await getPlanState(tx, request.accountId, at);
      if (!state) return fail("refused", "This account has no plan yet.");
      const { subscription } = state;
      if (subscription.status === "canceled" || subscription.currentPeriodEnd <= at) {
        return fail("refused", "This subscription has ended: it can no longer be resumed.");
      }
      if (!subscription.cancelAtPeriodEnd) return ok({ renewsAt: subscription.currentPeriodEnd });
      const stillCanceled = await gateway.setCancelAtPeriodEnd({
        subscriptionId: subscription.providerSubscriptionId ?? "",
        cancel: false,
        reason: null,
      });
      if (stillCanceled) return fail("refused", "The payment provider did not confirm the resumption. Nothing was changed.");
      await tx
        .update(subscriptions)
        .set({ cancelAtPeriodEnd: false, cancelReason: null, cancelRequestedAt: null, updatedAt: new Date() })
        .where(and(eq(subscriptions.id, subscription.id), eq(subscriptions.accountId, request.accountId)));
      await recordAudit(tx, {
        accountId: request.accountId,
        actorUserId: request.userId,
        action: "subscription.resume",
        after: { renewsAt: subscription.currentPeriodEnd.toISOString() },
      });
      await planChangeRecorded(tx, { accountId: request.accountId, kind: "resumed", description: "resumed" });
      return ok({ renewsAt: subscription.currentPeriodEnd });
    });
  } catch (error) {
    return providerFailure(error);
  }
}
