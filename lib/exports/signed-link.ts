import type { Result } from "@/lib/result";
import { signFields, verifyFields } from "@/lib/security/link-signature";
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

const PURPOSE = "csv-export-links";

function fields(claims: LinkClaims): string[] {
  const { from, to, type, bom } = claims.params;
  return [claims.accountId, claims.creatorId, from, to, type ?? "", bom ?? "", String(claims.expires)];
}

export function signLink(claims: LinkClaims, secret: string): string {
  return signFields(PURPOSE, fields(claims), secret);
}

export function verifyLink(claims: LinkClaims, signature: string, secret: string, now = Date.now()): Result {
  return verifyFields(PURPOSE, fields(claims), claims.expires, signature, secret, now);
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
