import { accountFormat } from "@/lib/format";
import { EditButton, Section, UsageBar } from "../_components/section";
import { loadAccount, loadSubscription } from "../_data";
import { PlanStatus } from "./plan-status";

export async function SubscriptionSection({ accountId }: { accountId: string }) {
  const [account, subscription] = await Promise.all([loadAccount(accountId), loadSubscription(accountId)]);
  const f = accountFormat(account);
  return (
    <Section id="subscription" title="Subscription and seats" action={<EditButton label="Edit subscription and seats" href="/dashboard/account/billing/seats" />}>
      {!subscription || subscription.status === "canceled" ? (
        <div className="space-y-3">
          <p>
            {subscription
              ? `Your ${subscription.planName} subscription ended on ${f.date(subscription.periodEnd)}.`
              : "No plan yet. Choose a plan to add users and phone numbers."}
          </p>
          <a href="/dashboard/account/billing/plan" className="btn-primary">
            Choose a plan
          </a>
        </div>
      ) : (
        <div className="space-y-4">
          <dl className="grid grid-cols-2 gap-x-4 gap-y-2 sm:grid-cols-3">
            <div>
              <dt className="text-slate-500">Plan</dt>
              <dd className="font-medium text-slate-900" data-testid="plan-name">
                {subscription.planName}
              </dd>
            </div>
            <div>
              <dt className="text-slate-500">Billing</dt>
              <dd>{subscription.interval === "year" ? "Yearly" : "Monthly"}</dd>
            </div>
            <div>
              <dt className="text-slate-500">{subscription.cancelAtPeriodEnd ? "Ends on" : "Renews on"}</dt>
              <dd data-testid="renewal-date">{f.date(subscription.periodEnd)}</dd>
            </div>
          </dl>
          <PlanStatus subscription={subscription} date={f.date(subscription.periodEnd)} />
          <div>
            <p className="flex justify-between">
              <span>Seats used</span>
              <span data-testid="seats" className="font-medium text-slate-900">
                {subscription.seatsUsed} of {subscription.seatsPurchased}
              </span>
            </p>
            <div className="mt-2">
              <UsageBar
                used={subscription.seatsUsed}
                total={subscription.seatsPurchased}
                label={`${subscription.seatsUsed} of ${subscription.seatsPurchased} seats used`}
              />
            </div>
            <p className="mt-2 text-slate-500">
              {subscription.seatsPurchased - subscription.seatsUsed >= 0
                ? `${subscription.seatsPurchased - subscription.seatsUsed} free. `
                : `${subscription.seatsUsed - subscription.seatsPurchased} over. `}
              Each seat costs {f.money(subscription.seatPrice)} per {subscription.interval}; the plan allows up
              to {f.number(subscription.maxSeats)}.
            </p>
            <div className="mt-3 flex flex-wrap gap-3">
              <a href="/dashboard/account/billing/seats" className="btn-primary">
                Add or remove seats
              </a>
              <a href="/dashboard/account/billing/plan" className="btn">
                Change plan or packages
              </a>
            </div>
          </div>
        </div>
      )}
    </Section>
  );
}
