import type { Metadata } from "next";
import { requirePageAccess } from "@/lib/auth/access";
import { getBillingOverview } from "@/lib/billing/overview";
import { getDb } from "@/lib/db";
import { formatMoney } from "@/lib/money";

export const metadata: Metadata = { title: "Billing" };

export default async function BillingPage() {
  const user = await requirePageAccess("billing.view", "/dashboard/account/billing");
  const overview = await getBillingOverview(await getDb(), user.accountId);
  const { account, subscription, paymentMethod } = overview;
  const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: account.timeZone });
  return (
    <main className="mx-auto max-w-7xl px-4 py-8">
      <p className="text-sm text-slate-500">Account › Billing</p>
      <h1 className="text-2xl font-semibold">Billing</h1>
      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="subscription-heading" className="rounded-xl bg-white p-6 ring-1 ring-slate-200">
          <h2 id="subscription-heading" className="font-semibold">
            Subscription and seats
          </h2>
          {subscription ? (
            <dl className="mt-3 grid grid-cols-2 gap-2 text-sm">
              <dt className="text-slate-500">Plan</dt>
              <dd data-testid="plan-name">
                {subscription.planName} ({subscription.interval === "month" ? "monthly" : "yearly"})
              </dd>
              <dt className="text-slate-500">Seats used</dt>
              <dd data-testid="seats">
                {overview.seatsUsed} of {subscription.seatsPurchased}
              </dd>
              <dt className="text-slate-500">Renews on</dt>
              <dd>{dateFormat.format(subscription.renewsAt)}</dd>
            </dl>
          ) : (
            <p className="mt-3 text-sm text-slate-600">No active subscription.</p>
          )}
        </section>
        <section aria-labelledby="credit-heading" className="rounded-xl bg-white p-6 ring-1 ring-slate-200">
          <h2 id="credit-heading" className="font-semibold">
            Credit
          </h2>
          <p
            data-testid="balance"
            className={`mt-3 text-2xl font-semibold ${overview.balance <= 0 ? "text-red-700" : ""}`}
          >
            {formatMoney(overview.balance, account.currency)}
          </p>
        </section>
        <section aria-labelledby="payment-heading" className="rounded-xl bg-white p-6 ring-1 ring-slate-200">
          <h2 id="payment-heading" className="font-semibold">
            Payment method
          </h2>
          <p className="mt-3 text-sm" data-testid="payment-method">
            {!paymentMethod
              ? "No payment method saved."
              : paymentMethod.type === "card"
                ? `Card ${paymentMethod.cardBrand} ending in ${paymentMethod.cardLast4}, expires ${paymentMethod.cardExpMonth}/${paymentMethod.cardExpYear}`
                : `PayPal (${paymentMethod.paypalEmail})`}
          </p>
        </section>
      </div>
    </main>
  );
}
