import type { Metadata } from "next";
import Link from "next/link";
import { requirePageAccess } from "@/lib/auth/access";
import { getReplicaDb } from "@/lib/db";
import { accountFormat, type AccountFormat, countryName } from "@/lib/format";
import {
  type BillingPeriod,
  getBillingPeriods,
  getCharges,
  getPackageAdvice,
  getSpendBreakdown,
  lastDayOf,
  pickPeriod,
  type SpendRow,
} from "@/lib/usage/spend";
import {
  BREAKDOWN_PAGE,
  paramsProblem,
  type SpendParams,
  spendParamsFrom,
  spendParamsSchema,
  type SpendSort,
  type SpendView,
  validRowKey,
} from "@/lib/usage/spend-params";
import type { PackageAdvice } from "@/lib/usage/package-advice";
import { loadAccount } from "../_data";
import { ChargeList, Quantity } from "./charge-list";
import { SpendLinkForm } from "./share-link";

export const metadata: Metadata = { title: "Where the money goes" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const VIEW_LABELS: Record<SpendView, { tab: string; column: string }> = {
  user: { tab: "By user", column: "User" },
  number: { tab: "By number", column: "Number" },
  country: { tab: "By destination", column: "Destination" },
  category: { tab: "By category", column: "Category" },
};
const SORT_LABELS: Record<SpendSort, string> = { amount: "Amount", minutes: "Minutes", name: "Name" };

/** The page's address with some parameters changed; the drill-down and its cursor drop unless kept. */
function href(params: SpendParams, change: Partial<Record<keyof SpendParams, string | undefined>>): string {
  const next = { by: params.by, sort: params.sort, period: params.period, page: undefined, ...change };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(next)) if (value !== undefined && value !== DEFAULTS[name]) query.set(name, value);
  return `/dashboard/account/billing/spend${query.size ? `?${query}` : ""}`;
}

/** Parameters left out of links when they have their default value. */
const DEFAULTS: Record<string, string> = { by: "user", sort: "amount" };

const keptPage = (params: SpendParams) => (params.page > 1 ? String(params.page) : undefined);

const share = (basisPoints: number) => `${Math.floor(basisPoints / 100)}.${Math.floor((basisPoints % 100) / 10)} %`;

function periodLabel(period: BillingPeriod, f: AccountFormat) {
  return `${f.day(period.firstDay)} – ${f.day(lastDayOf(period))}${period.current ? " (current)" : ""}`;
}

function AdviceNote({ advice, f }: { advice: PackageAdvice; f: AccountFormat }) {
  const names = advice.countries.map(countryName);
  const countries = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0];
  const users = `${advice.users} ${advice.users === 1 ? "user" : "users"}`;
  return (
    <p data-testid="package-advice" className="mt-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-950 ring-1 ring-emerald-200">
      Calls to {countries} cost {f.money(advice.creditSpend)} from credit across {users} in the last 30 days; the{" "}
      {advice.package.name} package for your {advice.seats} {advice.seats === 1 ? "seat" : "seats"} is{" "}
      {f.money(advice.packageCost)} a month and would have saved {f.money(advice.savings)}.{" "}
      <Link href="/dashboard/account/billing/plan" className="font-medium text-indigo-700 underline">
        Change plan or packages
      </Link>
    </p>
  );
}

function SortHead({ params, sort, align }: { params: SpendParams; sort: SpendSort; align?: "right" }) {
  const current = params.sort === sort;
  return (
    <th scope="col" aria-sort={current ? (sort === "name" ? "ascending" : "descending") : undefined} className={align === "right" ? "pl-3 text-right" : "text-left"}>
      <Link href={href(params, { sort })} className={`inline-flex min-h-11 min-w-11 items-center underline-offset-2 hover:underline ${current ? "text-slate-900" : "text-indigo-700"}`}>
        {SORT_LABELS[sort]}
        {current ? <span aria-hidden> ↓</span> : null}
      </Link>
    </th>
  );
}

