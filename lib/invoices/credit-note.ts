import { and, asc, eq } from "drizzle-orm";
import type { Database } from "@/db/client";
import { accounts, type Invoice, invoiceLines, invoices } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { fail, ok, type Result } from "@/lib/result";
import { issueDocument } from "./issue";
import type { TaxRuleName } from "./tax";

/**
 * A correction: an issued invoice is never changed; a credit note (its own number series,
 * CN-YYYY-NNNNNN) credits it in full, with the same parties, VAT rule and lines, negated.
 * An open invoice credited is void (nothing is owed any more); a paid one stays paid and
 * the credit note is open until the amount is paid back.
 */
export async function issueCreditNote(
  db: Database,
  request: { accountId: string; invoiceId: string; reason: string; actorUserId: string | null; now?: Date },
): Promise<Result<Invoice>> {
  const reason = request.reason.trim();
  if (reason.length < 3 || reason.length > 500) return fail("invalid", "Say why the invoice is corrected (3 to 500 characters).");
  return db.transaction(async (tx) => {
    const [original] = await tx
      .select()
      .from(invoices)
      .where(and(eq(invoices.id, request.invoiceId), eq(invoices.accountId, request.accountId)))
      .for("update");
    if (!original) return fail("not_found", "No such invoice.");
    if (original.kind === "credit_note") return fail("refused", "A credit note cannot itself be credited.");
    if (original.status === "draft" || original.status === "void") return fail("refused", `Invoice ${original.number} is ${original.status}; there is nothing to credit.`);
    const [already] = await tx
      .select({ number: invoices.number })
      .from(invoices)
      .where(and(eq(invoices.accountId, request.accountId), eq(invoices.correctsInvoiceId, original.id)));
    if (already) return fail("refused", `Invoice ${original.number} is already credited by ${already.number}.`);
    const lines = await tx
      .select()
      .from(invoiceLines)
      .where(and(eq(invoiceLines.invoiceId, original.id), eq(invoiceLines.accountId, request.accountId)))
      .orderBy(asc(invoiceLines.position));
    const now = request.now ?? new Date();
    const wasOpen = original.status === "open" || original.status === "uncollectible";
    const note = await issueDocument(tx, {
      accountId: request.accountId,
      kind: "credit_note",
      status: wasOpen ? "paid" : "open",
      issuedAt: now,
      period: { start: original.periodStart, end: original.periodEnd },
      currency: original.currency,
      timeZone: original.timeZone,
      lines: lines.map((l) => ({
        groupKey: l.groupKey,
        description: l.description,
        quantity: l.quantity,
        quantityLabel: l.quantityLabel,
        unitPrice: l.unitPrice,
        netAmount: -l.netAmount,
      })),
      seller: original.seller,
      buyer: original.buyer,
      tax: { rule: original.taxRule as TaxRuleName, rateBasisPoints: original.taxBreakdown[0]?.rateBasisPoints ?? 0, note: original.taxNote },
      totals: {
        breakdown: original.taxBreakdown.map((b) => ({ rateBasisPoints: b.rateBasisPoints, net: -b.net, tax: -b.tax })),
        net: -original.netTotal,
        tax: -original.taxTotal,
        gross: -original.grossTotal,
      },
      correctsInvoiceId: original.id,
      note: `Credits invoice ${original.number} in full. Reason: ${reason}`,
    });
    if (wasOpen) {
      await tx
        .update(invoices)
        .set({ status: "void", updatedAt: now })
        .where(and(eq(invoices.id, original.id), eq(invoices.accountId, request.accountId)));
    }
    await recordAudit(tx, {
      accountId: request.accountId,
      actorUserId: request.actorUserId,
      action: "credit_note.issue",
      after: { number: note.number, invoice: original.number, gross: note.grossTotal, currency: note.currency, reason },
    });
    return ok(note);
  });
}

/**
 * The operator's way in (scripts/credit-note.ts): the account by its slug and the invoice
 * by its printed number, as a finance person or support agent has them at hand.
 */
export async function issueCreditNoteByNumber(
  db: Database,
  request: { accountSlug: string; invoiceNumber: string; reason: string; now?: Date },
): Promise<Result<Invoice>> {
  const [account] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.slug, request.accountSlug.trim()));
  if (!account) return fail("not_found", `No account with the slug "${request.accountSlug}".`);
  const [invoice] = await db
    .select({ id: invoices.id })
    .from(invoices)
    .where(and(eq(invoices.accountId, account.id), eq(invoices.number, request.invoiceNumber.trim())));
  if (!invoice) return fail("not_found", `Account ${request.accountSlug} has no invoice ${request.invoiceNumber}.`);
  return issueCreditNote(db, { accountId: account.id, invoiceId: invoice.id, reason: request.reason, actorUserId: null, now: request.now });
}
