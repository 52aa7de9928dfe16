import { bigint, date, integer, pgEnum, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { accounts } from "./accounts";
import { usageCategory } from "./enums";

/**
 * What a spend rollup row is totalled by. `package_fit` rows are the calls charged from
 * credit that a calling package could include, by `user|calling number's country|destination
 * country`, with the seconds charged from credit: what the package-fit advice prices.
 */
export const spendDimension = pgEnum("spend_dimension", ["user", "number", "country", "package_fit"]);

/**
 * Rollups kept by statement-level triggers on insert (migration 0002), in the same
 * transaction as the rows they sum, so the page reads a few rows per day instead of
 * every movement. Days and months are in the account's time zone.
 */
export const creditDailyBalances = pgTable(
  "credit_daily_balances",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    day: date("day", { mode: "string" }).notNull(),
    closingBalance: bigint("closing_balance", { mode: "number" }).notNull(),
    lastMovementId: bigint("last_movement_id", { mode: "number" }).notNull(),
    credits: bigint("credits", { mode: "number" }).notNull(),
    debits: bigint("debits", { mode: "number" }).notNull(),
    /** Sum of the day's movements other than top-ups: negative when usage spent credit. */
    usageNet: bigint("usage_net", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ name: "credit_daily_balances_pkey", columns: [t.accountId, t.day] })],
);

export const usageDailyTotals = pgTable(
  "usage_daily_totals",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    day: date("day", { mode: "string" }).notNull(),
    category: usageCategory("category").notNull(),
    records: integer("records").notNull(),
    seconds: bigint("seconds", { mode: "number" }).notNull(),
    fragments: bigint("fragments", { mode: "number" }).notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ name: "usage_daily_totals_pkey", columns: [t.accountId, t.day, t.category] })],
);

/** Minutes each user spent inside each calling package per month: the fair-use bars. */
export const usageUserMonthly = pgTable(
  "usage_user_monthly",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    month: date("month", { mode: "string" }).notNull(),
    userId: uuid("user_id").notNull(),
    packageId: uuid("package_id").notNull(),
    seconds: bigint("seconds", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ name: "usage_user_monthly_pkey", columns: [t.accountId, t.month, t.userId, t.packageId] }),
  ],
);

/**
 * Rated usage per day by user, by the account's number and by destination country (one
 * dimension per row; by category is `usage_daily_totals`): the spend breakdown reads these,
 * never the records. `key` is the user id, the E.164 number or the country code, '' when
 * the record has none (no user, no destination country). Kept by the insert trigger of
 * usage_records (migration 0021) in the same transaction as the records.
 */
export const usageSpendDaily = pgTable(
  "usage_spend_daily",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    dimension: spendDimension("dimension").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    key: text("key").notNull(),
    records: integer("records").notNull(),
    /** Talk seconds of calls (for `package_fit`, the seconds charged from credit). */
    seconds: bigint("seconds", { mode: "number" }).notNull(),
    fragments: bigint("fragments", { mode: "number" }).notNull(),
    /** Minor units charged from credit. */
    amount: bigint("amount", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ name: "usage_spend_daily_pkey", columns: [t.accountId, t.dimension, t.day, t.key] })],
);

/**
 * The same per calendar month (the account's time zone), so that a period of whole months
 * reads one row per key; the days of a period outside whole months come from the daily rows.
 */
export const usageSpendMonthly = pgTable(
  "usage_spend_monthly",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    dimension: spendDimension("dimension").notNull(),
    /** The first day of the month. */
    month: date("month", { mode: "string" }).notNull(),
    key: text("key").notNull(),
    records: integer("records").notNull(),
    seconds: bigint("seconds", { mode: "number" }).notNull(),
    fragments: bigint("fragments", { mode: "number" }).notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ name: "usage_spend_monthly_pkey", columns: [t.accountId, t.dimension, t.month, t.key] })],
);
