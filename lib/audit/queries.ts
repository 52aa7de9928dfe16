import { desc, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { auditLog, users } from "@/db/schema";
import { formatMoney } from "@/lib/money";

export interface AuditView {
  id: string;
  at: Date;
  who: string;
  what: string;
}

type Json = Record<string, unknown> | null;

const money = (value: unknown, currency: string) => (typeof value === "number" ? formatMoney(value, currency) : "?");

/** One audit entry in words, with before and after where they matter. */
export function describeAudit(action: string, before: Json, after: Json, currency: string): string {
  switch (action) {
    case "seats.change": {
      const proration = after?.prorationAmount;
      const charged =
        typeof proration !== "number" || proration === 0
          ? ""
          : proration > 0
            ? ` (${money(proration, currency)} charged for the rest of the period)`
            : ` (${money(-proration, currency)} credited for the rest of the period)`;
      return `Seats changed from ${before?.seats} to ${after?.seats}${charged}`;
    }
    case "auto_top_up.update":
      return after?.enabled
        ? `Auto top-up on: add ${money(after.amount, currency)} below ${money(after.threshold, currency)}${after.monthlyCap ? `, at most ${money(after.monthlyCap, currency)} a month` : ""}`
        : "Auto top-up turned off";
    case "credit.top_up":
      return `Add credit ${money(after?.amount, currency)}: ${String(after?.outcome ?? "").replace("_", " ")}`;
    case "credit.top_up.authenticate":
      return after?.outcome === "succeeded"
        ? `Payment of ${money(after.amount, currency)} confirmed with the bank`
        : `Payment of ${money(after?.amount, currency)} not confirmed with the bank`;
    case "credit.top_up.expire":
      return after?.outcome === "succeeded"
        ? `Payment of ${money(after.amount, currency)} confirmed with the bank`
        : `Payment of ${money(after?.amount, currency)} canceled: not confirmed with the bank within 24 hours`;
    case "billing_details.update": {
      const changed = Object.keys(after ?? {}).filter((key) => JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key]));
      return before ? `Company details changed (${changed.join(", ") || "no change"})` : "Company details added";
    }
    case "payment_method.replace":
      return `Payment method ${before ? `${before.paymentMethod} replaced by` : "set to"} ${after?.paymentMethod}`;
    case "user.deactivate":
      return `Deactivated ${after?.name} (${after?.email}), freeing a seat`;
    default:
      return action;
  }
}

/** The account's latest billing changes, newest first. */
export async function getRecentAudit(db: Executor, account: { id: string; currency: string }, limit = 8): Promise<AuditView[]> {
  const rows = await db
    .select({ id: auditLog.id, at: auditLog.createdAt, action: auditLog.action, before: auditLog.before, after: auditLog.after, who: users.name })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(eq(auditLog.accountId, account.id))
    .orderBy(desc(auditLog.createdAt))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    who: r.who ?? "System",
    what: describeAudit(r.action, r.before as Json, r.after as Json, account.currency),
  }));
}
