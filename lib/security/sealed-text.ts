import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * Text the server wrote, sealed with an HMAC so that it can travel through the browser (a
 * cookie) and be trusted when it comes back: a value made or changed anywhere else, by a
 * crafted link, a script or a sibling site's cookie, opens to null. Not secret: sealed,
 * not encrypted.
 */

function key(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "billing-console", purpose, 32));
}

function mac(body: string, secret: string, purpose: string): string {
  return createHmac("sha256", key(secret, purpose)).update(body).digest("base64url");
}

export function sealText(text: string, secret: string, purpose: string): string {
  const body = Buffer.from(text, "utf8").toString("base64url");
  return `${body}.${mac(body, secret, purpose)}`;
}

export function openText(sealed: string | undefined, secret: string, purpose: string): string | null {
  if (!sealed) return null;
  const dot = sealed.indexOf(".");
  if (dot <= 0) return null;
  const body = sealed.slice(0, dot);
  const expected = Buffer.from(mac(body, secret, purpose));
  const given = Buffer.from(sealed.slice(dot + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return Buffer.from(body, "base64url").toString("utf8");
}
