import { and, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { accounts, type Invoice, invoices, type TopUpAttempt } from "@/db/schema";
import { issueDocument, partiesOf, sellerSnapshot } from "./issue";
import { noteOf, type TaxRule, type TaxRuleName, taxOn, taxRuleFor } from "./tax";

/**
 * The VAT of credit purchases. Credit is priced before VAT, like the usage it pays for:
 * the VAT rule between seller and buyer is decided when the top-up is asked for, stored on
 * the attempt, charged on top of the credit, and printed on the top-up's invoice, so the
 * card, the ledger and the invoice agree to the minor unit.
 */

export interface TopUpTax {
  taxAmount: number;
  taxRateBasisPoints: number;
  taxRule: TaxRuleName;
}

/** The VAT rule on buying credit for a buyer in `country`, with or without a VAT number. */
export function vatOnCredit(buyer: { country: string; vatNumber: string | null }): TaxRule {
  return taxRuleFor({ sellerCountry: sellerSnapshot().country, buyerCountry: buyer.country, buyerVatNumber: buyer.vatNumber });
}

/** The VAT on buying `amount` of credit, as the company details say now. */
export async function taxOfTopUp(tx: Executor, accountId: string, amount: number): Promise<TopUpTax> {
  const { tax } = await partiesOf(tx, accountId);
  return { taxAmount: taxOn(amount, tax.rateBasisPoints), taxRateBasisPoints: tax.rateBasisPoints, taxRule: tax.rule };
}

/** What the payment method is charged for an attempt: the credit plus its VAT. */
export function chargedAmount(attempt: Pick<TopUpAttempt, "amount" | "taxAmount">): number {
  return attempt.amount + attempt.taxAmount;
}

/**
 * The invoice of a credit purchase, issued in the transaction that records the payment's
 * success (lib/credit/top-ups.ts), once per top-up. Credit is invoiced when it is bought,
 * so usage it pays for later is never invoiced again.
 */
export async function issueTopUpInvoice(tx: Executor, attempt: TopUpAttempt, paidAt: Date): Promise<Invoice> {
  const [existing] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.accountId, attempt.accountId), eq(invoices.topUpAttemptId, attempt.id)));
  if (existing) return existing;
  const [account] = await tx.select({ timeZone: accounts.timeZone }).from(accounts).where(eq(accounts.id, attempt.accountId));
  if (!account) throw new Error(`account ${attempt.accountId} not found`);
  const parties = await partiesOf(tx, attempt.accountId);
  // The rule and rate charged, not a later edit of the company details: the invoice says
  // what the card paid.
  const rule = (attempt.taxRule as TaxRuleName | null) ?? parties.tax.rule;
  const tax = { rule, rateBasisPoints: attempt.taxRateBasisPoints, note: noteOf(rule) };
  const net = attempt.amount;
  const vat = attempt.taxAmount;
  return issueDocument(tx, {
    accountId: attempt.accountId,
    kind: "top_up",
    status: "paid",
    paidAt,
    issuedAt: paidAt,
    period: { start: paidAt, end: paidAt },
    currency: attempt.currency,
    timeZone: account.timeZone,
    lines: [
      {
        groupKey: "credit",
        description: attempt.kind === "auto" ? "Prepaid calling credit (automatic top-up)" : "Prepaid calling credit",
        quantity: 1,
        unitPrice: net,
        netAmount: net,
      },
    ],
    seller: parties.seller,
    buyer: parties.buyer,
    tax,
    totals: { breakdown: [{ rateBasisPoints: tax.rateBasisPoints, net, tax: vat }], net, tax: vat, gross: net + vat },
    topUpAttemptId: attempt.id,
    note: "Paid by card when bought. Credit pays for usage that the plan does not include.",
  });
}
