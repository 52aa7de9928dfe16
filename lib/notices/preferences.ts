import { queueNotice } from "./outbox";
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { creditBalances, type NoticeAudience, type NoticeKind, noticePreferences } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { amountInBounds } from "@/lib/credit/limits";
import { getAccount } from "@/lib/auth/account";
import { fail, ok, type Result } from "@/lib/result";
import { AUDIENCES, canTurnOff, NOTICE_KINDS } from "./kinds";
import { getNoticeSettings, type NoticeSettings } from "./recipients";

/** The low-balance alert: from nothing (only "credit ran out") up to a large balance, in minor units. */
export const LOW_BALANCE_ALERT_MIN = 0;
export const LOW_BALANCE_ALERT_MAX = 1_000_000;

/**
 * Saves which notices go to whom. `on` lists the "kind:audience" pairs ticked; every other
 * pair that may be turned off is off. Notices that must reach the admins stay on whatever
 * the form says.
 */
export async function saveNoticeSettings(
  db: Database,
  request: { accountId: string; userId: string; on: ReadonlySet<string> },
): Promise<Result<NoticeSettings>> {
  return db.transaction(async (tx) => {
    const before = await getNoticeSettings(tx, request.accountId);
    const rows: { kind: NoticeKind; audience: NoticeAudience; enabled: boolean }[] = [];
    for (const kind of NOTICE_KINDS) {
      for (const audience of AUDIENCES) {
        if (!canTurnOff(kind, audience)) continue;
        rows.push({ kind, audience, enabled: request.on.has(`${kind}:${audience}`) });
      }
    }
    const now = new Date();
    await tx
      .insert(noticePreferences)
      .values(rows.map((r) => ({ ...r, accountId: request.accountId, updatedAt: now, updatedByUserId: request.userId })))
      .onConflictDoUpdate({
        target: [noticePreferences.accountId, noticePreferences.kind, noticePreferences.audience],
        set: { enabled: sql`excluded.enabled`, updatedAt: now, updatedByUserId: request.userId },
      });
    const after = await getNoticeSettings(tx, request.accountId);
    const off = (s: NoticeSettings) =>
      NOTICE_KINDS.flatMap((kind) => AUDIENCES.filter((a) => !s[kind][a]).map((a) => `${kind}:${a}`));
    await recordAudit(tx, {
      accountId: request.accountId,
      actorUserId: request.userId,
      action: "notices.preferences",
      before: { off: off(before) },
      after: { off: off(after) },
    });
    return ok(after);
  });
}

/** Sets the balance below which the admins and billing contacts are told credit is running low. */
export async function saveLowBalanceAlert(
  db: Database,
  request: { accountId: string; userId: string; threshold: string },
): Promise<Result<{ threshold: number; currency: string }>> {
  const { currency } = await getAccount(db, request.accountId);
  const typed = request.threshold.trim() === "0" ? ({ ok: true, value: 0 } as const) : amountInBounds(request.threshold, currency, LOW_BALANCE_ALERT_MIN, LOW_BALANCE_ALERT_MAX);
  if (!typed.ok) return fail("invalid", "Please correct the alert amount.", { lowBalanceThreshold: typed.failure.message });
  return db.transaction(async (tx) => {
    await tx.insert(creditBalances).values({ accountId: request.accountId }).onConflictDoNothing();
    const [before] = await tx
      .select({ threshold: creditBalances.lowBalanceThreshold, balance: creditBalances.balance })
      .from(creditBalances)
      .where(eq(creditBalances.accountId, request.accountId))
      .for("update");
    await tx
      .update(creditBalances)
      .set({ lowBalanceThreshold: typed.value })
      .where(and(eq(creditBalances.accountId, request.accountId)));
    // An alert raised above a balance that was not below the old one is a crossing too:
    // the admins hear now, not only after the balance has gone back up and down again.
    const balance = before?.balance ?? 0;
    const wasBelow = (before?.threshold ?? 0) > 0 && balance < (before?.threshold ?? 0);
    if (typed.value > 0 && balance > 0 && balance < typed.value && !wasBelow) {
      await queueNotice(tx, {
        accountId: request.accountId,
        kind: "low_balance",
        idempotencyKey: `low_balance:${crypto.randomUUID()}`,
        data: { balance, threshold: typed.value },
      });
    }
    await recordAudit(tx, {
      accountId: request.accountId,
      actorUserId: request.userId,
      action: "credit.low_balance_alert",
      before: { threshold: before?.threshold ?? null, currency },
      after: { threshold: typed.value, currency },
    });
    return ok({ threshold: typed.value, currency });
  });
}
