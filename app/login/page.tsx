import type { Metadata } from "next";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { SignInButton } from "@/app/_components/auth-buttons";
import { CenteredCard } from "@/app/_components/centered-card";
import { getAuthOptions } from "@/lib/auth/options";
import { safeReturnPath } from "@/lib/auth/return-path";
import { getEnv } from "@/lib/env";

export const metadata: Metadata = { title: "Sign in" };

/** next-auth's error codes, in words an admin can act on. */
const ERRORS: Record<string, string> = {
  OAuthCallback: "The sign-in could not be completed. Please start it again.",
  OAuthSignin: "The identity provider could not be reached. Please try again.",
  Callback: "The sign-in could not be completed. Please start it again.",
  AccessDenied: "This account has no access to the billing console.",
  SessionRequired: "Please sign in to continue.",
};

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await connection();
  const params = await searchParams;
  const callbackUrl = safeReturnPath(typeof params.callbackUrl === "string" ? params.callbackUrl : null);
  const session = await getServerSession(getAuthOptions());
  if (session?.userId) redirect(callbackUrl);
  const error = typeof params.error === "string" ? (ERRORS[params.error] ?? ERRORS.Callback) : null;
  return (
    <CenteredCard title="Sign in to the billing console">
      {params.signedOut ? <p role="status">You are signed out.</p> : null}
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-red-800 ring-1 ring-red-200">
          {error}
        </p>
      ) : null}
      <p>Use your company account. You will be sent to your identity provider and brought back here.</p>
      <SignInButton callbackUrl={callbackUrl} label={`Sign in with ${getEnv().OIDC_DISPLAY_NAME}`} />
    </CenteredCard>
  );
}
