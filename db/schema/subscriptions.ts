import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts, users } from "./accounts";
import { addons, callingPackages, plans, rateCards } from "./catalog";
import { billingInterval, subscriptionChangeKind, subscriptionStatus } from "./enums";

export const subscriptions = pgTable(
  "subscriptions",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    planId: uuid("plan_id")
      .notNull()
      .references(() => plans.id),
    interval: billingInterval("interval").notNull(),
    status: subscriptionStatus("status").notNull().default("active"),
    seatsPurchased: integer("seats_purchased").notNull(),
    currentPeriodStart: timestamp("current_period_start", { withTimezone: true }).notNull(),
    currentPeriodEnd: timestamp("current_period_end", { withTimezone: true }).notNull(),
    rateCardId: uuid("rate_card_id").references(() => rateCards.id),
    providerCustomerId: text("provider_customer_id"),
    providerSubscriptionId: text("provider_subscription_id"),
    providerSubscriptionItemId: text("provider_subscription_item_id"),
    /** Canceled at the end of the period: until then everything works, and it can be resumed. */
    cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
    cancelReason: text("cancel_reason"),
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
    /** A change that takes effect at the renewal (a cheaper plan, yearly to monthly). */
    scheduledPlanId: uuid("scheduled_plan_id").references(() => plans.id),
    scheduledInterval: billingInterval("scheduled_interval"),
    /** The provider's schedule that makes the change at the renewal (Stripe's subscription schedule). */
    providerScheduleId: text("provider_schedule_id"),
    /**
     * When the provider's last applied subscription event was created: an older event,
     * delivered late, describes a state that no longer holds and changes nothing.
     */
    providerEventAt: timestamp("provider_event_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "subscriptions_pkey", columns: [t.accountId, t.id] }),
    // One subscription per account (the account's plan); history lives in the audit log.
    uniqueIndex("subscriptions_account_id_key").on(t.accountId),
    uniqueIndex("subscriptions_provider_subscription_id_key").on(t.providerSubscriptionId),
    check("subscriptions_seats_nonnegative", sql`${t.seatsPurchased} >= 0`),
    check("subscriptions_period_order", sql`${t.currentPeriodEnd} > ${t.currentPeriodStart}`),
  ],
);

/** Calling packages the account has bought (per user, monthly). */
export const accountPackages = pgTable(
  "account_packages",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    packageId: uuid("package_id")
      .notNull()
      .references(() => callingPackages.id),
    quantity: integer("quantity").notNull(),
    /** Price per unit agreed when bought, minor units. */
    unitPrice: bigint("unit_price", { mode: "number" }).notNull(),
    /** From when calls are rated under the package. */
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    /** Until when; in the future while its removal at the renewal is scheduled. */
    endedAt: timestamp("ended_at", { withTimezone: true }),
    /** The package's item in the provider's subscription. */
    providerItemId: text("provider_item_id"),
  },
  (t) => [
    primaryKey({ name: "account_packages_pkey", columns: [t.accountId, t.id] }),
    check("account_packages_quantity_positive", sql`${t.quantity} > 0`),
    check("account_packages_unit_price_nonnegative", sql`${t.unitPrice} >= 0`),
    check("account_packages_period_order", sql`${t.endedAt} is null or ${t.endedAt} > ${t.startedAt}`),
  ],
);

/** Prepaid minutes, consumed before credit. */
export const prepaidBundles = pgTable(
  "prepaid_bundles",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    name: text("name").notNull(),
    secondsIncluded: integer("seconds_included").notNull(),
    secondsUsed: integer("seconds_used").notNull().default(0),
    price: bigint("price", { mode: "number" }).notNull(),
    purchasedAt: timestamp("purchased_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: "prepaid_bundles_pkey", columns: [t.accountId, t.id] }),
    index("prepaid_bundles_account_id_idx").on(t.accountId, t.expiresAt),
    check("prepaid_bundles_seconds_positive", sql`${t.secondsIncluded} > 0`),
    check(
      "prepaid_bundles_seconds_used_range",
      sql`${t.secondsUsed} >= 0 and ${t.secondsUsed} <= ${t.secondsIncluded}`,
    ),
    check("prepaid_bundles_price_nonnegative", sql`${t.price} >= 0`),
    check("prepaid_bundles_period_order", sql`${t.expiresAt} > ${t.purchasedAt}`),
  ],
);

export const accountAddons = pgTable(
  "account_addons",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    addonId: uuid("addon_id")
      .notNull()
      .references(() => addons.id),
    quantity: integer("quantity").notNull(),
    unitPrice: bigint("unit_price", { mode: "number" }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "account_addons_pkey", columns: [t.accountId, t.id] }),
    // An add-on is active at most once per account at a time.
    uniqueIndex("account_addons_active_key")
      .on(t.accountId, t.addonId)
      .where(sql`${t.endedAt} is null`),
    check("account_addons_quantity_positive", sql`${t.quantity} > 0`),
    check("account_addons_unit_price_nonnegative", sql`${t.unitPrice} >= 0`),
    check("account_addons_period_order", sql`${t.endedAt} is null or ${t.endedAt} > ${t.startedAt}`),
  ],
);

/**
 * Each change of the subscription within a period, with what the payment provider
 * charged (positive) or credited (negative) for the rest of the period, as it answered:
 * the period's summary shows these amounts rather than pricing the change again.
 */
export const subscriptionChanges = pgTable(
  "subscription_changes",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    kind: subscriptionChangeKind("kind").notNull(),
    fromQuantity: integer("from_quantity").notNull(),
    toQuantity: integer("to_quantity").notNull(),
    /** The instant the provider prorated the change at. */
    effectiveAt: timestamp("effective_at", { withTimezone: true }).notNull(),
    /** Minor units, signed: charged now (positive) or credited (negative). */
    prorationAmount: bigint("proration_amount", { mode: "number" }).notNull(),
    currency: text("currency").notNull(),
    /** The provider's proration invoice; null when it issued none (the sandbox). */
    providerInvoiceId: text("provider_invoice_id"),
    actorUserId: uuid("actor_user_id"),
    /** What a plan change changed, in words; null for seats. */
    description: text("description"),
    /** The plan before a plan change: the period's seats are charged at its price. */
    fromPlanId: uuid("from_plan_id").references(() => plans.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "subscription_changes_pkey", columns: [t.accountId, t.id] }),
    index("subscription_changes_account_time_idx").on(t.accountId, t.effectiveAt),
    uniqueIndex("subscription_changes_provider_invoice_key")
      .on(t.accountId, t.providerInvoiceId)
      .where(sql`${t.providerInvoiceId} is not null`),
    foreignKey({
      name: "subscription_changes_actor_same_account_fk",
      columns: [t.accountId, t.actorUserId],
      foreignColumns: [users.accountId, users.id],
    }),
    check(
      "subscription_changes_quantities",
      sql`${t.fromQuantity} >= 0 and ${t.toQuantity} >= 0 and (${t.kind} <> 'seats' or ${t.fromQuantity} <> ${t.toQuantity})`,
    ),

  ],
);

export type Subscription = typeof subscriptions.$inferSelect;
export type AccountPackage = typeof accountPackages.$inferSelect;
export type PrepaidBundle = typeof prepaidBundles.$inferSelect;
export type AccountAddon = typeof accountAddons.$inferSelect;
export type SubscriptionChange = typeof subscriptionChanges.$inferSelect;
