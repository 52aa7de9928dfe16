import Link from "next/link";
import { CenteredCard } from "@/app/_components/centered-card";

export default function Forbidden() {
  return (
    <CenteredCard title="403 · Admins only">
      <p>
        Billing is available to the Admin role only. Your role does not include it; an admin of
        your company can change your role or look at billing for you.
      </p>
      <Link href="/dashboard" className="font-medium text-indigo-700 underline">
        Back to the dashboard
      </Link>
    </CenteredCard>
  );
}
