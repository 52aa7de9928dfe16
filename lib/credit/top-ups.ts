import { and, eq, isNull, sql } from "drizzle-orm";
import { afterCommit } from "@/db/after-commit";
import type { Database, Executor } from "@/db/client";
import {
  accounts,
  autoTopUpSettings,
  billingDetails,
  subscriptions,
  type TopUpAttempt,
  topUpAttempts,
} from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { type ChargeResult, declineMessage, GatewayRequestError, type PaymentGateway } from "@/lib/payments/gateway";
import { getPaymentMethod } from "@/lib/payments/payment-methods";
import { getAccount } from "@/lib/auth/account";
import { chargedAmount, issueTopUpInvoice, taxOfTopUp } from "@/lib/invoices/top-up";
import { notifyTopUpOutcome } from "@/lib/notices/outbox";
import { fail, ok, type Result } from "@/lib/result";
import { lockBalance, postMovements } from "./ledger";
import { amountInBounds, TOP_UP_MAX, TOP_UP_MIN, TOP_UP_PRESETS } from "./limits";
import { logFor } from "@/lib/observability/log";
import { metrics } from "@/lib/observability/metrics";

const log = logFor("top-ups");

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
  | { status: "succeeded"; attemptId: string; amount: number; /** Credit plus VAT. */ charged: number }
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

/** What the provider answered about an attempt; a refusal before any payment has no payment id. */
export type ChargeAnswer = Omit<ChargeResult, "paymentIntentId"> & { paymentIntentId: string | null };

type AttemptStatus = TopUpAttempt["status"];

/**
 * The status an answer moves an attempt to, or null when it arrives late or twice. A
 * cancellation (the cardholder never answered the bank) is not a decline: it does not
 * count towards switching auto top-up off.
 */
function nextStatus(current: AttemptStatus, answer: ChargeAnswer["status"]): AttemptStatus | null {
  if (answer === "succeeded") return current === "succeeded" ? null : "succeeded";
  if (current !== "pending" && current !== "requires_action") return null;
  if (answer === "requires_action") return "requires_action";
  if (answer === "processing") return "pending";
  if (answer === "canceled") return "canceled";
  return "failed";
}

/**
 * Records the provider's answer about an attempt, in the caller's transaction: credit on
 * success (once), the reason on failure, the payment id when the bank wants the
 * cardholder. Answers arriving late or twice change nothing. A manual top-up's outcomes
 * are audited here, each once, in the transaction that records them: whoever learns the
 * answer first (the request, the webhook, the sweep) writes the entry. Answers whether
 * this answer changed the attempt.
 */
