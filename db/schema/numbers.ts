import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts } from "./accounts";
import { numberType } from "./enums";

export const phoneNumbers = pgTable(
  "phone_numbers",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    e164: text("e164").notNull(),
    country: text("country").notNull(),
    type: numberType("type").notNull(),
    label: text("label"),
    /** Monthly price, minor units of the account currency. */
    monthlyPrice: bigint("monthly_price", { mode: "number" }).notNull(),
    acquiredAt: timestamp("acquired_at", { withTimezone: true }).notNull(),
    releasedAt: timestamp("released_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "phone_numbers_pkey", columns: [t.accountId, t.id] }),
    index("phone_numbers_account_id_idx").on(t.accountId, t.acquiredAt),
    // Usage and call authorization check that a record's number is the account's.
    index("phone_numbers_account_id_e164_idx").on(t.accountId, t.e164),
    // A number belongs to at most one account at a time.
    uniqueIndex("phone_numbers_e164_held_key").on(t.e164).where(sql`${t.releasedAt} is null`),
    check("phone_numbers_e164_format", sql`${t.e164} ~ '^\\+[1-9][0-9]{6,14}$'`),
    check("phone_numbers_country_format", sql`${t.country} ~ '^[A-Z]{2}$'`),
    check("phone_numbers_price_nonnegative", sql`${t.monthlyPrice} >= 0`),
    check("phone_numbers_period_order", sql`${t.releasedAt} is null or ${t.releasedAt} > ${t.acquiredAt}`),
  ],
);

export type PhoneNumber = typeof phoneNumbers.$inferSelect;
