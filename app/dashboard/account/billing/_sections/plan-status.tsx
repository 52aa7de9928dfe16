import type { SubscriptionView } from "@/lib/subscription/queries";

/** What is about to happen to the plan: it ends, or a change is scheduled for the renewal. */
export function PlanStatus({ subscription, date }: { subscription: SubscriptionView; date: string }) {
  if (!subscription.cancelAtPeriodEnd && !subscription.changeScheduled) return null;
  const canceled = subscription.cancelAtPeriodEnd;
  return (
    <div
      className={`flex flex-wrap items-center gap-x-3 rounded-md px-3 py-1 ring-1 ${canceled ? "bg-amber-50 text-amber-950 ring-amber-200" : "bg-slate-50 text-slate-800 ring-slate-200"}`}
    >
      <p data-testid="plan-status" className="py-2">
        {canceled
          ? `Canceled: the subscription ends on ${date}. Calls and numbers stop then; credit is not refunded.`
          : `A change of plan is scheduled for ${date}.`}
      </p>
      <a href="/dashboard/account/billing/plan" className="link font-semibold">
        {canceled ? "Resume" : "See or undo it"}
      </a>
    </div>
  );
}
