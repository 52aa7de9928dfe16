import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts } from "./accounts";
import { paymentMethodType, paymentProvider, sandboxPaymentIntentStatus } from "./enums";

export const paymentMethods = pgTable(
  "payment_methods",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    provider: paymentProvider("provider").notNull(),
    type: paymentMethodType("type").notNull(),
    providerPaymentMethodId: text("provider_payment_method_id").notNull(),
    cardBrand: text("card_brand"),
    cardLast4: text("card_last4"),
    cardExpMonth: integer("card_exp_month"),
    cardExpYear: integer("card_exp_year"),
    paypalEmail: text("paypal_email"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set when replaced; the current method is the one not yet replaced. */
    replacedAt: timestamp("replaced_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "payment_methods_pkey", columns: [t.accountId, t.id] }),
    uniqueIndex("payment_methods_current_key").on(t.accountId).where(sql`${t.replacedAt} is null`),
    uniqueIndex("payment_methods_provider_id_key").on(t.accountId, t.provider, t.providerPaymentMethodId),
    check(
      "payment_methods_details",
      sql`(${t.type} = 'card' and ${t.cardBrand} is not null and ${t.cardLast4} ~ '^[0-9]{4}$'
            and ${t.cardExpMonth} between 1 and 12 and ${t.cardExpYear} between 2000 and 2100)
        or (${t.type} = 'paypal' and ${t.paypalEmail} like '%_@_%')`,
    ),
  ],
);

/** Every payment-provider webhook event, stored once (its id is unique). */
export const paymentProviderEvents = pgTable(
  "payment_provider_events",
  {
    id: text("id").primaryKey(),
    /** Null when the event names no account of ours. */
    accountId: uuid("account_id").references(() => accounts.id),
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("payment_provider_events_account_idx").on(t.accountId, t.receivedAt)],
);

/**
 * The sandbox provider's payment intents. They live in the database, as a real
 * provider's outlive any one process: a payment the worker started can be confirmed
 * through the app. The id is derived from the idempotency key, so the same key is always
 * the same charge.
 */
export const sandboxPaymentIntents = pgTable(
  "sandbox_payment_intents",
  {
    id: text("id").primaryKey(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    idempotencyKey: text("idempotency_key").notNull(),
    paymentMethodId: text("payment_method_id").notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
    currency: text("currency").notNull(),
    status: sandboxPaymentIntentStatus("status").notNull(),
    failureCode: text("failure_code"),
    failureMessage: text("failure_message"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("sandbox_payment_intents_idempotency_key").on(t.idempotencyKey),
    index("sandbox_payment_intents_account_idx").on(t.accountId, t.createdAt),
    check("sandbox_payment_intents_amount_positive", sql`${t.amount} > 0`),
  ],
);

export type PaymentMethod = typeof paymentMethods.$inferSelect;
export type SandboxPaymentIntent = typeof sandboxPaymentIntents.$inferSelect;
