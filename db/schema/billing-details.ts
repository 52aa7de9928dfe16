import { sql } from "drizzle-orm";
import { check, foreignKey, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { accounts, users } from "./accounts";

/** Company details printed on future invoices. */
export const billingDetails = pgTable(
  "billing_details",
  {
    accountId: uuid("account_id")
      .primaryKey()
      .references(() => accounts.id),
    companyName: text("company_name").notNull(),
    vatNumber: text("vat_number"),
    /** The address printed on invoices: the first of billingEmails. */
    invoiceEmail: text("invoice_email").notNull(),
    /** Invoice and billing-contact addresses that receive billing notices, the invoice email first. */
    billingEmails: text("billing_emails").array().notNull().default(sql`'{}'::text[]`),
    street: text("street").notNull(),
    city: text("city").notNull(),
    /** State, province or territory, for the countries whose addresses name one (US, CA, AU). */
    region: text("region"),
    postalCode: text("postal_code").notNull(),
    country: text("country").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedByUserId: uuid("updated_by_user_id"),
  },
  (t) => [
    foreignKey({
      name: "billing_details_updated_by_same_account_fk",
      columns: [t.accountId, t.updatedByUserId],
      foreignColumns: [users.accountId, users.id],
    }),
    check("billing_details_country_format", sql`${t.country} ~ '^[A-Z]{2}$'`),
    check("billing_details_company_name_length", sql`char_length(${t.companyName}) between 1 and 200`),
    check("billing_details_invoice_email_format", sql`${t.invoiceEmail} like '%_@_%'`),
    check(
      "billing_details_billing_emails_list",
      sql`cardinality(${t.billingEmails}) <= 10 and (cardinality(${t.billingEmails}) = 0 or ${t.billingEmails}[1] = ${t.invoiceEmail})`,
    ),
  ],
);

export type BillingDetails = typeof billingDetails.$inferSelect;
