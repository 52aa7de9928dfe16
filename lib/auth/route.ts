import { getEnv } from "@/lib/env";
import { errorResponse } from "@/lib/http/respond";
import { checkPlatformToken, refusal } from "@/lib/usage/platform-auth";
import { checkAccess } from "./access";
import type { Permission } from "./permissions";
import type { AccountUser } from "./users";

type Handler = (request: Request) => Promise<Response>;

/** A route for the telephony platform: its bearer token is checked before anything is read. */
export function withPlatformToken(handler: Handler): Handler {
  return async (request) => {
    const auth = checkPlatformToken(request.headers.get("authorization"), getEnv().PLATFORM_API_TOKEN);
    if (!auth.ok) return refusal(auth);
    return handler(request);
  };
}

export interface AccessRefusals {
  signedOut: string;
  forbidden: string;
  /** Sent with the refusals too, so that they are cached and referred like the answer. */
  headers?: HeadersInit;
}

/**
 * A route for a signed-in user: the user's current role (from the database) must grant
 * `permission`, and the account is the session's. 401 when signed out, 403 otherwise.
 */
export function withAccess(
  permission: Permission,
  refusals: AccessRefusals,
  handler: (request: Request, user: AccountUser) => Promise<Response>,
): Handler {
  return async (request) => {
    const access = await checkAccess(permission);
    if (access.status === "signed-out") return errorResponse(401, refusals.signedOut, refusals.headers);
    if (access.status !== "allowed") return errorResponse(403, refusals.forbidden, refusals.headers);
    return handler(request, access.user);
  };
}
