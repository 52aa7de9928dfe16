import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { fail, ok, type Result } from "@/lib/result";

/**
 * Signed direct links, for people without a login (a finance person, an accountant): an
 * HMAC over what the link gives access to and its expiry. Each kind of link has its own
 * key, derived from the app's secret for that purpose only, so a signature made for one
 * kind of link is worth nothing for another.
 */

function key(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "billing-console", purpose, 32));
}

/** The signature of `fields` (in order) for `purpose`. */
export function signFields(purpose: string, fields: readonly string[], secret: string): string {
  return createHmac("sha256", key(secret, purpose)).update(["v1", ...fields].join("\n")).digest("base64url");
}

/** Whether `signature` is the signature of `fields`, and the link has not expired (`expires` in Unix seconds). */
export function verifyFields(
  purpose: string,
  fields: readonly string[],
  expires: number,
  signature: string,
  secret: string,
  now = Date.now(),
): Result {
  const expected = Buffer.from(signFields(purpose, fields, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return fail("refused", "This link is not valid: it was changed or not made by this console.");
  }
  if (expires * 1000 <= now) return fail("refused", "This link has expired. Ask an admin for a new one.");
  return ok();
}
