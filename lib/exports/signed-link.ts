import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { fail, ok, type Result } from "@/lib/result";
import type { ExportParams } from "./credit-movements";

/**
 * Direct links to a CSV export for finance people: an HMAC over the account, the admin
 * who made the link, the parameters and the expiry. The key is derived from the app's
 * secret for this purpose only.
 */

export const LINK_LIFETIME_SECONDS = 24 * 60 * 60;

export interface LinkClaims {
  accountId: string;
  creatorId: string;
  params: ExportParams;
  /** Unix seconds. */
  expires: number;
}

function key(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "billing-console", "csv-export-links", 32));
}

function canonical(claims: LinkClaims): string {
  const { from, to, type, bom } = claims.params;
  return ["v1", claims.accountId, claims.creatorId, from, to, type ?? "", bom ?? "", String(claims.expires)].join("\n");
}

export function signLink(claims: LinkClaims, secret: string): string {
  return createHmac("sha256", key(secret)).update(canonical(claims)).digest("base64url");
}


export function verifyLink(claims: LinkClaims, signature: string, secret: string, now = Date.now()): Result {
  const expected = Buffer.from(signLink(claims, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return fail("refused", "This link is not valid: it was changed or not made by this console.");
  }
  if (claims.expires * 1000 <= now) return fail("refused", "This link has expired. Ask an admin for a new one.");
  return ok();
}

/** The query string of a signed link (the route reads the same names). */
export function linkQuery(claims: LinkClaims, signature: string): string {
  const query = new URLSearchParams({ from: claims.params.from, to: claims.params.to });
  if (claims.params.type) query.set("type", claims.params.type);
  if (claims.params.bom) query.set("bom", claims.params.bom);
  query.set("account", claims.accountId);
  query.set("by", claims.creatorId);
  query.set("expires", String(claims.expires));
  query.set("sig", signature);
  return query.toString();
}
