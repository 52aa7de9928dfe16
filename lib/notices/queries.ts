import { and, desc, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { type Notice, notices } from "@/db/schema";

export interface NoticeRow {
  id: string;
  kind: Notice["kind"];
  status: Notice["status"];
  createdAt: Date;
  sentAt: Date | null;
  recipients: string[];
  attempts: number;
  lastError: string | null;
}

/** The account's latest notices, newest first, with what became of them. */
export async function recentNotices(db: Executor, accountId: string, limit = 15): Promise<NoticeRow[]> {
  const rows = await db
    .select({
      id: notices.id,
      kind: notices.kind,
      status: notices.status,
      createdAt: notices.createdAt,
      sentAt: notices.sentAt,
      recipients: notices.recipients,
      attempts: notices.attempts,
      lastError: notices.lastError,
    })
    .from(notices)
    .where(and(eq(notices.accountId, accountId)))
    .orderBy(desc(notices.createdAt), desc(notices.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, recipients: r.recipients ?? [] }));
}

/** The outcome of a notice in words. */
export function outcomeText(row: Pick<NoticeRow, "status" | "attempts" | "lastError">): string {
  switch (row.status) {
    case "sent":
      return "Sent";
    case "pending":
      return row.attempts === 0 ? "Waiting to be sent" : `Not sent yet, trying again (${row.lastError ?? "the mail server refused it"})`;
    case "sending":
      return "Sending";
    case "failed":
      return `Not sent: gave up after ${row.attempts} tries (${row.lastError ?? "the mail server refused it"})`;
    case "skipped":
      return `Not sent: ${row.lastError ?? "nobody to send it to"}`;
  }
}
