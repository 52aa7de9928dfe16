import type { Metadata } from "next";
import Link from "next/link";
import { requirePageAccess } from "@/lib/auth/access";
import { listUsers } from "@/lib/auth/user-admin";
import { getSubscription } from "@/lib/subscription/queries";
import { getDb } from "@/lib/db";
import { DeactivateButton } from "./deactivate-button";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const user = await requirePageAccess("users.manage", "/dashboard/account/users");
  const db = await getDb();
  const [people, subscription] = await Promise.all([listUsers(db, user.accountId), getSubscription(db, user.accountId)]);
  return (
    <main className="mx-auto max-w-4xl px-4 py-8">
      <p className="text-sm text-slate-500">
        Dashboard › Account › <span aria-current="page">Users</span>
      </p>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">Users</h1>
      <p className="mt-1 text-sm text-slate-600" data-testid="users-seats">
        {subscription
          ? `${subscription.seatsUsed} of ${subscription.seatsPurchased} seats in use. Every active user holds a seat; deactivating one frees it.`
          : "Every active user holds a seat."}{" "}
        <Link href="/dashboard/account/billing/seats" className="text-indigo-700 underline">
          Add or remove seats
        </Link>
      </p>
      {/* On a phone each user is one row: name with email and role under it, then the action. */}
      <table className="mt-6 w-full rounded-xl bg-white text-sm shadow-sm ring-1 ring-slate-200">
        <thead>
          <tr className="text-left text-xs text-slate-500">
            <th scope="col" className="p-3 font-medium">Name</th>
            <th scope="col" className="hidden p-3 font-medium sm:table-cell">Email</th>
            <th scope="col" className="hidden p-3 font-medium sm:table-cell">Role</th>
            <th scope="col" className="p-3 font-medium">Status</th>
            <th scope="col" className="p-3 font-medium"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {people.map((p) => (
            <tr key={p.id} data-testid="user-row">
              <td className="p-3 text-slate-900 break-words">
                {p.name}
                <span className="block text-xs text-slate-500 break-all sm:hidden">
                  {p.email} · <span className="capitalize">{p.role}</span>
                </span>
              </td>
              <td className="hidden p-3 sm:table-cell">{p.email}</td>
              <td className="hidden p-3 capitalize sm:table-cell">{p.role}</td>
              <td className="p-3">{p.active ? "Active" : "Deactivated"}</td>
              <td className="p-3 text-right">{p.active && p.id !== user.id ? <DeactivateButton userId={p.id} name={p.name} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
