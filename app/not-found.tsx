import type { Metadata } from "next";
import Link from "next/link";
import { CenteredCard } from "@/app/_components/centered-card";

export const metadata: Metadata = { title: "Not found" };

/** The app's own 404: Next.js's built-in one uses inline styles, which the CSP refuses. */
export default function NotFound() {
  return (
    <CenteredCard title="404 · Page not found">
      <p>There is no page at this address.</p>
      <Link href="/dashboard" className="font-medium text-indigo-700 underline">
        Back to the dashboard
      </Link>
    </CenteredCard>
  );
}
