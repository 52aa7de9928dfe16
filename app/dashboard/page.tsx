import type { Metadata } from "next";
import Link from "next/link";
import { requirePageAccess } from "@/lib/auth/access";
import { can } from "@/lib/auth/permissions";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requirePageAccess("dashboard.view", "/dashboard");
  return (
    <main className="mx-auto max-w-7xl px-4 py-8">
      <h1 className="text-2xl font-semibold">Dashboard</h1>
      <p className="mt-2 text-slate-600">Signed in as {user.email}.</p>
      <section aria-labelledby="account-heading" className="mt-8 max-w-md rounded-xl bg-white p-6 ring-1 ring-slate-200">
        <h2 id="account-heading" className="font-semibold">
          Account
        </h2>
        <ul className="mt-3 space-y-2 text-sm">
          <li>
            <Link href="/dashboard/account/billing" className="font-medium text-indigo-700 underline">
              Billing
            </Link>
            {can(user.role, "billing.view") ? null : (
              <span className="text-slate-500"> (admins only)</span>
            )}
          </li>
        </ul>
      </section>
    </main>
  );
}
