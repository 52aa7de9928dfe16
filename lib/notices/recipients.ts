import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { billingDetails, type NoticeAudience, type NoticeKind, noticePreferences, users } from "@/db/schema";
import { AUDIENCES, canTurnOff, NOTICE_KINDS } from "./kinds";

/** Who receives billing notices: the account's active admins and its billing contacts. */
export interface NoticeAudiences {
  admins: string[];
  billingContacts: string[];
}

export async function getAudiences(db: Executor, accountId: string): Promise<NoticeAudiences> {
  const [admins, details] = await Promise.all([
    db
      .select({ email: users.email })
      .from(users)
      .where(and(eq(users.accountId, accountId), eq(users.role, "admin"), eq(users.active, true)))
      .orderBy(asc(users.email)),
    db
      .select({ invoiceEmail: billingDetails.invoiceEmail, billingEmails: billingDetails.billingEmails })
      .from(billingDetails)
      .where(eq(billingDetails.accountId, accountId)),
  ]);
  const row = details[0];
  const contacts = row ? (row.billingEmails.length > 0 ? row.billingEmails : [row.invoiceEmail]) : [];
  return { admins: admins.map((a) => a.email), billingContacts: contacts };
}

/** Whether each notice goes to each audience: on unless turned off, and always on where required. */
export type NoticeSettings = Record<NoticeKind, Record<NoticeAudience, boolean>>;

export async function getNoticeSettings(db: Executor, accountId: string): Promise<NoticeSettings> {
  const rows = await db
    .select({ kind: noticePreferences.kind, audience: noticePreferences.audience, enabled: noticePreferences.enabled })
    .from(noticePreferences)
    .where(eq(noticePreferences.accountId, accountId));
  const settings = Object.fromEntries(
    NOTICE_KINDS.map((kind) => [kind, Object.fromEntries(AUDIENCES.map((a) => [a, true]))]),
  ) as NoticeSettings;
  for (const row of rows) settings[row.kind][row.audience] = row.enabled || !canTurnOff(row.kind, row.audience);
  return settings;
}

/** The addresses a notice goes to now, each once. */
export async function recipientsOf(db: Executor, accountId: string, kind: NoticeKind): Promise<string[]> {
  const [audiences, settings] = await Promise.all([getAudiences(db, accountId), getNoticeSettings(db, accountId)]);
  const addresses = [
    ...(settings[kind].admins ? audiences.admins : []),
    ...(settings[kind].billing_contacts ? audiences.billingContacts : []),
  ];
  return [...new Set(addresses.map((a) => a.toLowerCase()))];
}