/** The rows of the breakdown's current page, and links to the others. */
function Pager({ params, count }: { params: SpendParams; count: number }) {
  const pages = Math.ceil(count / BREAKDOWN_PAGE);
  if (pages <= 1) return null;
  const first = (params.page - 1) * BREAKDOWN_PAGE + 1;
  const page = (n: number) => href(params, { page: n > 1 ? String(n) : undefined });
  return (
    <nav aria-label="Rows" className="mt-3 flex flex-wrap items-center gap-3 text-sm text-slate-600">
      <span data-testid="spend-rows">
        {first}–{Math.min(count, first + BREAKDOWN_PAGE - 1)} of {count}
      </span>
      {params.page > 1 ? <Link href={page(params.page - 1)} className="btn">Previous {BREAKDOWN_PAGE}</Link> : null}
      {params.page < pages ? <Link href={page(params.page + 1)} className="btn">Next {BREAKDOWN_PAGE}</Link> : null}
    </nav>
  );
}

function BreakdownTable({ params, rows, total, f }: { params: SpendParams; rows: SpendRow[]; total: { seconds: number; fragments: number; amount: number }; f: AccountFormat }) {
  return (
    <table className="w-full text-sm" data-testid="spend-table">
      <caption className="sr-only">
        {VIEW_LABELS[params.by].tab}, sorted by {SORT_LABELS[params.sort].toLowerCase()}
      </caption>
      <thead className="text-xs font-medium uppercase tracking-wide text-slate-500">
        <tr>
          <SortHead params={params} sort="name" />
          <SortHead params={params} sort="minutes" align="right" />
          <SortHead params={params} sort="amount" align="right" />
          <th scope="col" className="hidden pl-2 text-right sm:table-cell">Share</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.slice((params.page - 1) * BREAKDOWN_PAGE, params.page * BREAKDOWN_PAGE).map((row) => (
          <tr key={row.key} data-row={row.key} aria-current={params.row === row.key ? "true" : undefined} className={params.row === row.key ? "bg-indigo-50" : undefined}>
            <th scope="row" className="py-1 text-left font-normal">
              <Link href={`${href(params, { row: row.key, page: keptPage(params) })}#charges`} className="row-link">
                <span className="break-words">{row.name}</span>
              </Link>
              {row.detail ? <span className="note [overflow-wrap:anywhere]">{row.detail}</span> : null}
            </th>
            <td className="fig">
              <Quantity row={row} f={f} />
            </td>
            <td className="fig" data-amount={row.amount}>
              {f.money(row.amount)}
              <span className="note sm:hidden">{share(row.shareBasisPoints)}</span>
            </td>
            <td className="fig hidden sm:table-cell">{share(row.shareBasisPoints)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot className="border-t border-slate-300 font-medium">
        <tr>
          <th scope="row" className="pt-2 text-left">Total</th>
          <td className="fig pt-2">
            <Quantity row={total} f={f} />
          </td>
          <td className="fig pt-2" data-testid="spend-total">{f.money(total.amount)}</td>
          <td className="fig hidden pt-2 sm:table-cell">{total.amount > 0 ? "100.0 %" : ""}</td>
        </tr>
      </tfoot>
    </table>
  );
}

/** Where the money goes: a period's usage by user, number, destination and category, and each row's charges. */
export default async function SpendPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageAccess("billing.view", "/dashboard/account/billing/spend");
  const parsed = spendParamsFrom(await searchParams);
  // A bad query string is said in words, and the page shows what it would by default.
  const params: SpendParams = parsed.success ? parsed.data : spendParamsSchema.parse({});
  const problems = parsed.success ? [] : [paramsProblem(parsed.error)];
  // A breakdown of history: from the replica when there is one (the primary otherwise).
  const db = await getReplicaDb();
  const account = await loadAccount(user.accountId);
  const f = accountFormat(account);
  const periods = await getBillingPeriods(db, account, params.period);
  let period = pickPeriod(periods, params.period);
  if (!period && params.period !== undefined) {
    problems.push(`There is no billing period starting on ${params.period}: showing the current one.`);
    period = pickPeriod(periods, undefined);
  }
  let row = params.row;
  if (row !== undefined && !validRowKey(params.by, row)) {
    problems.push(`row does not name a ${VIEW_LABELS[params.by].column.toLowerCase()}.`);
    row = undefined;
  }
  const shown: SpendParams = { ...params, period: period && !period.current ? period.firstDay : undefined, row };
  const [breakdown, charges, advice] = period
    ? await Promise.all([
        getSpendBreakdown(db, account, params.by, period, params.sort),
        row !== undefined ? getCharges(db, account, params.by, row, period, params.after ?? null) : null,
        // An overview note: not repeated over a row's charges.
        row === undefined ? getPackageAdvice(db, account) : null,
      ])
    : [null, null, null];
  const drilled = breakdown?.rows.find((r) => r.key === row);
  const exportQuery = new URLSearchParams({ by: shown.by, sort: shown.sort });
  if (period) exportQuery.set("period", period.firstDay);

  return (
    <main className="mx-auto max-w-5xl px-4 py-8">
      <Link href="/dashboard/account/billing" className="inline-flex min-h-11 items-center text-sm text-indigo-700 underline">
        ‹ Back to billing
      </Link>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">Where the money goes</h1>
      <p className="mt-2 text-sm text-slate-600">
        Calls and SMS of a billing period by user, by your number, by destination and by category: what was charged from
        credit ({account.currency}, before VAT), the minutes (calls inside your packages included) or SMS fragments, and
        each one&apos;s share. Open a row to see its charges and why each was made.
      </p>
      {problems.map((problem) => (
        <p key={problem} role="alert" data-testid="spend-error" className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200">
          {problem}
        </p>
      ))}
      {advice ? <AdviceNote advice={advice} f={f} /> : null}

      {!period || !breakdown ? (
        <p className="mt-6 text-sm text-slate-600">No billing period yet.</p>
      ) : (
        <>
          <div className="mt-6 flex flex-wrap items-end gap-3">
            <form method="get" className="flex flex-wrap items-end gap-3" aria-label="Choose a billing period">
              <input type="hidden" name="by" value={shown.by} />
              <input type="hidden" name="sort" value={shown.sort} />
              <label className="flex flex-col text-sm text-slate-700">
                Billing period
                <select name="period" defaultValue={period.firstDay} className="mt-1 min-h-11 rounded-md border border-slate-300 bg-white px-3">
                  {periods.map((p) => (
                    <option key={p.firstDay} value={p.firstDay}>
                      {periodLabel(p, f)}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" className="btn">Show</button>
              <a href={`/api/billing/spend.csv?${exportQuery}`} className="btn" data-testid="spend-export" download>
                Export CSV
              </a>
            </form>
            <SpendLinkForm query={Object.fromEntries(row === undefined ? exportQuery : new URLSearchParams({ ...Object.fromEntries(exportQuery), row }))} />
          </div>

          <nav aria-label="Breakdown" className="mt-6 flex flex-wrap gap-x-2 border-b border-slate-200 text-sm">
            {(Object.keys(VIEW_LABELS) as SpendView[]).map((view) => (
              <Link key={view} href={href(shown, { by: view, row: undefined })} className="nav" aria-current={view === shown.by ? "page" : undefined}>
                {VIEW_LABELS[view].tab}
              </Link>
            ))}
          </nav>

          <section aria-label={VIEW_LABELS[shown.by].tab} className="mt-4 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6">
            <p className="mb-2 text-sm text-slate-600">
              {periodLabel(period, f)}: {f.money(breakdown.total.amount)} charged from credit.
            </p>
            {breakdown.rows.length === 0 ? (
              <p className="text-sm text-slate-600">No calls or SMS in this period.</p>
            ) : (
              <>
                <BreakdownTable params={shown} rows={breakdown.rows} total={breakdown.total} f={f} />
                <Pager params={shown} count={breakdown.rows.length} />
              </>
            )}
          </section>

          {row !== undefined && charges ? (
            <section id="charges" aria-labelledby="charges-heading" className="mt-6 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6">
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="charges-heading" className="text-lg font-semibold text-slate-900">
                  Charges: {drilled?.name ?? (row || "none")}
                </h2>
                <a
                  href={`/api/billing/spend.csv?${new URLSearchParams({ ...Object.fromEntries(exportQuery), row })}`}
                  className="link text-sm"
                  data-testid="charges-export"
                  download
                >
                  Export these charges (CSV)
                </a>
              </div>
              <ChargeList charges={charges.charges} f={f} />
              <div className="mt-3 flex flex-wrap gap-3 text-sm">
                {params.after ? (
                  <Link href={`${href(shown, { row, page: keptPage(shown) })}#charges`} className="btn">
                    Newest charges
                  </Link>
                ) : null}
                {charges.next ? (
                  <Link href={`${href(shown, { row, after: charges.next, page: keptPage(shown) })}#charges`} className="btn" data-testid="older-charges">
                    Older charges
                  </Link>
                ) : null}
              </div>
            </section>
          ) : null}
        </>
      )}
    </main>
  );
}
