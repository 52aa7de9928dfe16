import { and, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { accounts, type Invoice, invoices, type TopUpAttempt } from "@/db/schema";
import { issueDocument, partiesOf } from "./issue";
import { splitGross } from "./tax";

/**
 * The invoice of a credit purchase, issued in the transaction that records the payment's
 * success (lib/credit/top-ups.ts), once per top-up. Credit is invoiced when it is bought,
 * so usage it pays for later is never invoiced again. The amount charged includes VAT
 * where VAT applies: the invoice shows the net and the VAT within it.
 */
export async function issueTopUpInvoice(tx: Executor, attempt: TopUpAttempt, paidAt: Date): Promise<Invoice> {
  const [existing] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.accountId, attempt.accountId), eq(invoices.topUpAttemptId, attempt.id)));
  if (existing) return existing;
  const [account] = await tx.select({ timeZone: accounts.timeZone }).from(accounts).where(eq(accounts.id, attempt.accountId));
  if (!account) throw new Error(`account ${attempt.accountId} not found`);
  const { seller, buyer, tax } = await partiesOf(tx, attempt.accountId);
  const { net, tax: vat } = splitGross(attempt.amount, tax.rateBasisPoints);
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
    seller,
    buyer,
    tax,
    totals: { breakdown: [{ rateBasisPoints: tax.rateBasisPoints, net, tax: vat }], net, tax: vat, gross: attempt.amount },
    topUpAttemptId: attempt.id,
    note: "Paid by card when bought. Credit pays for usage that the plan does not include.",
  });
}
