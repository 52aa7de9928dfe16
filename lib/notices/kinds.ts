import type { NoticeAudience, NoticeKind } from "@/db/schema";
import { noticeKind } from "@/db/schema/enums";

/**
 * The notices the console sends, in the order the settings list them. "Credit ran out"
 * and the payment failures always reach the admins: turning them off would leave an
 * account that cannot call, or an unpaid subscription, with nobody told.
 */
export const NOTICE_KINDS = noticeKind.enumValues;

export const NOTICE_LABELS: Record<NoticeKind, { title: string; description: string }> = {
  low_balance: { title: "Low balance", description: "The balance drops below the low-balance alert, once per drop." },
  credit_ran_out: { title: "Credit ran out", description: "The balance reaches zero: outbound calls are blocked." },
  auto_top_up_failed: {
    title: "Automatic top-up failed",
    description: "A payment of auto top-up failed, and when auto top-up switched itself off.",
  },
  authentication_required: {
    title: "Card authentication needed",
    description: "The bank asks the cardholder to confirm an automatic top-up.",
  },
  invoice_issued: { title: "Invoice issued", description: "Each invoice and credit note, with its PDF attached." },
  subscription_past_due: { title: "Subscription payment failed", description: "The payment of a subscription invoice failed." },
  plan_changed: { title: "Seats or plan changed", description: "A receipt of each change of seats or plan." },
};

export const AUDIENCES: readonly NoticeAudience[] = ["admins", "billing_contacts"];

export const AUDIENCE_LABELS: Record<NoticeAudience, string> = {
  admins: "Admins",
  billing_contacts: "Billing contacts",
};

const ALWAYS_TO_ADMINS: ReadonlySet<NoticeKind> = new Set(["credit_ran_out", "auto_top_up_failed", "subscription_past_due"]);

/** Whether an admin may turn this notice off for this audience. */
export function canTurnOff(kind: NoticeKind, audience: NoticeAudience): boolean {
  return !(audience === "admins" && ALWAYS_TO_ADMINS.has(kind));
}

export const NOTIFICATIONS_PATH = "/dashboard/account/billing/notifications";

/** Where an email links to for its own setting. */
export function settingPath(kind: NoticeKind): string {
  return `${NOTIFICATIONS_PATH}#notice-${kind.replaceAll("_", "-")}`;
}
