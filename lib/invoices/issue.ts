import { and, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import {
  accounts,
  billingDetails,
  type Invoice,
  invoiceLines,
  invoices,
  type InvoiceStatus,
  type NewInvoice,
  type PartySnapshot,
  type TaxBreakdown,
} from "@/db/schema";
import { getSellerEnv, type SellerEnv } from "@/lib/env";
import { nextNumber, type Series } from "./numbering";
import { type TaxRule, taxOfLines, taxRuleFor } from "./tax";
import { notifyInvoiceIssued } from "@/lib/notices/outbox";

/**
 * Issuing a billing document, in the caller's transaction: the number is taken, the
 * document is written as a draft with its lines and then issued (after which the database
 * refuses any change of its content), and the "invoice issued" event runs.
 */

export interface DocumentLine {
  groupKey: string;
  description: string;
  quantity: number;
  quantityLabel?: string | null;
  unitPrice: number | null;
  netAmount: number;
}

export interface DocumentRequest {
  accountId: string;
  kind: Invoice["kind"];
  /** The state once issued: open (to be paid) or paid (paid when bought). */
  status: Exclude<InvoiceStatus, "draft">;
  issuedAt: Date;
  period: { start: Date; end: Date };
  currency: string;
  /** The account's time zone: the document's dates, and its number's year, are read in it. */
  timeZone: string;
  lines: DocumentLine[];
  seller: PartySnapshot;
  buyer: PartySnapshot;
  tax: TaxRule;
  /** Totals given as they were charged (a credit purchase, VAT included); else computed from the lines. */
  totals?: { breakdown: TaxBreakdown[]; net: number; tax: number; gross: number };
  paidFromCredit?: number;
  topUpAttemptId?: string;
  correctsInvoiceId?: string;
  note?: string | null;
  paidAt?: Date | null;
}

export function sellerSnapshot(seller: SellerEnv = getSellerEnv()): PartySnapshot {
  return {
    name: seller.SELLER_NAME,
    street: seller.SELLER_STREET,
    postalCode: seller.SELLER_POSTAL_CODE,
    city: seller.SELLER_CITY,
    country: seller.SELLER_COUNTRY,
    vatNumber: seller.SELLER_VAT_NUMBER,
    email: seller.SELLER_EMAIL,
  };
}

/** The issuing entity's key: invoice numbers run per VAT number. */
export function issuerOf(seller: PartySnapshot): string {
  return seller.vatNumber ?? seller.name;
}

/** The buyer as the company details say now (the account's name and country until they are filled in). */
export async function buyerSnapshot(tx: Executor, accountId: string): Promise<PartySnapshot> {
  const [row] = await tx
    .select({ account: accounts, details: billingDetails })
    .from(accounts)
    .leftJoin(billingDetails, eq(billingDetails.accountId, accounts.id))
    .where(eq(accounts.id, accountId));
  if (!row) throw new Error(`account ${accountId} not found`);
  const { account, details } = row;
  if (!details) {
    return { name: account.name, street: "", postalCode: "", city: "", country: account.country, vatNumber: null, email: null };
  }
  return {
    name: details.companyName,
    street: details.street,
    postalCode: details.postalCode,
    city: details.city,
    region: details.region,
    country: details.country,
    vatNumber: details.vatNumber,
    email: details.invoiceEmail,
  };
}

/** Seller, buyer and the VAT rule between them, as of now. */
export async function partiesOf(tx: Executor, accountId: string) {
  const seller = sellerSnapshot();
  const buyer = await buyerSnapshot(tx, accountId);
  const tax = taxRuleFor({ sellerCountry: seller.country, buyerCountry: buyer.country, buyerVatNumber: buyer.vatNumber });
  return { seller, buyer, tax };
}

const SERIES: Record<Invoice["kind"], Series> = { period: "INV", top_up: "INV", credit_note: "CN" };

export async function issueDocument(tx: Executor, request: DocumentRequest): Promise<Invoice> {
  const rate = request.tax.rateBasisPoints;
  const totals = request.totals ?? taxOfLines(request.lines.map((l) => ({ netAmount: l.netAmount, taxRateBasisPoints: rate })));
  const number = await nextNumber(tx, issuerOf(request.seller), SERIES[request.kind], request.issuedAt, request.timeZone);
  const values: NewInvoice = {
    accountId: request.accountId,
    kind: request.kind,
    status: "draft",
    number,
    issuer: issuerOf(request.seller),
    issuedAt: request.issuedAt,
    periodStart: request.period.start,
    periodEnd: request.period.end,
    currency: request.currency,
    timeZone: request.timeZone,
    seller: request.seller,
    buyer: request.buyer,
    taxRule: request.tax.rule,
    taxNote: request.tax.note,
    taxBreakdown: totals.breakdown,
    netTotal: totals.net,
    taxTotal: totals.tax,
    grossTotal: totals.gross,
    paidFromCredit: request.paidFromCredit ?? 0,
    topUpAttemptId: request.topUpAttemptId ?? null,
    correctsInvoiceId: request.correctsInvoiceId ?? null,
    note: request.note ?? null,
  };
  const [draft] = await tx.insert(invoices).values(values).returning({ id: invoices.id });
  if (!draft) throw new Error("the invoice was not written");
  if (request.lines.length > 0) {
    await tx.insert(invoiceLines).values(
      request.lines.map((line, position) => ({
        accountId: request.accountId,
        invoiceId: draft.id,
        position,
        groupKey: line.groupKey,
        description: line.description,
        quantity: line.quantity,
        quantityLabel: line.quantityLabel ?? null,
        unitPrice: line.unitPrice,
        netAmount: line.netAmount,
        taxRateBasisPoints: rate,
      })),
    );
  }
  const [issued] = await tx
    .update(invoices)
    .set({ status: request.status, paidAt: request.status === "paid" ? (request.paidAt ?? request.issuedAt) : null })
    .where(and(eq(invoices.id, draft.id), eq(invoices.accountId, request.accountId)))
    .returning();
  await invoiceIssued(tx, issued!);
  return issued!;
}

/**
 * The one place that follows the issue of every document, in the transaction that issues
 * it. Emailing the document to the invoice email and the admins starts here: an outbox row
 * written in this transaction, sent by the worker, so that each document is sent once and
 * never for a document rolled back.
 */
export async function invoiceIssued(tx: Executor, invoice: Invoice): Promise<void> {
  await notifyInvoiceIssued(tx, invoice);
}
