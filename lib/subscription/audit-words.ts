import { formatMoney } from "@/lib/money";

type Json = Record<string, unknown> | null;

const day = (iso: unknown) =>
  typeof iso === "string"
    ? new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso))
    : "the renewal";

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

function words(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** A change of the plan, its packages, interval or status, in words, as the activity list shows it. */
export function describePlanAudit(action: string, before: Json, after: Json, currency: string): string {
  switch (action) {
    case "plan.change": {
      const now = list(after?.now);
      const later = list(after?.atRenewal);
      const proration = typeof after?.prorationAmount === "number" ? after.prorationAmount : 0;
      const money =
        proration > 0
          ? ` (${formatMoney(proration, currency)} charged for the rest of the period)`
          : proration < 0
            ? ` (${formatMoney(-proration, currency)} credited for the rest of the period)`
            : "";
      const parts = [
        ...(now.length ? [`${words(now)} now${money}`] : []),
        ...(later.length ? [`${words(later)} at the renewal (${day(after?.renewsAt)})`] : []),
      ];
      return `Plan changed: ${parts.join("; ")}`;
    }
    case "plan.undo":
      return `Scheduled change undone: ${words(list(before?.scheduled))}`;
    case "plan.start":
      return `Plan started: ${after?.description} (${after?.perRenewal} each renewal)`;
    case "plan.renewal":
      return `At the renewal: ${after?.description}`;
    case "subscription.cancel":
      return `Subscription canceled at the end of the period (${day(after?.endsAt)}): ${after?.reason}`;
    case "subscription.resume":
      return `Subscription resumed: it renews on ${day(after?.renewsAt)}`;
    case "subscription.end":
      return "Subscription ended: calls, numbers and credit stopped";
    case "subscription.past_due":
      return `Subscription past due: ${words(list(after?.invoices))} unpaid (${typeof after?.amount === "number" ? formatMoney(after.amount, currency) : "?"})`;
    case "subscription.paid_up":
      return "Subscription paid up: active again";
    case "subscription.provider_update":
      return `Payment provider: ${after?.description}`;
    default:
      return action;
  }
}
