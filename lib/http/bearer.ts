import { createHash, timingSafeEqual } from "node:crypto";
import { errorResponse } from "./respond";

/**
 * A bearer token checked in constant time: both sides are hashed first, so neither the
 * length nor a prefix leaks. 503 when the server has no token set (the feature is off),
 * 401 without the header or with another token.
 */
export type BearerCheck = { ok: true } | { ok: false; status: 401 | 503; reason: string };

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function checkBearer(authorization: string | null | undefined, expected: string | undefined, what: { name: string; variable: string }): BearerCheck {
  if (!expected) return { ok: false, status: 503, reason: `${what.name} is not configured on this server (${what.variable})` };
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) return { ok: false, status: 401, reason: `missing bearer token: send Authorization: Bearer <${what.variable}>` };
  if (!timingSafeEqual(digest(match[1]!), digest(expected))) return { ok: false, status: 401, reason: `invalid ${what.name} token` };
  return { ok: true };
}

/** The JSON answer of a refused request, with the challenge a 401 needs. */
export function bearerRefusal(check: Exclude<BearerCheck, { ok: true }>, realm: string): Response {
  return errorResponse(check.status, check.reason, check.status === 401 ? { "WWW-Authenticate": `Bearer realm="${realm}"` } : {});
}
