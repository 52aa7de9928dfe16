import { eq } from "drizzle-orm";
import type PgBoss from "pg-boss";
import type { Database, Executor } from "@/db/client";
import { autoTopUpSettings } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { getAccount } from "@/lib/auth/account";
import { enqueueAutoTopUp } from "@/lib/jobs/queue";
import { fail, ok, type Result } from "@/lib/result";
import { createDueAttempt } from "./auto-top-up";
import {
  AUTO_TOP_UP_AMOUNT_MAX,
  AUTO_TOP_UP_AMOUNT_MIN,
  AUTO_TOP_UP_CAP_MAX,
  AUTO_TOP_UP_THRESHOLD_MAX,
  AUTO_TOP_UP_THRESHOLD_MIN,
  amountInBounds,
} from "./limits";

/** The account's auto top-up settings as saved, or null before the first save. */
export async function getAutoTopUpSettings(db: Executor, accountId: string) {
  const [settings] = await db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, accountId));
  return settings ?? null;
}

export interface AutoTopUpSettingsInput {
  accountId: string;
  userId: string;
  enabled: boolean;
  /** Amounts as the admin typed them, in major units of the account's currency. */
  threshold: string;
  amount: string;
  /** Empty for no cap. */
  monthlyCap?: string;
}

export interface SavedAutoTopUp {
  enabled: boolean;
  /** The top-up amount, the threshold and the monthly cap (null: none), in minor units. */
  amount: number;
  threshold: number;
  monthlyCap: number | null;
  currency: string;
  /** Saved while already below the threshold: a top-up was started at once. */
  triggered: boolean;
}

/**
 * Saves the settings: the amounts are checked against the bounds, then the row is locked,
 * changed and audited, and, when the balance is already below the threshold, one
 * automatic top-up is recorded and its job enqueued, all in one transaction.
 */
export async function saveAutoTopUpSettings(db: Database, boss: PgBoss, input: AutoTopUpSettingsInput): Promise<Result<SavedAutoTopUp>> {
  const { currency } = await getAccount(db, input.accountId);
  const fields: Record<string, string> = {};
  const threshold = amountInBounds(input.threshold, currency, AUTO_TOP_UP_THRESHOLD_MIN, AUTO_TOP_UP_THRESHOLD_MAX);
  const amount = amountInBounds(input.amount, currency, AUTO_TOP_UP_AMOUNT_MIN, AUTO_TOP_UP_AMOUNT_MAX);
  if (!threshold.ok) fields.threshold = threshold.failure.message;
  if (!amount.ok) fields.amount = amount.failure.message;
  let monthlyCap: number | null = null;
  if (input.monthlyCap?.trim()) {
    const cap = amountInBounds(input.monthlyCap, currency, AUTO_TOP_UP_AMOUNT_MIN, AUTO_TOP_UP_CAP_MAX);
    if (!cap.ok) fields.monthlyCap = cap.failure.message;
    else if (amount.ok && cap.value < amount.value) fields.monthlyCap = "The monthly cap must be at least the top-up amount.";
    else monthlyCap = cap.value;
  }
  if (!threshold.ok || !amount.ok || Object.keys(fields).length > 0) {
    return fail("invalid", "Please correct the highlighted fields.", fields);
  }
  const { accountId, userId, enabled } = input;
  const after = { enabled, threshold: threshold.value, amount: amount.value, monthlyCap };
  const triggered = await db.transaction(async (tx) => {
    const [before] = await tx.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, accountId)).for("update");
    const values = {
      ...after,
      updatedAt: new Date(),
      updatedByUserId: userId,
      // Turning it on again starts a new count of failures.
      ...(enabled && !before?.enabled ? { consecutiveFailures: 0, disabledReason: null } : {}),
    };
    await tx
      .insert(autoTopUpSettings)
      .values({ accountId, ...values })
      .onConflictDoUpdate({ target: autoTopUpSettings.accountId, set: values });
    await recordAudit(tx, {
      accountId,
      actorUserId: userId,
      action: "auto_top_up.update",
      before: before ? { enabled: before.enabled, threshold: before.threshold, amount: before.amount, monthlyCap: before.monthlyCap } : null,
      after,
    });
    // Saved while already below the threshold: one top-up at once.
    const attempt = enabled ? await createDueAttempt(tx, accountId, `auto-on-save:${crypto.randomUUID()}`) : null;
    if (attempt) await enqueueAutoTopUp(boss, tx, attempt);
    return attempt !== null;
  });
  return ok({ enabled, amount: amount.value, threshold: threshold.value, monthlyCap, currency, triggered });
}
