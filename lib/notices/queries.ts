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
  data: Record<string, unknown>;
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
      data: notices.data,
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

/** What a notice was about, in a few words: "INV-2026-000002, €1,392.30", "Balance €9.00". */
export function noticeSubject(row: Pick<NoticeRow, "kind" | "data">, money: (minor: number, currency?: string) => string): string | null {
  const d = row.data;
  const amount = typeof d.amount === "number" ? money(d.amount, typeof d.currency === "string" ? d.currency : undefined) : null;
  switch (row.kind) {
    case "low_balance":
    case "credit_ran_out":
      return typeof d.balance === "number" ? `Balance ${money(d.balance)}` : null;
    case "invoice_issued":
    case "subscription_past_due": {
      const number = typeof d.number === "string" ? d.number : typeof d.invoiceNumber === "string" ? d.invoiceNumber : null;
      return [number, amount].filter(Boolean).join(", ") || null;
    }
    case "plan_changed":
      return Array.isArray(d.lines) ? (d.lines as { label: string; from: string; to: string }[]).map((l) => `${l.label} ${l.from} → ${l.to}`).join(", ") : null;
    default:
      return amount;
  }
}
