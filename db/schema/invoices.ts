import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts } from "./accounts";
import { topUpAttempts } from "./credit";
import { invoiceKind, invoiceStatus } from "./enums";

/**
 * The last number issued per issuer, series (INV, CN) and year. The issuing transaction
 * increments its row, which stays locked until that transaction ends: numbers have no
 * gaps (a rollback undoes the increment) and no duplicates (the next issuer waits).
 */
export const invoiceNumberCounters = pgTable(
  "invoice_number_counters",
  {
    issuer: text("issuer").notNull(),
    series: text("series").notNull(),
    year: integer("year").notNull(),
    lastValue: integer("last_value").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.issuer, t.series, t.year] }),
    check("invoice_number_counters_positive", sql`${t.lastValue} > 0`),
  ],
);

/** The seller and the buyer as printed on the document, copied at issue. */
export interface PartySnapshot {
  name: string;
  street: string;
  postalCode: string;
  city: string;
  /** State, province or territory, where the country's addresses name one. */
  region?: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string;
  vatNumber: string | null;
  email?: string | null;
}

/** The VAT of one rate on a document: net, rate in basis points (1900 = 19 %), VAT. */
export interface TaxBreakdown {
  rateBasisPoints: number;
  net: number;
  tax: number;
}

/**
 * Invoices and credit notes. Once out of draft, a trigger (migration 0014) refuses any
 * change but the status (open -> paid, void, uncollectible; uncollectible -> paid, void),
 * its dates and the provider's invoice id (set once), and refuses deletion.
 */
export const invoices = pgTable(
  "invoices",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    kind: invoiceKind("kind").notNull(),
    status: invoiceStatus("status").notNull().default("draft"),
    /** e.g. INV-2026-000123 or CN-2026-000001; unique per issuer. */
    number: text("number").notNull(),
    /** The issuing entity's key (its VAT number): numbers run per issuer. */
    issuer: text("issuer").notNull(),
    issuedAt: timestamp("issued_at", { withTimezone: true }).notNull(),
    /** The supply period: the subscription period, or the day credit was bought. */
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
    currency: text("currency").notNull(),
    /** The account's time zone at issue: the document's dates are read in it. */
    timeZone: text("time_zone").notNull(),
    seller: jsonb("seller").$type<PartySnapshot>().notNull(),
    buyer: jsonb("buyer").$type<PartySnapshot>().notNull(),
    /** domestic, eu_consumer, reverse_charge or outside_eu (lib/invoices/tax.ts). */
    taxRule: text("tax_rule").notNull(),
    /** The legal note printed with the VAT, when the rule needs one. */
    taxNote: text("tax_note"),
    taxBreakdown: jsonb("tax_breakdown").$type<TaxBreakdown[]>().notNull(),
    /** Minor units of the currency. */
    netTotal: bigint("net_total", { mode: "number" }).notNull(),
    taxTotal: bigint("tax_total", { mode: "number" }).notNull(),
    grossTotal: bigint("gross_total", { mode: "number" }).notNull(),
    /** Usage of the period paid from prepaid credit (invoiced when bought): a note, not in the totals. */
    paidFromCredit: bigint("paid_from_credit", { mode: "number" }).notNull().default(0),
    /** The top-up this invoice is for (kind top_up). */
    topUpAttemptId: uuid("top_up_attempt_id"),
    /** The invoice a credit note corrects (kind credit_note). */
    correctsInvoiceId: uuid("corrects_invoice_id"),
    note: text("note"),
    providerInvoiceId: text("provider_invoice_id"),
    paidAt: timestamp("paid_at", { withTimezone: true }),
    /** The last failed payment's reason, shown beside an open invoice. */
    paymentFailure: text("payment_failure"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "invoices_pkey", columns: [t.accountId, t.id] }),
    // The target of the lines' and credit notes' composite foreign keys (see users).
    unique("invoices_account_id_id_key").on(t.accountId, t.id),
    uniqueIndex("invoices_issuer_number_key").on(t.issuer, t.number),
    // One invoice per closed period: the final guard of the period close.
    uniqueIndex("invoices_account_period_key").on(t.accountId, t.periodStart).where(sql`${t.kind} = 'period'`),
    uniqueIndex("invoices_top_up_key").on(t.accountId, t.topUpAttemptId).where(sql`${t.topUpAttemptId} is not null`),
    uniqueIndex("invoices_one_credit_note_key").on(t.accountId, t.correctsInvoiceId).where(sql`${t.kind} = 'credit_note'`),
    uniqueIndex("invoices_provider_invoice_key").on(t.providerInvoiceId).where(sql`${t.providerInvoiceId} is not null`),
    index("invoices_account_issued_idx").on(t.accountId, t.issuedAt),
    foreignKey({
      name: "invoices_top_up_same_account_fk",
      columns: [t.accountId, t.topUpAttemptId],
      foreignColumns: [topUpAttempts.accountId, topUpAttempts.id],
    }),
    foreignKey({
      name: "invoices_corrects_same_account_fk",
      columns: [t.accountId, t.correctsInvoiceId],
      foreignColumns: [t.accountId, t.id],
    }),
    check("invoices_currency_format", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check("invoices_totals_add_up", sql`${t.netTotal} + ${t.taxTotal} = ${t.grossTotal}`),
    check("invoices_period_order", sql`${t.periodEnd} >= ${t.periodStart}`),
    check(
      "invoices_kind_references",
      sql`(${t.kind} = 'top_up') = (${t.topUpAttemptId} is not null)
        and (${t.kind} = 'credit_note') = (${t.correctsInvoiceId} is not null)`,
    ),
    check("invoices_paid_from_credit_nonnegative", sql`${t.paidFromCredit} >= 0`),
  ],
);

/** The lines of an invoice: written with it in draft, never changed after it is issued. */
export const invoiceLines = pgTable(
  "invoice_lines",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id").notNull(),
    invoiceId: uuid("invoice_id").notNull(),
    position: integer("position").notNull(),
    /** The summary's group: subscription, numbers, calls, addons; credit for top-ups. */
    groupKey: text("group_key").notNull(),
    description: text("description").notNull(),
    quantity: integer("quantity").notNull(),
    /** How the quantity reads, when it is not a plain count ("12 of 30 days"). */
    quantityLabel: text("quantity_label"),
    /** Minor units; null when the price varies within the line. */
    unitPrice: bigint("unit_price", { mode: "number" }),
    /** Minor units, excluding VAT; negative for a credit. */
    netAmount: bigint("net_amount", { mode: "number" }).notNull(),
    taxRateBasisPoints: integer("tax_rate_basis_points").notNull(),
  },
  (t) => [
    primaryKey({ name: "invoice_lines_pkey", columns: [t.accountId, t.id] }),
    uniqueIndex("invoice_lines_position_key").on(t.accountId, t.invoiceId, t.position),
    foreignKey({
      name: "invoice_lines_invoice_same_account_fk",
      columns: [t.accountId, t.invoiceId],
      foreignColumns: [invoices.accountId, invoices.id],
    }),
    check("invoice_lines_rate_range", sql`${t.taxRateBasisPoints} between 0 and 10000`),
  ],
);

export type Invoice = typeof invoices.$inferSelect;
export type NewInvoice = typeof invoices.$inferInsert;
export type InvoiceLine = typeof invoiceLines.$inferSelect;
export type InvoiceStatus = Invoice["status"];
export type InvoiceKind = Invoice["kind"];
