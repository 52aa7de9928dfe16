import type { Metadata } from "next";
import { requirePageAccess } from "@/lib/auth/access";
import { accountFormat } from "@/lib/format";
import { getDb } from "@/lib/db";
import { getNumberCharges } from "@/lib/subscription/items";
import { monthsInPeriod } from "@/lib/subscription/queries";
import { numberChanges } from "@/lib/subscription/summary";
import { SubPage } from "../_components/sub-page";
import { loadAccount, loadSubscription } from "../_data";
import { ColumnHeads } from "../_components/column-heads";

export const metadata: Metadata = { title: "Numbers added or released" };

const CHANGE_LABELS = { added: "Added", released: "Released", removed: "Removed", changed: "Changed" } as const;

/** The numbers behind the summary's grouped "added" and "released" lines, one by one. */
export default async function NumberChangesPage() {
  const user = await requirePageAccess("billing.view", "/dashboard/account/billing/numbers");
  const [account, subscription] = await Promise.all([loadAccount(user.accountId), loadSubscription(user.accountId)]);
  const f = accountFormat(account);
  if (!subscription) {
    return (
      <SubPage title="Numbers added or released this period">
        <p>No plan yet, so nothing is charged.</p>
      </SubPage>
    );
  }
  const period = { start: subscription.periodStart, end: subscription.periodEnd };
  const { changed } = await getNumberCharges(await getDb(), user.accountId, period);
  const lines = numberChanges({ period, monthsInPeriod: monthsInPeriod(subscription.interval), numbers: changed });
  const lastDay = new Date(period.end.getTime() - 1);
  return (
    <SubPage
      title="Numbers added or released this period"
      intro={`${f.date(period.start)} to ${f.date(lastDay)}, amounts in ${account.currency}, excluding VAT. Each number is charged for the days it was held.`}
    >
      {lines.length === 0 ? (
        <p>No number was added or released this period.</p>
      ) : (
        <div className="overflow-x-auto">
        <table className="w-full text-sm [&_tbody_td]:py-1" data-testid="number-changes">
          <ColumnHeads
            columns={[
              { label: "Number" },
              { label: "Days held", numeric: true },
              { label: "Unit price", numeric: true },
              { label: "Total", numeric: true },
            ]}
          />
          <tbody className="divide-y divide-slate-100">
            {lines.map((line) => (
              <tr key={line.item} data-line>
                <td>
                  {line.item}
                  <span className="block text-xs text-slate-500">
                    {CHANGE_LABELS[line.change!.kind]} {line.change!.at ? f.date(line.change!.at) : ""}
                  </span>
                </td>
                <td className="qty">{line.quantityLabel}</td>
                <td className="fig">{line.unitPrice === null ? "Varies" : f.money(line.unitPrice)}</td>
                <td className="fig" data-total={line.total}>
                  {f.money(line.total)}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot className="border-t border-slate-300">
            <tr>
              <th scope="row" colSpan={3} className="pt-2 text-right font-medium">
                Total
              </th>
              <td className="fig pt-2 font-medium" data-testid="number-changes-total">
                {f.money(lines.reduce((sum, line) => sum + line.total, 0))}
              </td>
            </tr>
          </tfoot>
        </table>
        </div>
      )}
    </SubPage>
  );
}
