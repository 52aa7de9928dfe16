import Link from "next/link";
import { accountFormat, type AccountFormat, countryName } from "@/lib/format";
import { USAGE_CATEGORY_LABELS, usageQuantity } from "@/lib/subscription/summary";
import type { IncludedPackage } from "@/lib/usage/queries";
import { Section, UsageBar } from "../_components/section";
import { limitWord, UserMinutesList } from "../_components/user-minutes";
import { loadAccount, loadBundles, loadIncludedPackages, loadNotIncluded } from "../_data";

/** The heaviest users are shown; every user is on the fair-use page. */
const VISIBLE_USERS = 5;

function UserMinutes({ pkg, format }: { pkg: IncludedPackage; format: AccountFormat }) {
  if (pkg.users.length === 0) return <p className="text-slate-500">No calls in this package this month.</p>;
  const more = pkg.users.length - VISIBLE_USERS;
  return (
    <div>
      <p className="text-slate-600">
        {more > 0 ? `The ${VISIBLE_USERS} users with the most minutes` : "Minutes per user"} this month (
        {limitWord(pkg)}: {format.number(pkg.minutesPerUser)} min):
      </p>
      <UserMinutesList pkg={pkg} users={pkg.users.slice(0, VISIBLE_USERS)} format={format} />
      {more > 0 ? (
        <Link href={`/dashboard/account/billing/fair-use#package-${pkg.id}`} className="link">
          All {format.number(pkg.users.length)} users in {pkg.name}
        </Link>
      ) : null}
    </div>
  );
}

export async function UsageSection({ accountId }: { accountId: string }) {
  const [account, packages, bundles, notIncluded] = await Promise.all([
    loadAccount(accountId),
    loadIncludedPackages(accountId),
    loadBundles(accountId),
    loadNotIncluded(accountId),
  ]);
  const f = accountFormat(account);
  return (
    <Section id="usage" title="Usage and overages">
      <div className="space-y-6">
        <div>
          <h3 className="font-medium text-slate-900">Included in your plan</h3>
          {packages.length === 0 && bundles.length === 0 ? (
            <p className="mt-2 text-slate-600">No calling packages: every call is charged from credit.</p>
          ) : null}
          <ul className="mt-2 space-y-4">
            {packages.map((pkg) => (
              <li key={pkg.id} data-testid="package" className="rounded-lg p-3 ring-1 ring-slate-200">
                <p className="font-medium text-slate-900">{pkg.name}</p>
                {pkg.endsAt ? (
                  <p className="text-amber-900" data-testid="package-ends">
                    Removed at the renewal: covers calls until {f.date(pkg.endsAt)}, then they are charged from credit.
                  </p>
                ) : null}
                <p className="text-slate-600">
                  {pkg.scope === "domestic" ? "Domestic calls only" : "Includes international calls"} ·{" "}
                  {pkg.unlimited ? "Unlimited, subject to fair use" : `${f.number(pkg.minutesPerUser)} minutes per user a month`}{" "}
                  · {pkg.quantity} {pkg.quantity === 1 ? "user" : "users"}
                </p>
                <p className="mt-1 text-slate-600">
                  Covered countries: {pkg.coveredCountries.map(countryName).join(", ")}
                </p>
                <div className="mt-3">
                  <UserMinutes pkg={pkg} format={f} />
                </div>
              </li>
            ))}
            {bundles.map((bundle) => (
              <li key={bundle.name} data-testid="bundle" className="rounded-lg p-3 ring-1 ring-slate-200">
                <p className="font-medium text-slate-900">Prepaid minutes: {bundle.name}</p>
                <p className="text-slate-600">
                  {f.number(bundle.minutesLeft)} of {f.number(bundle.minutesIncluded)} minutes left, used before
                  credit; expires {f.date(bundle.expiresAt)}.
                </p>
                <div className="mt-2">
                  <UsageBar
                    used={bundle.minutesIncluded - bundle.minutesLeft}
                    total={bundle.minutesIncluded}
                    label={`${f.number(bundle.minutesLeft)} of ${f.number(bundle.minutesIncluded)} prepaid minutes left`}
                  />
                </div>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3 className="font-medium text-slate-900">Not included in your plan</h3>
          <p className="mt-1 text-slate-600">Charged from credit this billing period:</p>
          {notIncluded === null ? (
            <p className="mt-2 text-slate-500">No billing period yet.</p>
          ) : (
            <table
              className="mt-2 w-full [&_td]:py-1.5 [&_td]:text-right [&_td]:tabular-nums [&_td+td]:pl-4 [&_th]:text-left [&_th]:font-normal [&_th+td]:text-slate-500"
              data-testid="not-included"
            >
              <thead className="sr-only">
                <tr>
                  <th scope="col">Category</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Amount</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {notIncluded.map((c) => {
                  const q = usageQuantity(c.category, c.seconds, c.fragments);
                  return (
                    <tr key={c.category} data-category={c.category}>
                      <th scope="row">{USAGE_CATEGORY_LABELS[c.category].item}</th>
                      <td>{`${f.number(q.quantity)} ${q.unit}`}</td>
                      <td>{f.money(c.amount)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <Link href="/dashboard/account/billing/spend" className="link">
            Where the money goes
          </Link>
        </div>
      </div>
    </Section>
  );
}
