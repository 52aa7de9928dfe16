import { and, desc, eq, inArray } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { auditLog, topUpAttempts, users } from "@/db/schema";
import { formatMoney } from "@/lib/money";
import { describePlanAudit } from "@/lib/subscription/audit-words";

export interface AuditView {
  id: string;
  at: Date;
  /** Set when the entry stands for several automatic top-ups: the first one's time. */
  since?: Date;
  who: string;
  what: string;
}

type Json = Record<string, unknown> | null;

const money = (value: unknown, currency: string) => (typeof value === "number" ? formatMoney(value, currency) : "?");

const FIELD_LABELS: Record<string, string> = {
  companyName: "company name",
  vatNumber: "VAT number",
  invoiceEmail: "invoice email",
  billingEmails: "billing contacts",
  street: "street",
  city: "city",
  postalCode: "postal code",
  country: "country",
};

const CARD_BRANDS: Record<string, string> = {
  visa: "Visa",
  mastercard: "Mastercard",
  amex: "American Express",
  discover: "Discover",
  jcb: "JCB",
  unionpay: "UnionPay",
  diners: "Diners Club",
};

/** "visa ending in 0002" as stored, written "Visa ending in 0002". */
function paymentMethodWords(value: unknown): string {
  const text = String(value ?? "unknown");
  const [brand, ...rest] = text.split(" ");
  const name = CARD_BRANDS[brand!.toLowerCase()];
  return name ? [name, ...rest].join(" ") : text;
}

/** "a", "a and b", "a, b and c". */
function listWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const TOP_UP_OUTCOMES: Record<string, string> = {
  succeeded: "added",
  failed: "failed",
  canceled: "canceled",
  requires_action: "waiting for card authentication",
  pending: "in progress",
};

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
    case "plan.change":
    case "plan.undo":
    case "plan.start":
    case "plan.renewal":
    case "subscription.cancel":
    case "subscription.resume":
    case "subscription.end":
    case "subscription.past_due":
    case "subscription.paid_up":
    case "subscription.provider_update":
      return describePlanAudit(action, before, after, currency);
    case "auto_top_up.update":
      return after?.enabled
        ? `Auto top-up on: add ${money(after.amount, currency)} below ${money(after.threshold, currency)}${after.monthlyCap ? `, at most ${money(after.monthlyCap, currency)} a month` : ""}`
        : "Auto top-up turned off";
    case "credit.top_up":
      return after?.outcome === "succeeded"
        ? `Credit added: ${money(after.amount, currency)}`
        : `Add credit ${money(after?.amount, currency)}: ${TOP_UP_OUTCOMES[String(after?.outcome)] ?? String(after?.outcome ?? "")}`;
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
      if (!before) return "Company details added";
      if (changed.length === 0) return "Company details saved without changes";
      return `${capitalized(listWords(changed.map((key) => FIELD_LABELS[key] ?? key)))} changed`;
    }
    case "payment_method.replace":
      return `Payment method: ${paymentMethodWords(after?.paymentMethod)}${before ? ` (replaces ${paymentMethodWords(before.paymentMethod)})` : ""}`;
    case "credit.low_balance_alert":
      return after?.threshold === 0
        ? "Low-balance alert off (credit ran out is still emailed)"
        : `Low-balance alert: email below ${money(after?.threshold, currency)}`;
    case "notices.preferences":
      return "Email notice settings changed";
    case "user.deactivate":
      return `Deactivated ${after?.name} (${after?.email}), freeing a seat`;
    case "invoice.pay":
      return `Invoice ${after?.number} paid: ${money(after?.gross, currency)}`;
    case "invoice.uncollectible":
      return `Invoice ${after?.number} (${money(after?.gross, currency)}) marked uncollectible: its payment failed${after?.reason ? ` (${after.reason})` : ""}, and it can still be paid`;
    case "credit_note.issue":
      return `Credit note ${after?.number} issued for invoice ${after?.invoice} (${money(after?.gross, currency)})${after?.reason ? `: ${after.reason}` : ""}`;
    default:
      return action;
  }
}

