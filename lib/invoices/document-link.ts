import type { Result } from "@/lib/result";
import { signFields, verifyFields } from "@/lib/security/link-signature";

/**
 * Direct links to one invoice's PDF, for the accountant or the finance person who books
 * it without a login: signed over the account, the admin who made the link, the document
 * and the expiry. A link opens that one document only, and stops working when it expires
 * or when its maker is no longer an active admin.
 */

export const DOCUMENT_LINK_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

export interface DocumentLinkClaims {
  accountId: string;
  creatorId: string;
  invoiceId: string;
  /** Unix seconds. */
  expires: number;
}

const PURPOSE = "invoice-pdf-links";

const fields = (claims: DocumentLinkClaims) => [claims.accountId, claims.creatorId, claims.invoiceId, String(claims.expires)];

export function signDocumentLink(claims: DocumentLinkClaims, secret: string): string {
  return signFields(PURPOSE, fields(claims), secret);
}

export function verifyDocumentLink(claims: DocumentLinkClaims, signature: string, secret: string, now = Date.now()): Result {
  return verifyFields(PURPOSE, fields(claims), claims.expires, signature, secret, now);
}

/** The path and query of a signed link to the document's PDF (the route reads the same names). */
export function documentLinkPath(claims: DocumentLinkClaims, signature: string): string {
  const query = new URLSearchParams({
    account: claims.accountId,
    by: claims.creatorId,
    expires: String(claims.expires),
    sig: signature,
  });
  return `/api/billing/invoices/${claims.invoiceId}/pdf?${query}`;
}
