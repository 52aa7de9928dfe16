import { and, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import {
  accounts,
  autoTopUpSettings,
  billingDetails,
  paymentMethods,
  subscriptions,
  type TopUpAttempt,
  topUpAttempts,
} from "@/db/schema";
import {
  type ChargeResult,
  declineMessage,
  GatewayRequestError,
  GatewayUnavailableError,
  type PaymentGateway,
} from "@/lib/payments/gateway";
import { lockBalance, postMovements } from "./ledger";

/**
 * Top-ups: a payment first, credit only once the payment has succeeded. An attempt row
 * records every top-up; its id is the payment's idempotency key, so asking the provider
 * again (a retry, a double submit, recovery after a crash) never charges twice, and the
 * ledger posts the credit once per payment id, whether the answer or the webhook comes
 * first.
 */

export const AUTO_TOP_UP_MAX_FAILURES = 3;

export class TopUpError extends Error {}

export type TopUpOutcome =
  | { status: "succeeded"; attemptId: string; amount: number }
  | { status: "requires_action"; attemptId: string; clientSecret: string | null; message: string }
  | { status: "failed"; attemptId: string; message: string }
  | { status: "pending"; attemptId: string; message: string };

export function chargeIdempotencyKey(attemptId: string): string {
  return `top-up:${attemptId}`;
}

/** The provider's customer for the account, created on first use. */
export async function customerFor(db: Database, gateway: PaymentGateway, accountId: string): Promise<string> {
  const [row] = await db
    .select({ customerId: subscriptions.providerCustomerId, name: accounts.name, email: billingDetails.invoiceEmail })
    .from(accounts)
    .leftJoin(subscriptions, eq(subscriptions.accountId, accounts.id))
    .leftJoin(billingDetails, eq(billingDetails.accountId, accounts.id))
    .where(eq(accounts.id, accountId));
  if (!row) throw new TopUpError("account not found");
  if (row.customerId) return row.customerId;
  const customerId = await gateway.createCustomer({ accountId, name: row.name, email: row.email });
  await db
    .update(subscriptions)
    .set({ providerCustomerId: customerId })
    .where(and(eq(subscriptions.accountId, accountId), isNull(subscriptions.providerCustomerId)));
  return customerId;
}

async function currentPaymentMethod(db: Executor, accountId: string) {
  const [method] = await db
    .select()
    .from(paymentMethods)
    .where(and(eq(paymentMethods.accountId, accountId), isNull(paymentMethods.replacedAt)));
  return method ?? null;
}

export type ChargeAnswer = Omit<ChargeResult, "paymentIntentId"> & { paymentIntentId: string | null };

/**
 * Records the provider's answer about an attempt, in the caller's transaction: credit on
 * success (once), the reason on failure, the client secret when the bank wants the
 * cardholder. Answers arriving late or twice change nothing; answers whether this one did.
 */
export async function applyChargeResult(tx: Executor, attempt: TopUpAttempt, charge: ChargeAnswer): Promise<boolean> {
  const now = new Date();
  const thisAttempt = and(eq(topUpAttempts.id, attempt.id), eq(topUpAttempts.accountId, attempt.accountId));
  if (charge.status === "succeeded") {
    if (!charge.paymentIntentId) throw new TopUpError("a succeeded payment needs its payment id");
    const paymentIntentId = charge.paymentIntentId;
    if (charge.amount !== attempt.amount || charge.currency.toUpperCase() !== attempt.currency) {
      throw new TopUpError(
        `payment ${charge.paymentIntentId} is for ${charge.amount} ${charge.currency}, attempt ${attempt.id} for ${attempt.amount} ${attempt.currency}`,
      );
    }
    await lockBalance(tx, attempt.accountId);
    const [settled] = await tx
      .update(topUpAttempts)
      .set({
        status: "succeeded",
        providerPaymentIntentId: charge.paymentIntentId,
        failureCode: null,
        failureMessage: null,
        settledAt: now,
        updatedAt: now,
      })
      .where(and(thisAttempt, ne(topUpAttempts.status, "succeeded")))
      .returning();
    if (!settled) return false;
    await postMovements(tx, attempt.accountId, [
      {
        type: attempt.kind === "auto" ? "top_up_auto" : "top_up_manual",
        amount: attempt.amount,
        interactionId: paymentIntentId,
        description: attempt.kind === "auto" ? "Automatic top-up" : "Credit added",
        actorUserId: attempt.initiatedByUserId,
        actor: attempt.kind === "auto" ? "auto top-up" : "admin",
      },
    ]);
    if (attempt.kind === "auto") {
      await tx
        .update(autoTopUpSettings)
        .set({ consecutiveFailures: 0, updatedAt: now })
        .where(eq(autoTopUpSettings.accountId, attempt.accountId));
    }
    return true;
  }
  const inFlight = and(thisAttempt, inArray(topUpAttempts.status, ["pending", "requires_action"]));
  if (charge.status === "requires_action" || charge.status === "processing") {
    const [waiting] = await tx
      .update(topUpAttempts)
      .set({
        status: charge.status === "requires_action" ? "requires_action" : "pending",
        providerPaymentIntentId: charge.paymentIntentId,
        updatedAt: now,
      })
      .where(inFlight)
      .returning({ id: topUpAttempts.id });
    return !!waiting;
  }
  if (charge.status === "canceled") {
    // Nobody declined anything: the cardholder never answered. It does not count towards
    // switching auto top-up off, and frees the account for its next automatic top-up.
    const [canceled] = await tx
      .update(topUpAttempts)
      .set({
        status: "canceled",
        providerPaymentIntentId: charge.paymentIntentId ?? attempt.providerPaymentIntentId,
        failureCode: charge.failureCode,
        failureMessage: declineMessage(charge.failureCode, charge.failureMessage),
        updatedAt: now,
      })
      .where(inFlight)
      .returning({ id: topUpAttempts.id });
    return !!canceled;
  }
  const [failed] = await tx
    .update(topUpAttempts)
    .set({
      status: "failed",
      providerPaymentIntentId: charge.paymentIntentId,
      failureCode: charge.failureCode,
      failureMessage: declineMessage(charge.failureCode, charge.failureMessage),
      updatedAt: now,
    })
    .where(inFlight)
    .returning();
  if (failed && attempt.kind === "auto") {
    await tx
      .update(autoTopUpSettings)
      .set({
        consecutiveFailures: sql`${autoTopUpSettings.consecutiveFailures} + 1`,
        enabled: sql`${autoTopUpSettings.consecutiveFailures} + 1 < ${AUTO_TOP_UP_MAX_FAILURES}`,
        disabledReason: sql`case when ${autoTopUpSettings.consecutiveFailures} + 1 >= ${AUTO_TOP_UP_MAX_FAILURES}
          then ${`Switched off after ${AUTO_TOP_UP_MAX_FAILURES} failed payments in a row. Last: ${declineMessage(charge.failureCode, charge.failureMessage)}`}
          else ${autoTopUpSettings.disabledReason} end`,
        updatedAt: now,
      })
      .where(eq(autoTopUpSettings.accountId, attempt.accountId));
  }
  return !!failed;
}

/** What an answer means for the admin who asked. */
export function outcomeOf(attempt: TopUpAttempt, charge: ChargeAnswer): TopUpOutcome {
  switch (charge.status) {
    case "succeeded":
      return { status: "succeeded", attemptId: attempt.id, amount: attempt.amount };
    case "requires_action":
      return {
        status: "requires_action",
        attemptId: attempt.id,
        clientSecret: charge.clientSecret,
        message: declineMessage("authentication_required", null),
      };
    case "processing":
      return { status: "pending", attemptId: attempt.id, message: "The payment is being processed." };
    case "canceled":
      return { status: "failed", attemptId: attempt.id, message: declineMessage(charge.failureCode, charge.failureMessage) };
    default:
      return {
        status: "failed",
        attemptId: attempt.id,
        message: declineMessage(charge.failureCode, charge.failureMessage),
      };
  }
}

/** Asks the provider about an attempt (charging it at most once) and records the answer. */
export async function chargeAttempt(
  db: Database,
  gateway: PaymentGateway,
  attempt: TopUpAttempt,
): Promise<TopUpOutcome> {
  const method = await currentPaymentMethod(db, attempt.accountId);
  if (!method) {
    const charge: ChargeAnswer = {
      paymentIntentId: null,
      status: "failed",
      amount: attempt.amount,
      currency: attempt.currency,
      clientSecret: null,
      failureCode: "no_payment_method",
      failureMessage: "No payment method is saved. Add a card or PayPal first.",
    };
    await db.transaction((tx) => applyChargeResult(tx, attempt, charge));
    return { status: "failed", attemptId: attempt.id, message: charge.failureMessage! };
  }
  let charge: ChargeResult;
  try {
    const customerId = await customerFor(db, gateway, attempt.accountId);
    charge = await gateway.chargeOffSession({
      accountId: attempt.accountId,
      customerId,
      paymentMethodId: method.providerPaymentMethodId,
      amount: attempt.amount,
      currency: attempt.currency,
      idempotencyKey: chargeIdempotencyKey(attempt.id),
      description: attempt.kind === "auto" ? "Automatic credit top-up" : "Credit top-up",
      metadata: { accountId: attempt.accountId, attemptId: attempt.id, kind: attempt.kind },
    });
  } catch (error) {
    if (error instanceof GatewayUnavailableError) {
      // Nothing is known: the attempt stays pending; asking again with its key is safe.
      return {
        status: "pending",
        attemptId: attempt.id,
        message: "The payment provider did not answer. The payment will be checked again; you will not be charged twice.",
      };
    }
    if (error instanceof GatewayRequestError) {
      const refused: ChargeAnswer = {
        paymentIntentId: null,
        status: "failed",
        amount: attempt.amount,
        currency: attempt.currency,
        clientSecret: null,
        failureCode: "provider_refused",
        failureMessage: error.message,
      };
      await db.transaction((tx) => applyChargeResult(tx, attempt, refused));
      return { status: "failed", attemptId: attempt.id, message: error.message };
    }
    throw error;
  }
  await db.transaction((tx) => applyChargeResult(tx, attempt, charge));
  return outcomeOf(attempt, charge);
}

export interface ManualTopUpRequest {
  accountId: string;
  userId: string;
  amount: number;
  /** One per submitted form: a double click or a retried request reuses it. */
  idempotencyKey: string;
}

/** Adds credit by charging the saved payment method: once per idempotency key. */
export async function startManualTopUp(
  db: Database,
  gateway: PaymentGateway,
  request: ManualTopUpRequest,
): Promise<TopUpOutcome> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, request.accountId));
  if (!account) throw new TopUpError("account not found");
  const [created] = await db
    .insert(topUpAttempts)
    .values({
      accountId: request.accountId,
      kind: "manual",
      status: "pending",
      amount: request.amount,
      currency: account.currency,
      idempotencyKey: request.idempotencyKey,
      initiatedByUserId: request.userId,
    })
    .onConflictDoNothing({ target: [topUpAttempts.accountId, topUpAttempts.idempotencyKey] })
    .returning();
  const attempt =
    created ??
    (
      await db
        .select()
        .from(topUpAttempts)
        .where(
          and(eq(topUpAttempts.accountId, request.accountId), eq(topUpAttempts.idempotencyKey, request.idempotencyKey)),
        )
    )[0];
  if (!attempt) throw new TopUpError("top-up attempt vanished");
  if (!created && attempt.status !== "pending") {
    // The same form again: report what happened the first time, charge nothing.
    return describeAttempt(attempt);
  }
  return chargeAttempt(db, gateway, attempt);
}

export function describeAttempt(attempt: TopUpAttempt): TopUpOutcome {
  switch (attempt.status) {
    case "succeeded":
      return { status: "succeeded", attemptId: attempt.id, amount: attempt.amount };
    case "requires_action":
      return {
        status: "requires_action",
        attemptId: attempt.id,
        clientSecret: null,
        message: declineMessage("authentication_required", null),
      };
    case "failed":
    case "canceled":
      return { status: "failed", attemptId: attempt.id, message: attempt.failureMessage ?? "The payment failed." };
    default:
      return { status: "pending", attemptId: attempt.id, message: "The payment is being processed." };
  }
}

/** Pending attempts older than `olderThanMs`: asked again after a crash or a lost answer. */
export async function reconcilePendingTopUps(db: Database, gateway: PaymentGateway, olderThanMs = 60_000) {
  const stale = await db
    .select()
    .from(topUpAttempts)
    .where(
      and(eq(topUpAttempts.status, "pending"), sql`${topUpAttempts.updatedAt} < now() - make_interval(secs => ${olderThanMs / 1000})`),
    );
  const outcomes: TopUpOutcome[] = [];
  for (const attempt of stale) outcomes.push(await chargeAttempt(db, gateway, attempt));
  return outcomes;
}
