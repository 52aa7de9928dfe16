import type { Metadata } from "next";
import { requirePageAccess } from "@/lib/auth/access";
import { accountFormat } from "@/lib/format";
import { SubPage } from "../_components/sub-page";
import { limitWord, UserMinutesList } from "../_components/user-minutes";
import { loadAccount, loadIncludedPackages } from "../_data";

export const metadata: Metadata = { title: "Minutes per user" };

/** Every user's minutes in each calling package this month; the billing page shows the heaviest few. */
export default async function FairUsePage() {
  const user = await requirePageAccess("billing.view", "/dashboard/account/billing/fair-use");
  const [account, packages] = await Promise.all([loadAccount(user.accountId), loadIncludedPackages(user.accountId)]);
  const f = accountFormat(account);
  return (
    <SubPage
      title="Minutes per user this month"
      intro="Minutes each user called inside your calling packages this month, most first. Minutes beyond a fair-use limit are charged from credit."
    >
      {packages.length === 0 ? (
        <p>No calling packages: every call is charged from credit.</p>
      ) : (
        <div className="space-y-8 text-sm">
          {packages.map((pkg) => (
            <section key={pkg.id} id={`package-${pkg.id}`} aria-labelledby={`package-${pkg.id}-heading`} data-testid="package">
              <h2 id={`package-${pkg.id}-heading`} className="font-semibold text-slate-900">
                {pkg.name}
              </h2>
              <p className="text-slate-600">
                {f.number(pkg.users.length)} {pkg.users.length === 1 ? "user" : "users"} with calls ({limitWord(pkg)}:{" "}
                {f.number(pkg.minutesPerUser)} min each)
              </p>
              {pkg.users.length === 0 ? (
                <p className="mt-2 text-slate-500">No calls in this package this month.</p>
              ) : (
                <UserMinutesList pkg={pkg} users={pkg.users} format={f} />
              )}
            </section>
          ))}
        </div>
      )}
    </SubPage>
  );
}
