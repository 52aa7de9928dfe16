import type { SubscriptionView } from "@/lib/subscription/queries";

/** What is about to happen to the plan: it ends, or a change is scheduled for the renewal. */
export function PlanStatus({ subscription, date }: { subscription: SubscriptionView; date: string }) {
  if (subscription.cancelAtPeriodEnd) {
    return (
      <p className="rounded-md bg-amber-50 p-3 text-amber-950 ring-1 ring-amber-200" data-testid="plan-status">
        Canceled: the subscription ends on {date}. Calls and numbers stop then; credit is not refunded.{" "}
        <a href="/dashboard/account/billing/plan" className="link font-semibold">
          Resume
        </a>
      </p>
    );
  }
  if (subscription.changeScheduled) {
    return (
      <p className="rounded-md bg-slate-50 p-3 text-slate-800 ring-1 ring-slate-200" data-testid="plan-status">
        A change of plan is scheduled for {date}.{" "}
        <a href="/dashboard/account/billing/plan" className="link font-semibold">
          See or undo it
        </a>
      </p>
    );
  }
  return null;
}
