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
import { movementType, topUpKind, topUpStatus, unitType } from "./enums";

/** The stored balance; always equal to the sum of the account's credit movements. */
export const creditBalances = pgTable("credit_balances", {
  accountId: uuid("account_id")
    .primaryKey()
    .references(() => accounts.id),
  /** Minor units of the account currency; may go below zero (a call may finish). */
  balance: bigint("balance", { mode: "number" }).notNull().default(0),
  /** Below this the page says credit is running low (minor units). */
  lowBalanceThreshold: bigint("low_balance_threshold", { mode: "number" }).notNull().default(1000),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [check("credit_balances_low_threshold_nonnegative", sql`${t.lowBalanceThreshold} >= 0`)]);

/**
 * Append-only (a trigger refuses UPDATE and DELETE): every change of a balance.
 * Partitioned by month of `occurred_at` (migration 0022; partitions are made ahead by the
 * worker), so `occurred_at` is part of the primary key; the account leads it, so the
 * table can be distributed by account. An interaction is posted once: its key is kept in
 * `credit_movement_keys`, unique across partitions.
 */
export const creditMovements = pgTable(
  "credit_movements",
  {
    id: bigint("id", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull().defaultNow(),
    type: movementType("type").notNull(),
    /** Call or SMS id, or the payment id of a top-up. */
    interactionId: text("interaction_id"),
    description: text("description").notNull(),
    destination: text("destination"),
    units: integer("units"),
    unitType: unitType("unit_type"),
    /** Micros (millionths of the major unit) per minute or per fragment. */
    rateMicros: bigint("rate_micros", { mode: "number" }),
    /** Signed, minor units: positive adds credit, negative spends it. */
    amount: bigint("amount", { mode: "number" }).notNull(),
    balanceAfter: bigint("balance_after", { mode: "number" }).notNull(),
    actorUserId: uuid("actor_user_id"),
    /** Who or what caused it when not a user: "platform", "auto top-up", "seed"... */
    actor: text("actor").notNull(),
  },
  (t) => [
    primaryKey({ name: "credit_movements_pkey", columns: [t.accountId, t.occurredAt, t.id] }),
    foreignKey({
      name: "credit_movements_actor_same_account_fk",
      columns: [t.accountId, t.actorUserId],
      foreignColumns: [users.accountId, users.id],
    }),
    check("credit_movements_amount_nonzero", sql`${t.amount} <> 0`),
    check(
      "credit_movements_units_consistent",
      sql`(${t.units} is null) = (${t.unitType} is null) and (${t.units} is null or ${t.units} >= 0)`,
    ),
  ],
);

/** The interactions posted, one row each across every partition: the ledger's idempotency. */
export const creditMovementKeys = pgTable(
  "credit_movement_keys",
  {
    // No foreign key: the movement inserted with its key row checks the account.
    accountId: uuid("account_id").notNull(),
    type: movementType("type").notNull(),
    interactionId: text("interaction_id").notNull(),
  },
  (t) => [primaryKey({ name: "credit_movement_keys_pkey", columns: [t.accountId, t.type, t.interactionId] })],
);

export const autoTopUpSettings = pgTable(
  "auto_top_up_settings",
  {
    accountId: uuid("account_id")
      .primaryKey()
      .references(() => accounts.id),
    enabled: boolean("enabled").notNull().default(false),
    /** A debit that takes the balance below this (minor units) triggers a top-up. */
    threshold: bigint("threshold", { mode: "number" }).notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
    /** Most that auto top-ups may charge in one calendar month; null for no cap. */
    monthlyCap: bigint("monthly_cap", { mode: "number" }),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    /** Why auto top-up switched itself off, when it did. */
    disabledReason: text("disabled_reason"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedByUserId: uuid("updated_by_user_id"),
  },
  (t) => [
    foreignKey({
      name: "auto_top_up_settings_updated_by_same_account_fk",
      columns: [t.accountId, t.updatedByUserId],
      foreignColumns: [users.accountId, users.id],
    }),
    check("auto_top_up_threshold_nonnegative", sql`${t.threshold} >= 0`),
    check("auto_top_up_amount_positive", sql`${t.amount} > 0`),
    check("auto_top_up_cap_positive", sql`${t.monthlyCap} is null or ${t.monthlyCap} >= ${t.amount}`),
    check("auto_top_up_failures_nonnegative", sql`${t.consecutiveFailures} >= 0`),
  ],
);

export const topUpAttempts = pgTable(
  "top_up_attempts",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    kind: topUpKind("kind").notNull(),
    status: topUpStatus("status").notNull().default("pending"),
    /** The credit bought, minor units: what the ledger adds. */
    amount: bigint("amount", { mode: "number" }).notNull(),
    /**
     * The VAT charged on top of the credit, decided when the attempt is made: the payment
     * is amount + taxAmount, and the top-up's invoice shows the same figures.
     */
    taxAmount: bigint("tax_amount", { mode: "number" }).notNull().default(0),
    /** Basis points: 1900 = 19 %. */
    taxRateBasisPoints: integer("tax_rate_basis_points").notNull().default(0),
    /** The VAT rule applied (lib/invoices/tax.ts); null before VAT was charged on top. */
    taxRule: text("tax_rule"),
    currency: text("currency").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    providerPaymentIntentId: text("provider_payment_intent_id"),
    failureCode: text("failure_code"),
    failureMessage: text("failure_message"),
    initiatedByUserId: uuid("initiated_by_user_id"),
    /** The debit whose threshold crossing triggered an auto top-up. */
    /** A movement of the same account (no foreign key: movements are partitioned, and never removed). */
    triggeredByMovementId: bigint("triggered_by_movement_id", { mode: "number" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp("settled_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "top_up_attempts_pkey", columns: [t.accountId, t.id] }),
    uniqueIndex("top_up_attempts_idempotency_key").on(t.accountId, t.idempotencyKey),
    uniqueIndex("top_up_attempts_payment_intent_key").on(t.providerPaymentIntentId),
    // At most one automatic top-up in flight per account.
    uniqueIndex("top_up_attempts_one_auto_in_flight")
      .on(t.accountId)
      .where(sql`${t.kind} = 'auto' and ${t.status} in ('pending', 'requires_action')`),
    index("top_up_attempts_account_time_idx").on(t.accountId, t.createdAt),
    foreignKey({
      name: "top_up_attempts_initiator_same_account_fk",
      columns: [t.accountId, t.initiatedByUserId],
      foreignColumns: [users.accountId, users.id],
    }),
    check("top_up_attempts_amount_positive", sql`${t.amount} > 0`),
    check("top_up_attempts_tax_nonnegative", sql`${t.taxAmount} >= 0 and ${t.taxRateBasisPoints} >= 0`),
  ],
);

export type CreditMovement = typeof creditMovements.$inferSelect;
export type NewCreditMovement = typeof creditMovements.$inferInsert;
export type AutoTopUpSettings = typeof autoTopUpSettings.$inferSelect;
export type TopUpAttempt = typeof topUpAttempts.$inferSelect;