export async function applyChargeResult(tx: Executor, attempt: TopUpAttempt, charge: ChargeAnswer): Promise<boolean> {
  const now = new Date();
  if (charge.status === "succeeded") {
    if (!charge.paymentIntentId) throw new TopUpError("a succeeded payment needs its payment id");
    if (charge.amount !== chargedAmount(attempt) || charge.currency.toUpperCase() !== attempt.currency) {
      throw new TopUpError(
        `payment ${charge.paymentIntentId} is for ${charge.amount} ${charge.currency}, attempt ${attempt.id} for ${chargedAmount(attempt)} ${attempt.currency}`,
      );
    }
  }
  // Balance before attempt, as everywhere (see lockBalance); the locked row says what the
  // attempt is now, whatever the caller read before.
  await lockBalance(tx, attempt.accountId);
  const [current] = await tx
    .select({ status: topUpAttempts.status })
    .from(topUpAttempts)
    .where(and(eq(topUpAttempts.id, attempt.id), eq(topUpAttempts.accountId, attempt.accountId)))
    .for("update");
  if (!current) throw new TopUpError(`top-up attempt ${attempt.id} not found`);
  const status = nextStatus(current.status, charge.status);
  if (!status) return false;
  const closedUnpaid = status === "failed" || status === "canceled";
  const failureMessage = closedUnpaid ? declineMessage(charge.failureCode, charge.failureMessage) : null;
  await tx
    .update(topUpAttempts)
    .set({
      status,
      ...(charge.paymentIntentId ? { providerPaymentIntentId: charge.paymentIntentId } : {}),
      failureCode: closedUnpaid ? charge.failureCode : null,
      failureMessage,
      ...(status === "succeeded" ? { settledAt: now } : {}),
      updatedAt: now,
    })
    .where(and(eq(topUpAttempts.id, attempt.id), eq(topUpAttempts.accountId, attempt.accountId)));
  if (status !== current.status) afterCommit(tx, () => metrics().topUpOutcomes.inc({ kind: attempt.kind, outcome: status }));
  if (attempt.kind === "manual" && status !== current.status && status !== "pending") {
    await recordAudit(tx, {
      accountId: attempt.accountId,
      actorUserId: attempt.initiatedByUserId,
      action: "credit.top_up",
      after: { amount: attempt.amount, currency: attempt.currency, outcome: status, attemptId: attempt.id },
    });
  }
  if (status === "succeeded" && charge.paymentIntentId) {
    await postMovements(tx, attempt.accountId, [
      {
        type: attempt.kind === "auto" ? "top_up_auto" : "top_up_manual",
        amount: attempt.amount,
        interactionId: charge.paymentIntentId,
        description: attempt.kind === "auto" ? "Automatic top-up" : "Credit added",
        actorUserId: attempt.initiatedByUserId,
        actor: attempt.kind === "auto" ? "auto top-up" : "admin",
      },
    ]);
    // Credit is invoiced when it is bought, in the transaction that adds it.
    await issueTopUpInvoice(tx, attempt, now);
    if (attempt.kind === "auto") {
      await tx
        .update(autoTopUpSettings)
        .set({ consecutiveFailures: 0, updatedAt: now })
        .where(eq(autoTopUpSettings.accountId, attempt.accountId));
    }
    return true;
  }
  if (status === "failed" && attempt.kind === "auto") {
    await tx
      .update(autoTopUpSettings)
      .set({
        consecutiveFailures: sql`${autoTopUpSettings.consecutiveFailures} + 1`,
        enabled: sql`${autoTopUpSettings.consecutiveFailures} + 1 < ${AUTO_TOP_UP_MAX_FAILURES}`,
        disabledReason: sql`case when ${autoTopUpSettings.consecutiveFailures} + 1 >= ${AUTO_TOP_UP_MAX_FAILURES}
          then ${`Switched off after ${AUTO_TOP_UP_MAX_FAILURES} failed payments in a row. Last: ${failureMessage}`}
          else ${autoTopUpSettings.disabledReason} end`,
        updatedAt: now,
      })
      .where(eq(autoTopUpSettings.accountId, attempt.accountId));
  }
  if (status !== current.status) await notifyTopUpOutcome(tx, attempt, status, failureMessage);
  return status !== current.status;
}

export const UNCONFIRMED_PAYMENT = "We could not confirm the payment yet; it is being checked. You will not be charged twice.";

/**
 * The provider may have taken the money, but its answer is not recorded: the attempt
 * stays as it is (pending attempts are asked about again by the sweep, and by a retry of
 * the same form, with the same idempotency key).
 */
export function unconfirmed(attempt: TopUpAttempt, error: unknown, message = UNCONFIRMED_PAYMENT): TopUpOutcome {
  log.error({ attemptId: attempt.id, accountId: attempt.accountId, err: error }, "top-up outcome not known");
  return { status: "pending", attemptId: attempt.id, message };
}

