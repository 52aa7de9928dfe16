import Link from "next/link";
import { SignOutButton } from "@/app/_components/auth-buttons";
import { checkAccess } from "@/lib/auth/access";
import { can } from "@/lib/auth/permissions";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  // Pages check access themselves; the layout only decides what the header shows.
  const access = await checkAccess("dashboard.view");
  const user = access.status === "allowed" ? access.user : null;
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <Link href="/dashboard" className="font-semibold">
            {user ? user.accountName : "Dashboard"}
          </Link>
          <nav aria-label="Main" className="flex items-center gap-4 text-sm">
            <Link href="/dashboard" className="hover:underline">
              Dashboard
            </Link>
            {user && can(user.role, "billing.view") ? (
              <Link href="/dashboard/account/billing" className="hover:underline">
                Account › Billing
              </Link>
            ) : null}
            {user && can(user.role, "users.manage") ? (
              <Link href="/dashboard/account/users" className="hover:underline">
                Account › Users
              </Link>
            ) : null}
            {user ? (
              <span className="text-slate-500">
                {user.name} · {user.role}
              </span>
            ) : null}
            {user ? <SignOutButton /> : null}
          </nav>
        </div>
      </header>
      {children}
    </div>
  );
}
