import type { Executor } from "@/db/client";
import { auditLog } from "@/db/schema";

export interface AuditRecord {
  accountId: string;
  /** Null when the change was not made by a person of the account. */
  actorUserId: string | null;
  action: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/**
 * Records a billing change in the caller's transaction, the one that makes the change, so
 * that there is never a change without its entry nor an entry for a change rolled back.
 */
export async function recordAudit(tx: Executor, entry: AuditRecord): Promise<void> {
  await tx.insert(auditLog).values({
    accountId: entry.accountId,
    actorUserId: entry.actorUserId,
    action: entry.action,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}