/** An automatic top-up that ended, in words. */
export function describeAutoTopUp(
  attempt: { status: string; amount: number; failureMessage: string | null; failureCode: string | null },
  currency: string,
): string {
  const amount = money(attempt.amount, currency);
  if (attempt.status === "succeeded") return `Automatic top-up: ${amount} added`;
  if (attempt.status === "canceled") return `Automatic top-up of ${amount} canceled: not confirmed with the bank`;
  return `Automatic top-up of ${amount} failed: ${attempt.failureMessage ?? attempt.failureCode ?? "the payment was declined"}`;
}

/**
 * The account's latest billing changes, newest first: what people changed (the audit
 * log) and the automatic top-ups that succeeded or failed (their attempts), merged.
 */
export async function getRecentAudit(db: Executor, account: { id: string; currency: string }, limit = 8): Promise<AuditView[]> {
  const [rows, autoTopUps] = await Promise.all([
    db
      .select({ id: auditLog.id, at: auditLog.createdAt, action: auditLog.action, before: auditLog.before, after: auditLog.after, who: users.name })
      .from(auditLog)
      .leftJoin(users, and(eq(users.accountId, auditLog.accountId), eq(users.id, auditLog.actorUserId)))
      .where(eq(auditLog.accountId, account.id))
      .orderBy(desc(auditLog.createdAt))
      .limit(limit),
    db
      .select({
        id: topUpAttempts.id,
        at: topUpAttempts.updatedAt,
        status: topUpAttempts.status,
        amount: topUpAttempts.amount,
        failureMessage: topUpAttempts.failureMessage,
        failureCode: topUpAttempts.failureCode,
      })
      .from(topUpAttempts)
      .where(
        and(
          eq(topUpAttempts.accountId, account.id),
          eq(topUpAttempts.kind, "auto"),
          inArray(topUpAttempts.status, ["succeeded", "failed", "canceled"]),
        ),
      )
      .orderBy(desc(topUpAttempts.createdAt))
      // Enough that a run of refills collapsed into one entry still leaves room for the rest.
      .limit(limit * 4),
  ]);
  const changes: TimelineEntry[] = rows.map((r) => ({
    id: r.id,
    at: r.at,
    who: r.who ?? "System",
    what: describeAudit(r.action, r.before as Json, r.after as Json, account.currency),
  }));
  const topUps: TimelineEntry[] = autoTopUps.map((a) => ({
    id: a.id,
    at: a.at,
    who: "Auto top-up",
    what: describeAutoTopUp(a, account.currency),
    succeeded: a.status === "succeeded" ? a.amount : undefined,
  }));
  return collapseTopUps([...changes, ...topUps].sort((a, b) => b.at.getTime() - a.at.getTime()), account.currency).slice(0, limit);
}

type TimelineEntry = AuditView & { succeeded?: number };

/**
 * Newest first. Successful automatic top-ups in a row (no other change between them) read
 * as one entry with their count and sum, so a busy account's routine refills do not push
 * people's changes and failed top-ups off the list.
 */
export function collapseTopUps(entries: TimelineEntry[], currency: string): AuditView[] {
  const out: AuditView[] = [];
  let run: TimelineEntry[] = [];
  const flush = () => {
    if (run.length === 1) out.push(withoutAmount(run[0]!));
    else if (run.length > 1) {
      const total = run.reduce((sum, e) => sum + e.succeeded!, 0);
      out.push({
        id: run[0]!.id,
        at: run[0]!.at,
        since: run[run.length - 1]!.at,
        who: "Auto top-up",
        what: `${run.length} automatic top-ups: ${formatMoney(total, currency)} added`,
      });
    }
    run = [];
  };
  for (const entry of entries) {
    if (entry.succeeded !== undefined) run.push(entry);
    else {
      flush();
      out.push(withoutAmount(entry));
    }
  }
  flush();
  return out;
}

function withoutAmount({ succeeded: _, ...entry }: TimelineEntry): AuditView {
  return entry;
}
