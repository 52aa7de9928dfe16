import { accountFormat } from "@/lib/format";
import { Section } from "../_components/section";
import { loadAccount, loadAddons, loadSubscription } from "../_data";

export async function AddonsSection({ accountId }: { accountId: string }) {
  const [account, addons, subscription] = await Promise.all([
    loadAccount(accountId),
    loadAddons(accountId),
    loadSubscription(accountId),
  ]);
  const f = accountFormat(account);
  // On a yearly plan the summary charges twelve months at once: say so here too.
  const yearly = subscription?.interval === "year";
  return (
    <Section id="addons" title="Add-ons and additional services">
      {addons.length === 0 ? (
        <p>
          No add-ons active. Conversation Intelligence, dialers and Voice Agents packages appear here when you add
          them.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {addons.map((addon) => (
            <li key={addon.name} data-testid="addon" className="flex flex-wrap justify-between gap-2 py-2">
              <div>
                <p className="font-medium text-slate-900">{addon.name}</p>
                <p className="text-slate-500">{addon.description}</p>
              </div>
              <p className="tabular-nums sm:text-right">
                {addon.quantity} × {f.money(addon.monthlyPrice)} per {addon.unitLabel} a month
                <br />
                <span className="font-medium text-slate-900">{f.money(addon.monthlyTotal)}</span> a month
                {yearly ? <span className="note">billed yearly: {f.money(addon.monthlyTotal * 12)} a year</span> : null}
              </p>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
