import { createHash, randomBytes } from "node:crypto";

/**
 * The security headers of every page and route handler.
 *
 * - Scripts run only with this response's nonce ('strict-dynamic' lets those scripts load
 *   the app's chunks and Stripe.js); Next.js reads the nonce from the request's
 *   Content-Security-Policy header and puts it on its own inline scripts and styles.
 * - Styles come from the app's CSS files or carry the nonce. The one style attribute
 *   allowed is React's own `display:none`, on the hidden SVG in which it streams a late
 *   part of an SVG; the app's components use classes and SVG attributes instead.
 * - No site may frame the console (frame-ancestors, and X-Frame-Options for browsers
 *   without CSP), and forms post only to the console: sign-in goes to the identity
 *   provider through a script, not a form.
 * - Route handlers answer data (JSON, CSV) and carry secrets in some URLs (signed export
 *   links, the sign-in callback's code), so their answers send no Referer onwards. Their
 *   headers are fixed (ROUTE_HANDLER_HEADERS, set in next.config.ts): they run no script,
 *   so they need no nonce, and the platform's calls (usage, authorization) do not pay
 *   for the proxy on every request.
 * - HSTS and upgrade-insecure-requests only when the site is served over https: over
 *   plain http (the demo) they would be ignored or would break the page.
 */

export interface PolicyOptions {
  nonce: string;
  https: boolean;
  /** The payment pages load Stripe.js, which talks to Stripe's API and shows Stripe's frames. */
  stripe: boolean;
  /** `next dev` evaluates code for its error overlay and injects styles without a nonce. */
  development: boolean;
}

const STRIPE = {
  script: ["https://js.stripe.com"],
  frame: ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
  connect: ["https://api.stripe.com"],
};

const REACT_HIDDEN_SEGMENT_STYLE = `'sha256-${createHash("sha256").update("display:none").digest("base64")}'`;

export const HSTS = "max-age=63072000; includeSubDomains";

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

export function isRouteHandlerPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

/** Every route handler's answer: nothing in it may run, be framed or be sniffed. */
export const ROUTE_HANDLER_HEADERS: Record<string, string> = {
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

export function contentSecurityPolicy({ nonce, https, stripe, development }: PolicyOptions): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": [
      "'self'",
      `'nonce-${nonce}'`,
      "'strict-dynamic'",
      ...(development ? ["'unsafe-eval'"] : []),
      ...(stripe ? STRIPE.script : []),
    ],
    "style-src": ["'self'", development ? "'unsafe-inline'" : `'nonce-${nonce}'`],
    "style-src-attr": development ? ["'unsafe-inline'"] : ["'unsafe-hashes'", REACT_HIDDEN_SEGMENT_STYLE],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'", ...(stripe ? STRIPE.connect : [])],
    "frame-src": stripe ? STRIPE.frame : ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
  };
  if (https) directives["upgrade-insecure-requests"] = [];
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(" "))
    .join("; ");
}

/** Over https when the public URL says so, or when the proxy in front received https. */
export function isServedOverHttps(siteUrl: string, forwardedProto: string | null): boolean {
  if (new URL(siteUrl).protocol === "https:") return true;
  return forwardedProto?.split(",")[0]?.trim().toLowerCase() === "https";
}

/** A page's headers (route handlers get ROUTE_HANDLER_HEADERS). */
export function securityHeaders(options: PolicyOptions): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(options),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    ...(options.https ? { "Strict-Transport-Security": HSTS } : {}),
  };
}
