import { pgEnum } from "drizzle-orm/pg-core";

export const userRole = pgEnum("user_role", ["admin", "supervisor", "agent"]);
export const billingInterval = pgEnum("billing_interval", ["month", "year"]);
export const subscriptionStatus = pgEnum("subscription_status", [
  "trialing",
  "active",
  "past_due",
  "canceled",
]);
export const packageScope = pgEnum("package_scope", ["domestic", "international"]);
export const numberType = pgEnum("number_type", ["local", "mobile", "toll_free"]);
/** What a destination prefix reaches, for rating. */
export const destinationType = pgEnum("destination_type", [
  "fixed",
  "mobile",
  "toll_free",
  "premium",
]);
export const rateKind = pgEnum("rate_kind", [
  "call_outbound",
  "call_inbound_toll_free",
  "sms",
]);
export const addonCategory = pgEnum("addon_category", [
  "conversation_intelligence",
  "dialer",
  "voice_agents",
]);
export const movementType = pgEnum("movement_type", [
  "top_up_manual",
  "top_up_auto",
  "call",
  "sms",
  "forwarded_leg",
  "toll_free_inbound",
  "adjustment",
  "refund",
]);
export const unitType = pgEnum("unit_type", ["seconds", "fragments"]);
export const topUpKind = pgEnum("top_up_kind", ["manual", "auto"]);
/** A sandbox payment intent's state, in Stripe's words. */
export const sandboxPaymentIntentStatus = pgEnum("sandbox_payment_intent_status", [
  "requires_action",
  "succeeded",
  "failed",
  "canceled",
]);
export const topUpStatus = pgEnum("top_up_status", [
  "pending",
  "requires_action",
  "succeeded",
  "failed",
  "canceled",
]);
export const paymentProvider = pgEnum("payment_provider", ["stripe", "sandbox"]);
export const paymentMethodType = pgEnum("payment_method_type", ["card", "paypal"]);
export const usageKind = pgEnum("usage_kind", ["call", "sms"]);
export const usageDirection = pgEnum("usage_direction", ["outbound", "inbound"]);
/** How a rated usage record is billed: included, or the "not included" category it falls in. */
export const usageCategory = pgEnum("usage_category", [
  "included",
  "bundle",
  "outside_packages",
  "premium",
  "forwarded",
  "toll_free_inbound",
  "sms",
]);
/** What a recorded subscription change changed. */
export const subscriptionChangeKind = pgEnum("subscription_change_kind", ["seats", "plan"]);
/** An invoice's state, in Stripe's words: issued invoices move only from open onwards. */
export const invoiceStatus = pgEnum("invoice_status", ["draft", "open", "paid", "void", "uncollectible"]);
/** What a billing document is for: a closed period, a credit purchase, or a correction. */
export const invoiceKind = pgEnum("invoice_kind", ["period", "top_up", "credit_note"]);
/** What an email notice is about. */
export const noticeKind = pgEnum("notice_kind", [
  "low_balance",
  "credit_ran_out",
  "auto_top_up_failed",
  "authentication_required",
  "invoice_issued",
  "subscription_past_due",
  "plan_changed",
]);
/** Where a notice is in the outbox: waiting, being sent (leased), sent, given up, or nobody to send to. */
export const noticeStatus = pgEnum("notice_status", ["pending", "sending", "sent", "failed", "skipped"]);
/** Who a notice goes to: the account's active admins, or the billing contacts of its company details. */
export const noticeAudience = pgEnum("notice_audience", ["admins", "billing_contacts"]);
