import type { AuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import type { Executor } from "@/db/client";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { safeRedirectUrl } from "./return-path";
import { findUserByEmail } from "./users";

/** Claims of the ID token that the sign-in uses. */
export interface OidcClaims {
  iss?: string;
  sub: string;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
}

export const OIDC_PROVIDER_ID = "oidc";

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, "");

/** Why a sign-in is refused before any session exists; shown on /no-access. */
export type SignInRefusal = "unverified" | "issuer" | "unknown";

export interface SignInPolicy {
  issuer: string;
  allowUnverifiedEmail: boolean;
}

/**
 * Decides whether an identity may sign in: issued by the configured issuer, email
 * verified, and the email of an active user of some account. Reads only; creates nothing.
 */
export async function decideSignIn(
  db: Executor,
  claims: OidcClaims | undefined,
  policy: SignInPolicy,
): Promise<true | SignInRefusal> {
  if (!claims?.email) return "unverified";
  if (!claims.iss || withoutTrailingSlash(claims.iss) !== withoutTrailingSlash(policy.issuer)) {
    return "issuer";
  }
  const verified = claims.email_verified === true || claims.email_verified === "true";
  if (!verified && !policy.allowUnverifiedEmail) return "unverified";
  const user = await findUserByEmail(db, claims.email);
  if (!user || !user.active) return "unknown";
  return true;
}

function oidcProvider(): OAuthConfig<OidcClaims> {
  const env = getEnv();
  return {
    id: OIDC_PROVIDER_ID,
    name: env.OIDC_DISPLAY_NAME,
    type: "oauth",
    wellKnown: `${withoutTrailingSlash(env.OIDC_ISSUER)}/.well-known/openid-configuration`,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state"],
    profile(claims) {
      return { id: claims.sub, email: claims.email ?? null, name: claims.name ?? null };
    },
  };
}

let cachedOptions: AuthOptions | undefined;

/** next-auth configuration for any OpenID Connect provider (Okta, Entra ID, Google, Keycloak...). */
export function getAuthOptions(): AuthOptions {
  if (cachedOptions) return cachedOptions;
  const env = getEnv();
  cachedOptions = {
    secret: env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
    pages: { signIn: "/login", error: "/login" },
    providers: [oidcProvider()],
    callbacks: {
      // next-auth's default accepts any URL of this origin, tabs and newlines included.
      redirect: ({ url, baseUrl }) => safeRedirectUrl(url, baseUrl),
      async signIn({ profile }) {
        const decision = await decideSignIn(await getDb(), profile as OidcClaims | undefined, {
          issuer: env.OIDC_ISSUER,
          allowUnverifiedEmail: env.OIDC_ALLOW_UNVERIFIED_EMAIL,
        });
        return decision === true ? true : `/no-access?reason=${decision}`;
      },
      async jwt({ token, profile }) {
        // Only at sign-in: bind the session to the user and account the email maps to.
        if (profile) {
          const claims = profile as OidcClaims;
          const user = claims.email ? await findUserByEmail(await getDb(), claims.email) : null;
          if (!user) throw new Error("signed-in user vanished between checks");
          token.userId = user.id;
          token.accountId = user.accountId;
        }
        return token;
      },
      async session({ session, token }) {
        session.userId = typeof token.userId === "string" ? token.userId : undefined;
        session.accountId = typeof token.accountId === "string" ? token.accountId : undefined;
        return session;
      },
    },
  };
  return cachedOptions;
}
