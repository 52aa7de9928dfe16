import Link from "next/link";
import { getDb } from "@/lib/db";
import { accountFormat } from "@/lib/format";
import { getPastDue } from "@/lib/subscription/past-due";
import { PayNowForm } from "../invoices/pay-button";
import { loadAccount } from "../_data";

/** At the top of the page while a renewal is unpaid: how much, and a way to pay it now. */
export async function PastDueBanner({ accountId }: { accountId: string }) {
  const [account, pastDue] = await Promise.all([loadAccount(accountId), getPastDue(await getDb(), accountId)]);
  if (!pastDue) return null;
  const f = accountFormat(account);
  return (
    <section
      aria-labelledby="past-due"
      data-testid="past-due"
      className="mt-4 space-y-3 rounded-md bg-red-50 p-4 text-sm text-red-950 ring-1 ring-red-300"
    >
      <h2 id="past-due" className="text-base font-semibold">
        Your subscription is past due: {f.money(pastDue.amount)} unpaid
      </h2>
      <p>
        The payment of your renewal failed. Pay now with your saved payment method, or replace it first. Until it is
        paid, your subscription stays past due.
      </p>
      <div className="flex flex-col gap-3 sm:flex-row sm:flex-wrap sm:items-start">
        {pastDue.invoices.map((invoice) => (
          <div key={invoice.id} className="flex flex-col gap-1 md:[&>form]:items-start">
            <span>
              Invoice {invoice.number}: {f.money(invoice.gross)}
            </span>
            <PayNowForm invoiceId={invoice.id} number={invoice.number} payable />
          </div>
        ))}
        <Link href="/dashboard/account/billing/payment-method" className="btn bg-white">
          Use a new payment method
        </Link>
      </div>
    </section>
  );
}
