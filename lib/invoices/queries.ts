import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { type Invoice, type InvoiceLine, invoiceLines, invoices, invoiceStatus } from "@/db/schema";

/** The filters of the invoices list, from its query string. */
export const invoiceFilterSchema = z.object({
  status: z
    .enum([...invoiceStatus.enumValues.filter((s) => s !== "draft"), "all"], {
      message: "Status must be one of open, paid, void, uncollectible or all.",
    })
    .default("all"),
  year: z
    .string()
    .default("all")
    .transform((value, ctx): number | "all" => {
      if (value === "all") return "all";
      if (!/^\d{4}$/.test(value)) {
        ctx.addIssue({ code: "custom", message: "Year must be a year such as 2026." });
        return z.NEVER;
      }
      const year = Number(value);
      if (year < 2000 || year > 2100) {
        ctx.addIssue({ code: "custom", message: "Year must be from 2000 to 2100." });
        return z.NEVER;
      }
      return year;
    }),
});

export type InvoiceFilter = z.infer<typeof invoiceFilterSchema>;

export interface InvoiceRow {
  id: string;
  kind: Invoice["kind"];
  number: string;
  status: Invoice["status"];
  issuedAt: Date;
  periodStart: Date;
  periodEnd: Date;
  grossTotal: number;
  currency: string;
  paymentFailure: string | null;
  correctsNumber: string | null;
}

/** The account's issued documents, newest first, as filtered. */
export async function listInvoices(db: Executor, accountId: string, filter: InvoiceFilter): Promise<InvoiceRow[]> {
  const conditions = [eq(invoices.accountId, accountId), inArray(invoices.status, ["open", "paid", "void", "uncollectible"])];
  if (filter.status !== "all") conditions.push(eq(invoices.status, filter.status));
  if (filter.year !== "all") {
    // The year of the issue date as printed (and numbered): in the document's time zone.
    conditions.push(sql`extract(year from ${invoices.issuedAt} at time zone ${invoices.timeZone}) = ${filter.year}`);
  }
  return db
    .select({
      id: invoices.id,
      kind: invoices.kind,
      number: invoices.number,
      status: invoices.status,
      issuedAt: invoices.issuedAt,
      periodStart: invoices.periodStart,
      periodEnd: invoices.periodEnd,
      grossTotal: invoices.grossTotal,
      currency: invoices.currency,
      paymentFailure: invoices.paymentFailure,
      correctsNumber: sql<string | null>`(select c.number from ${invoices} c where c.id = ${invoices.correctsInvoiceId} and c.account_id = ${invoices.accountId})`,
    })
    .from(invoices)
    .where(and(...conditions))
    .orderBy(desc(invoices.issuedAt), desc(invoices.number));
}

/** The years the account has documents in, newest first (for the year filter). */
export async function invoiceYears(db: Executor, accountId: string): Promise<number[]> {
  const rows = await db
    .select({ year: sql<number>`extract(year from ${invoices.issuedAt} at time zone ${invoices.timeZone})::int`.mapWith(Number) })
    .from(invoices)
    .where(eq(invoices.accountId, accountId))
    .groupBy(sql`1`)
    .orderBy(sql`1 desc`);
  return rows.map((r) => r.year);
}

/** What is open to pay: the number of open invoices and their total. */
export async function openInvoicesTotal(db: Executor, accountId: string) {
  const [row] = await db
    .select({ count: sql<number>`count(*)`.mapWith(Number), total: sql<number>`coalesce(sum(${invoices.grossTotal}), 0)`.mapWith(Number) })
    .from(invoices)
    .where(and(eq(invoices.accountId, accountId), inArray(invoices.status, ["open", "uncollectible"]), inArray(invoices.kind, ["period", "top_up"])));
  return row ?? { count: 0, total: 0 };
}

export interface InvoiceDocument {
  invoice: Invoice;
  lines: InvoiceLine[];
  /** The number of the invoice a credit note corrects. */
  correctsNumber: string | null;
}

/** One issued document of the account with its lines; null when the account has no such document. */
export async function getInvoiceDocument(db: Executor, accountId: string, invoiceId: string): Promise<InvoiceDocument | null> {
  const [invoice] = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.id, invoiceId), eq(invoices.accountId, accountId)));
  if (!invoice || invoice.status === "draft") return null;
  const [lines, corrects] = await Promise.all([
    db
      .select()
      .from(invoiceLines)
      .where(and(eq(invoiceLines.invoiceId, invoiceId), eq(invoiceLines.accountId, accountId)))
      .orderBy(asc(invoiceLines.position)),
    invoice.correctsInvoiceId
      ? db
          .select({ number: invoices.number })
          .from(invoices)
          .where(and(eq(invoices.id, invoice.correctsInvoiceId), eq(invoices.accountId, accountId)))
      : Promise.resolve([]),
  ]);
  return { invoice, lines, correctsNumber: corrects[0]?.number ?? null };
}
