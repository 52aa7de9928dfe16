import type { Metadata } from "next";
import Link from "next/link";
import { SignOutButton } from "@/app/_components/auth-buttons";
import { CenteredCard } from "@/app/_components/centered-card";

export const metadata: Metadata = { title: "No access" };

const REASONS: Record<string, string> = {
  unknown:
    "Your identity provider signed you in, but this email address does not belong to an active user of any account here.",
  unverified: "Your identity provider did not confirm that your email address is verified.",
  issuer: "The sign-in came from an identity provider this console does not trust.",
};

export default async function NoAccessPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { reason } = await searchParams;
  const text = (typeof reason === "string" && REASONS[reason]) || REASONS.unknown;
  return (
    <CenteredCard title="No access">
      <p>{text}</p>
      <p>Ask an admin of your company to add you, or to reactivate your user.</p>
      <div className="flex gap-3">
        <Link href="/login" className="font-medium text-indigo-700 underline">
          Back to sign in
        </Link>
        <SignOutButton />
      </div>
    </CenteredCard>
  );
}
