import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  integer,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import {
  addonCategory,
  billingInterval,
  destinationType,
  packageScope,
  rateKind,
} from "./enums";

/**
 * Catalogue tables are shared by all tenants (no account_id): what can be bought, and at
 * what price in each currency. Prices are integer minor units of `currency`.
 */
export const plans = pgTable(
  "plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    currency: text("currency").notNull(),
    interval: billingInterval("interval").notNull(),
    /** Price of one seat for one interval, minor units. */
    seatPrice: bigint("seat_price", { mode: "number" }).notNull(),
    maxSeats: integer("max_seats").notNull(),
    providerPriceId: text("provider_price_id"),
    /** What the plan includes, one line each, as the plan page lists it. */
    features: text("features").array().notNull().default(sql`'{}'::text[]`),
    /** Codes of the calling packages the plan allows; null allows every package. */
    allowedPackageCodes: text("allowed_package_codes").array(),
    /** Offered to choose; a plan no longer offered stays with the accounts on it. */
    offered: boolean("offered").notNull().default(true),
  },
  (t) => [
    uniqueIndex("plans_code_currency_interval_key").on(t.code, t.currency, t.interval),
    check("plans_seat_price_nonnegative", sql`${t.seatPrice} >= 0`),
    check("plans_max_seats_positive", sql`${t.maxSeats} > 0`),
    check("plans_currency_format", sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

export const callingPackages = pgTable(
  "calling_packages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    currency: text("currency").notNull(),
    /** Domestic packages cover only the account's own country; `coveredCountries` is empty. */
    scope: packageScope("scope").notNull(),
    coveredCountries: text("covered_countries").array().notNull().default(sql`'{}'::text[]`),
    unlimited: boolean("unlimited").notNull(),
    /** Fair-use limit of an unlimited package: minutes per user per month. */
    fairUseMinutesPerUser: integer("fair_use_minutes_per_user"),
    /** Included minutes of a limited package, per user per month. */
    includedMinutesPerUser: integer("included_minutes_per_user"),
    /** Monthly price per user, minor units. */
    monthlyPrice: bigint("monthly_price", { mode: "number" }).notNull(),
    providerPriceId: text("provider_price_id"),
  },
  (t) => [
    uniqueIndex("calling_packages_code_currency_key").on(t.code, t.currency),
    check("calling_packages_price_nonnegative", sql`${t.monthlyPrice} >= 0`),
    check(
      "calling_packages_limits",
      sql`(${t.unlimited} and ${t.fairUseMinutesPerUser} > 0 and ${t.includedMinutesPerUser} is null)
        or (not ${t.unlimited} and ${t.fairUseMinutesPerUser} is null and ${t.includedMinutesPerUser} > 0)`,
    ),
    check(
      "calling_packages_scope_countries",
      sql`(${t.scope} = 'domestic' and cardinality(${t.coveredCountries}) = 0)
        or (${t.scope} = 'international' and cardinality(${t.coveredCountries}) > 0)`,
    ),
  ],
);

export const addons = pgTable(
  "addons",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    category: addonCategory("category").notNull(),
    description: text("description").notNull(),
    currency: text("currency").notNull(),
    /** Monthly price per unit, minor units. */
    unitPrice: bigint("unit_price", { mode: "number" }).notNull(),
    /** What one unit is, e.g. "user" or "package". */
    unitLabel: text("unit_label").notNull(),
  },
  (t) => [
    uniqueIndex("addons_code_currency_key").on(t.code, t.currency),
    check("addons_unit_price_nonnegative", sql`${t.unitPrice} >= 0`),
  ],
);

export const rateCards = pgTable(
  "rate_cards",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    currency: text("currency").notNull(),
  },
  (t) => [uniqueIndex("rate_cards_code_key").on(t.code)],
);

/**
 * One price per destination prefix and kind of usage. Rates are in micros: millionths of
 * the currency's major unit, per minute for calls and per fragment for SMS, so that
 * per-second charges keep their precision until the single rounding to minor units.
 */
export const rates = pgTable(
  "rates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    rateCardId: uuid("rate_card_id")
      .notNull()
      .references(() => rateCards.id),
    kind: rateKind("kind").notNull(),
    /** E.164 digits without '+', matched by longest prefix. */
    prefix: text("prefix").notNull(),
    country: text("country").notNull(),
    destinationType: destinationType("destination_type").notNull(),
    description: text("description").notNull(),
    rateMicros: bigint("rate_micros", { mode: "number" }).notNull(),
  },
  (t) => [
    uniqueIndex("rates_card_kind_prefix_key").on(t.rateCardId, t.kind, t.prefix),
    check("rates_prefix_digits", sql`${t.prefix} ~ '^[0-9]{1,15}$'`),
    check("rates_rate_nonnegative", sql`${t.rateMicros} >= 0`),
  ],
);

export type Plan = typeof plans.$inferSelect;
export type CallingPackage = typeof callingPackages.$inferSelect;
export type Addon = typeof addons.$inferSelect;
export type Rate = typeof rates.$inferSelect;
