import { redirect } from "next/navigation";
import { requirePageAccess } from "@/lib/auth/access";
import { can } from "@/lib/auth/permissions";

/** Where sign-in lands by default: an admin on Billing, everyone else on the dashboard. */
export default async function Home() {
  const user = await requirePageAccess("dashboard.view", "/");
  redirect(can(user.role, "billing.view") ? "/dashboard/account/billing" : "/dashboard");
}
