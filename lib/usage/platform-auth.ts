import { createHash, timingSafeEqual } from "node:crypto";
import { errorResponse } from "@/lib/http/respond";

/**
 * The telephony platform's bearer token (env PLATFORM_API_TOKEN), compared in constant
 * time: both sides are hashed first, so neither the length nor a prefix leaks.
 */
export type PlatformAuth = { ok: true } | { ok: false; status: 401 | 503; reason: string };

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function checkPlatformToken(authorization: string | null, expected: string | undefined): PlatformAuth {
  if (!expected) return { ok: false, status: 503, reason: "the platform API is not configured on this server (PLATFORM_API_TOKEN)" };
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) return { ok: false, status: 401, reason: "missing bearer token: send Authorization: Bearer <platform token>" };
  if (!timingSafeEqual(digest(match[1]!), digest(expected))) return { ok: false, status: 401, reason: "invalid platform token" };
  return { ok: true };
}

/** The JSON answer of a refused request, with the challenge a 401 needs. */
export function refusal(auth: Exclude<PlatformAuth, { ok: true }>): Response {
  return errorResponse(auth.status, auth.reason, auth.status === 401 ? { "WWW-Authenticate": 'Bearer realm="platform"' } : {});
}
