import { chargedAmount } from "@/lib/invoices/top-up";
import { and, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { type TopUpAttempt, topUpAttempts } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { declineMessage, GatewayRequestError, GatewayUnavailableError, type PaymentGateway } from "@/lib/payments/gateway";
import type { SandboxGateway } from "@/lib/payments/sandbox-gateway";
import { fail, ok, type Result } from "@/lib/result";
import { applyChargeResult, type ChargeAnswer, outcomeOf, type TopUpOutcome, unconfirmed } from "./top-ups";
import { logFor } from "@/lib/observability/log";

const log = logFor("top-ups");

/**
 * Payments waiting for the cardholder to confirm them with the bank (3-D Secure).
 *
 * A payment left unconfirmed for 24 hours is canceled at the provider, as a merchant
 * does with an abandoned payment intent, and its attempt is closed as canceled. That is
 * not counted as a failed payment: nothing was declined and the card may be fine, so
 * auto top-up stays on; the account is free for its next automatic top-up, which the
 * next threshold crossing (or saving the settings below the threshold) starts.
 */

/** How long a payment may wait for the cardholder; canceled at the provider after that. */
export const AUTHENTICATION_WINDOW_MS = 24 * 60 * 60 * 1000;

export function authenticationExpired(attempt: TopUpAttempt, now = new Date()): boolean {
  return attempt.status === "requires_action" && now.getTime() - attempt.updatedAt.getTime() >= AUTHENTICATION_WINDOW_MS;
}

/** A cancellation we asked for is an expiry: say so, whichever process records it. */
function expiredIfCanceled(charge: ChargeAnswer): ChargeAnswer {
  return charge.status === "canceled" ? { ...charge, failureCode: "authentication_expired", failureMessage: null } : charge;
}

async function recordAnswer(db: Database, attempt: TopUpAttempt, charge: ChargeAnswer, audit: { action: string; actorUserId: string | null }) {
  await db.transaction(async (tx) => {
    // A manual top-up's outcomes are audited where they are recorded; an automatic one
    // has no entry of its own, so the cardholder's answer (or its expiry) is the entry.
    if (!(await applyChargeResult(tx, attempt, charge)) || attempt.kind === "manual") return;
    await recordAudit(tx, {
      accountId: attempt.accountId,
      actorUserId: audit.actorUserId,
      action: audit.action,
      after: { attemptId: attempt.id, amount: attempt.amount, currency: attempt.currency, outcome: charge.status },
    });
  });
}

/** Cancels one attempt left unconfirmed, at the provider first, and records the provider's answer. */
async function expireAttempt(db: Database, gateway: PaymentGateway, attempt: TopUpAttempt): Promise<TopUpOutcome> {
  const charge = await cancelAtProvider(gateway, attempt);
  await recordAnswer(db, attempt, charge, { action: "credit.top_up.expire", actorUserId: null });
  return outcomeOf(attempt, charge);
}

async function cancelAtProvider(gateway: PaymentGateway, attempt: TopUpAttempt): Promise<ChargeAnswer> {
  const unknownToProvider: ChargeAnswer = {
    paymentIntentId: attempt.providerPaymentIntentId,
    status: "canceled",
    amount: chargedAmount(attempt),
    currency: attempt.currency,
    clientSecret: null,
    failureCode: "authentication_expired",
    failureMessage: null,
  };
  if (!attempt.providerPaymentIntentId) return unknownToProvider;
  try {
    return expiredIfCanceled(
      await gateway.cancelCharge({ accountId: attempt.accountId, paymentIntentId: attempt.providerPaymentIntentId }),
    );
  } catch (error) {
    // A payment the provider does not know (a sandbox charge from before the sandbox kept
    // them in the database) can never be confirmed: close the attempt all the same.
    if (!(error instanceof GatewayRequestError)) throw error;
    log.error({ attemptId: attempt.id, err: error }, "the provider refused to cancel the unconfirmed payment; closing the attempt");
    return unknownToProvider;
  }
}

/** Attempts that waited for the cardholder longer than `olderThanMs` are canceled. */
export async function expireUnconfirmedTopUps(db: Database, gateway: PaymentGateway, olderThanMs = AUTHENTICATION_WINDOW_MS) {
  const expired = await db
    .select()
    .from(topUpAttempts)
    .where(
      and(
        eq(topUpAttempts.status, "requires_action"),
        sql`${topUpAttempts.updatedAt} <= now() - make_interval(secs => ${olderThanMs / 1000})`,
      ),
    );
  const outcomes: TopUpOutcome[] = [];
  for (const attempt of expired) {
    try {
      outcomes.push(await expireAttempt(db, gateway, attempt));
    } catch (error) {
      // The provider did not answer: the next sweep asks again.
      if (!(error instanceof GatewayUnavailableError)) throw error;
      log.warn({ attemptId: attempt.id, err: error }, "could not cancel the unconfirmed payment yet");
    }
  }
  return outcomes;
}

/** One top-up attempt of the account, for the page where the cardholder confirms it. */
export async function findTopUpAttempt(db: Executor, accountId: string, attemptId: string): Promise<TopUpAttempt | null> {
  const [attempt] = await db
    .select()
    .from(topUpAttempts)
    .where(and(eq(topUpAttempts.id, attemptId), eq(topUpAttempts.accountId, accountId)));
  return attempt ?? null;
}

/**
 * A payment confirmed, or still waiting. A decline, a payment past its time and one that
 * is not waiting (any more, or in this account) are refusals, each said in words.
 */
export type AuthenticationOutcome =
  | { status: "confirmed"; amount: number; currency: string }
  /** The bank's answer may have been given but is not recorded: the payment still waits. */
  | { status: "unconfirmed"; message: string };

export const UNCONFIRMED_AUTHENTICATION =
  "We could not confirm the payment yet. Reload this page to check it; confirming again will not charge you twice.";

const NOT_WAITING = "This payment is not waiting for authentication.";

/**
 * The cardholder's answer on the sandbox's 3-D Secure page. The payment lives in the
 * database, so it does not matter which process started it; one left too long is
 * canceled instead of confirmed.
 */
export async function completeSandboxAuthentication(
  db: Database,
  gateway: SandboxGateway,
  request: { accountId: string; userId: string; attemptId: string; approve: boolean },
): Promise<Result<AuthenticationOutcome>> {
  const attempt = await findTopUpAttempt(db, request.accountId, request.attemptId);
  if (attempt?.status === "canceled" && attempt.failureCode === "authentication_expired") {
    return fail("refused", declineMessage("authentication_expired", null));
  }
  if (!attempt || attempt.status !== "requires_action" || !attempt.providerPaymentIntentId) {
    return fail("refused", NOT_WAITING);
  }
  if (authenticationExpired(attempt)) {
    // Past its time the payment is canceled, unless it was confirmed in the meantime.
    const outcome = await expireAttempt(db, gateway, attempt);
    return outcome.status === "succeeded"
      ? ok({ status: "confirmed", amount: attempt.amount, currency: attempt.currency })
      : fail("refused", declineMessage("authentication_expired", null));
  }
  let charge: ChargeAnswer;
  try {
    charge = expiredIfCanceled(
      await gateway.authenticate({ accountId: attempt.accountId, paymentIntentId: attempt.providerPaymentIntentId }, request.approve),
    );
    await recordAnswer(db, attempt, charge, { action: "credit.top_up.authenticate", actorUserId: request.userId });
  } catch (error) {
    // A payment the sandbox does not know can never be confirmed; the sweep closes it.
    if (error instanceof GatewayRequestError) {
      return fail("refused", "This payment can no longer be confirmed, and nothing was charged.");
    }
    // Anything else leaves the attempt waiting: confirming again asks about the same payment.
    unconfirmed(attempt, error);
    return ok({ status: "unconfirmed", message: UNCONFIRMED_AUTHENTICATION });
  }
  switch (charge.status) {
    case "succeeded":
      return ok({ status: "confirmed", amount: attempt.amount, currency: attempt.currency });
    case "canceled":
      return fail("refused", declineMessage("authentication_expired", null));
    case "failed":
      return fail("refused", "The payment was not confirmed, and nothing was charged.");
    default:
      return fail("refused", NOT_WAITING);
  }
}
