import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts, users } from "./accounts";
import { callingPackages } from "./catalog";
import { prepaidBundles } from "./subscriptions";
import { destinationType, usageCategory, usageDirection, usageKind } from "./enums";

/**
 * The account's own number a record uses (`lib/usage/ownership.ts`): the called number of
 * an inbound call that is not a forwarded leg and of an SMS received, the caller otherwise.
 * The spend breakdown groups by it; the expression is the same in its index and queries.
 */
export function accountNumberOf(t: {
  direction: AnyColumn;
  kind: AnyColumn;
  forwarded: AnyColumn;
  fromNumber: AnyColumn;
  toNumber: AnyColumn;
}): SQL<string> {
  return sql<string>`(case when ${t.direction} = 'inbound' and not (${t.kind} = 'call' and ${t.forwarded}) then ${t.toNumber} else ${t.fromNumber} end)`;
}

/**
 * A call or SMS reported by the telephony platform, and how it was rated. Partitioned by
 * month of `started_at` (migration 0022), which is therefore part of the primary key, led
 * by the account.
 */
export const usageRecords = pgTable(
  "usage_records",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    /** The platform's id of the call or SMS: the idempotency key of rating (see usageRecordKeys). */
    externalId: text("external_id").notNull(),
    kind: usageKind("kind").notNull(),
    direction: usageDirection("direction").notNull(),
    fromNumber: text("from_number").notNull(),
    toNumber: text("to_number").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    durationSeconds: integer("duration_seconds"),
    fragments: integer("fragments"),
    forwarded: boolean("forwarded").notNull().default(false),
    userId: uuid("user_id"),
    destinationCountry: text("destination_country"),
    destinationType: destinationType("destination_type"),
    category: usageCategory("category").notNull(),
    coveredByPackageId: uuid("covered_by_package_id").references(() => callingPackages.id),
    bundleId: uuid("bundle_id"),
    bundleSeconds: integer("bundle_seconds").notNull().default(0),
    billableUnits: integer("billable_units").notNull().default(0),
    rateMicros: bigint("rate_micros", { mode: "number" }),
    /** Minor units charged from credit (0 when included). */
    amount: bigint("amount", { mode: "number" }).notNull().default(0),
    /** The debit of the same account (no foreign key: movements are partitioned, and never removed). */
    movementId: bigint("movement_id", { mode: "number" }),
    /** Why it was charged or included: a code of `lib/usage/reasons.ts` and its parameters. */
    ratingReason: text("rating_reason").notNull().default("unrecorded"),
    ratingReasonParams: jsonb("rating_reason_params").notNull().default(sql`'{}'::jsonb`),
    ratedAt: timestamp("rated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "usage_records_pkey", columns: [t.accountId, t.startedAt, t.id] }),
    // The primary key serves lookups by account and time.
    // The spend drill-down: one user's, number's or destination's records, by time.
    index("usage_records_account_user_time_idx").on(t.accountId, t.userId, t.startedAt, t.id),
    index("usage_records_account_number_time_idx").on(t.accountId, accountNumberOf(t), t.startedAt, t.id),
    index("usage_records_account_country_time_idx").on(t.accountId, t.destinationCountry, t.startedAt, t.id),
    index("usage_records_account_category_time_idx").on(t.accountId, t.category, t.startedAt, t.id),
    foreignKey({
      name: "usage_records_bundle_same_account_fk",
      columns: [t.accountId, t.bundleId],
      foreignColumns: [prepaidBundles.accountId, prepaidBundles.id],
    }),
    foreignKey({
      name: "usage_records_user_same_account_fk",
      columns: [t.accountId, t.userId],
      foreignColumns: [users.accountId, users.id],
    }),
    check(
      "usage_records_measure",
      sql`(${t.kind} = 'call' and ${t.durationSeconds} >= 0 and ${t.fragments} is null)
        or (${t.kind} = 'sms' and ${t.fragments} > 0 and ${t.durationSeconds} is null)`,
    ),
    check("usage_records_amount_nonnegative", sql`${t.amount} >= 0`),
    // What is included costs nothing; a charged category may still come to zero (a free
    // destination, or an overflow of a fraction of a cent).
    check("usage_records_included_free", sql`${t.category} <> 'included' or ${t.amount} = 0`),
    check("usage_records_bundle_seconds_nonnegative", sql`${t.bundleSeconds} >= 0`),
  ],
);

export type UsageRecord = typeof usageRecords.$inferSelect;

/** One row per rated record across every partition: a platform id is rated once per account. */
export const usageRecordKeys = pgTable(
  "usage_record_keys",
  {
    // No foreign key: the record inserted with its key row checks the account.
    accountId: uuid("account_id").notNull(),
    externalId: text("external_id").notNull(),
    /** Where the record is: its partition's key. */
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ name: "usage_record_keys_pkey", columns: [t.accountId, t.externalId] })],
);
