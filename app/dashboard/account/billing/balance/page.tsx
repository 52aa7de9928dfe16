import type { Metadata } from "next";
import { requirePageAccess } from "@/lib/auth/access";
import { accountFormat } from "@/lib/format";
import { SubPage } from "../_components/sub-page";
import { loadAccount, loadTrend } from "../_data";
import { trendDays } from "../_sections/credit";

export const metadata: Metadata = { title: "Daily balances" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The balance chart's figures as a table: the closing balance of each day. */
export default async function DailyBalancesPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageAccess("billing.view", "/dashboard/account/billing/balance");
  const days = trendDays((await searchParams).days);
  const [account, points] = await Promise.all([loadAccount(user.accountId), loadTrend(user.accountId, days)]);
  const f = accountFormat(account);
  return (
    <SubPage title={`Daily balances, last ${days} days`} intro="The closing balance of each day, in your account's time zone.">
      {points.length === 0 ? (
        <p>No credit movements yet: balances appear after the first top-up.</p>
      ) : (
        <table className="w-full text-sm [&_td+td]:text-right [&_td+td]:tabular-nums" data-testid="daily-balances">
          <thead>
            <tr className="text-xs text-slate-500">
              <th scope="col" className="text-left font-medium">
                Day
              </th>
              <th scope="col" className="text-right font-medium">
                Closing balance
              </th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.day}>
                <td>{f.day(p.day)}</td>
                <td className={p.balance <= 0 ? "text-red-700" : undefined}>{f.money(p.balance)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </SubPage>
  );
}
