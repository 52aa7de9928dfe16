import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { userRole } from "./enums";

/** A tenant: one customer company. */
export const accounts = pgTable(
  "accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Short name by which the telephony platform names the account. */
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    /** ISO 3166-1 alpha-2. */
    country: text("country").notNull(),
    /** ISO 4217. */
    currency: text("currency").notNull(),
    /** IANA time zone, e.g. Europe/Berlin. */
    timeZone: text("time_zone").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("accounts_slug_key").on(t.slug),
    check("accounts_slug_format", sql`${t.slug} ~ '^[a-z0-9][a-z0-9-]{1,62}$'`),
    check("accounts_country_format", sql`${t.country} ~ '^[A-Z]{2}$'`),
    check("accounts_currency_format", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check("accounts_name_length", sql`char_length(${t.name}) between 1 and 200`),
  ],
);

export const users = pgTable(
  "users",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    /** Lower-cased; the identity provider's verified email maps to exactly one user. */
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: userRole("role").notNull().default("agent"),
    active: boolean("active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deactivatedAt: timestamp("deactivated_at", { withTimezone: true }),
  },
  (t) => [
    // Leads with the tenant, as every tenant table's key does.
    primaryKey({ name: "users_pkey", columns: [t.accountId, t.id] }),
    // The target of the composite foreign keys that keep references inside one tenant: the
    // key's columns, kept from before the key had them so that no upgrade re-validates
    // every credit movement and usage record.
    unique("users_account_id_id_key").on(t.accountId, t.id),
    uniqueIndex("users_email_key").on(t.email),
    index("users_account_id_idx").on(t.accountId, t.active),
    check("users_email_lowercase", sql`${t.email} = lower(${t.email}) and ${t.email} like '%_@_%'`),
    check("users_deactivated_consistent", sql`${t.active} or ${t.deactivatedAt} is not null`),
  ],
);

export type Account = typeof accounts.$inferSelect;
export type User = typeof users.$inferSelect;
export type UserRole = User["role"];
