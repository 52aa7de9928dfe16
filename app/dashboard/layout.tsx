import Link from "next/link";
import { NavLink } from "@/app/_components/nav-link";
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
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 px-4">
          <Link href="/" className="flex min-h-11 items-center font-semibold">
            {user ? user.accountName : "Dashboard"}
          </Link>
          {/* On a phone the links take their own row under the account name and sign-out. */}
          <nav aria-label="Main" className="order-last -mx-2 flex w-full text-sm sm:order-none sm:mx-0 sm:w-auto">
            <NavLink href="/dashboard">Dashboard</NavLink>
            {user && can(user.role, "billing.view") ? <NavLink href="/dashboard/account/billing">Billing</NavLink> : null}
            {user && can(user.role, "users.manage") ? <NavLink href="/dashboard/account/users">Users</NavLink> : null}
          </nav>
          {user ? (
            <div className="ml-auto flex items-center gap-3 py-2 text-sm">
              <span className="hidden text-slate-500 md:inline">
                {user.name} · {user.role}
              </span>
              <SignOutButton />
            </div>
          ) : null}
        </div>
      </header>
      {children}
    </div>
  );
}