/** What an answer means for the admin who asked. */
export function outcomeOf(attempt: TopUpAttempt, charge: ChargeAnswer): TopUpOutcome {
  switch (charge.status) {
    case "succeeded":
      return { status: "succeeded", attemptId: attempt.id, amount: attempt.amount, charged: chargedAmount(attempt) };
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

/** The provider's answer to charging an attempt; a refusal of the request is an answer too. */
async function requestCharge(db: Database, gateway: PaymentGateway, attempt: TopUpAttempt): Promise<ChargeAnswer> {
  const refused = (failureCode: string, failureMessage: string): ChargeAnswer => ({
    paymentIntentId: null,
    status: "failed",
    amount: chargedAmount(attempt),
    currency: attempt.currency,
    clientSecret: null,
    failureCode,
    failureMessage,
  });
  const method = await getPaymentMethod(db, attempt.accountId);
  if (!method) return refused("no_payment_method", "No payment method is saved. Add a card or PayPal first.");
  try {
    const customerId = await customerFor(db, gateway, attempt.accountId);
    return await gateway.chargeOffSession({
      accountId: attempt.accountId,
      customerId,
      paymentMethodId: method.providerPaymentMethodId,
      amount: chargedAmount(attempt),
      currency: attempt.currency,
      idempotencyKey: chargeIdempotencyKey(attempt.id),
      description: attempt.kind === "auto" ? "Automatic credit top-up" : "Credit top-up",
      metadata: { accountId: attempt.accountId, attemptId: attempt.id, kind: attempt.kind },
    });
  } catch (error) {
    if (error instanceof GatewayRequestError) return refused("provider_refused", error.message);
    throw error;
  }
}

/**
 * The attempt with its VAT decided. Automatic top-ups are created by the ledger's posting
 * function in SQL, which knows nothing of VAT: their VAT is decided here, once, before
 * the first request to the provider, so every request for the attempt asks for the same
 * amount.
 */
async function withTax(db: Database, attempt: TopUpAttempt): Promise<TopUpAttempt> {
  if (attempt.taxRule !== null || attempt.status !== "pending") return attempt;
  const tax = await taxOfTopUp(db, attempt.accountId, attempt.amount);
  await db
    .update(topUpAttempts)
    .set(tax)
    .where(and(eq(topUpAttempts.id, attempt.id), eq(topUpAttempts.accountId, attempt.accountId), isNull(topUpAttempts.taxRule)));
  const [priced] = await db
    .select()
    .from(topUpAttempts)
    .where(and(eq(topUpAttempts.id, attempt.id), eq(topUpAttempts.accountId, attempt.accountId)));
  if (!priced) throw new TopUpError(`top-up attempt ${attempt.id} vanished`);
  return priced;
}

/**
 * Asks the provider about an attempt (charging it at most once) and records the answer.
 * Once the attempt exists, anything that goes wrong leaves its outcome unknown, never
 * failed: the provider may have the payment, and only asking again with the same key can
 * tell.
 */
export async function chargeAttempt(
  db: Database,
  gateway: PaymentGateway,
  unpriced: TopUpAttempt,
): Promise<TopUpOutcome> {
  let attempt = unpriced;
  try {
    attempt = await withTax(db, unpriced);
    const charge = await requestCharge(db, gateway, attempt);
    await db.transaction((tx) => applyChargeResult(tx, attempt, charge));
    return outcomeOf(attempt, charge);
  } catch (error) {
    return unconfirmed(attempt, error);
  }
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
  const tax = await taxOfTopUp(db, request.accountId, request.amount);
  const [created] = await db
    .insert(topUpAttempts)
    .values({
      accountId: request.accountId,
      kind: "manual",
      status: "pending",
      amount: request.amount,
      ...tax,
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

function describeAttempt(attempt: TopUpAttempt): TopUpOutcome {
  switch (attempt.status) {
    case "succeeded":
      return { status: "succeeded", attemptId: attempt.id, amount: attempt.amount, charged: chargedAmount(attempt) };
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

export interface AddCreditRequest {
  accountId: string;
  userId: string;
  /** One of the preset amounts in minor units, or "custom" for the typed amount. */
  choice: string;
  /** Typed in major units of the account's currency. */
  customAmount?: string;
  idempotencyKey: string;
}

/** A top-up under way or done; a declined payment is a refusal. */
export type AddedCredit = Exclude<TopUpOutcome, { status: "failed" }> & { currency: string };

/** A manual top-up of the amount an admin chose or typed, within the bounds. */
export async function addCredit(db: Database, gateway: PaymentGateway, request: AddCreditRequest): Promise<Result<AddedCredit>> {
  const { currency } = await getAccount(db, request.accountId);
  let amount: number;
  if (request.choice === "custom") {
    const typed = amountInBounds(request.customAmount ?? "", currency, TOP_UP_MIN, TOP_UP_MAX);
    if (!typed.ok) return fail("invalid", "Please correct the amount.", { customAmount: typed.failure.message });
    amount = typed.value;
  } else {
    amount = Number(request.choice);
    if (!(TOP_UP_PRESETS as readonly number[]).includes(amount)) {
      return fail("invalid", "Choose one of the amounts shown.", { amount: "Unknown amount." });
    }
  }
  const outcome = await startManualTopUp(db, gateway, {
    accountId: request.accountId,
    userId: request.userId,
    amount,
    idempotencyKey: request.idempotencyKey,
  });
  if (outcome.status === "failed") return fail("refused", outcome.message);
  return ok({ ...outcome, currency });
}
