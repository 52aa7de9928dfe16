import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  contentSecurityPolicy,
  HSTS,
  isServedOverHttps,
  newNonce,
  type PolicyOptions,
  ROUTE_HANDLER_HEADERS,
  securityHeaders,
} from "@/lib/security/headers";
import { isCrossOriginPageWrite, type RequestOrigin } from "@/lib/security/origin";

const require = createRequire(import.meta.url);
const PRODUCTION: PolicyOptions = { nonce: "bm9uY2U=", https: false, stripe: false, development: false };

/** The policy as directive name -> sources, parsed without the code under test. */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(";").map((part) => {
      const [name, ...sources] = part.trim().split(/\s+/);
      return [name!, sources];
    }),
  );
}

describe("the Content-Security-Policy", () => {
  it("runs only scripts with this response's nonce, and what they load", () => {
    const policy = directives(contentSecurityPolicy(PRODUCTION));
    expect(policy["script-src"]).toEqual(["'self'", "'nonce-bm9uY2U='", "'strict-dynamic'"]);
    expect(policy["style-src"], "no inline styles without the nonce").toEqual(["'self'", "'nonce-bm9uY2U='"]);
  });

  it("allows one style attribute: React's display:none on the hidden SVG of a streamed part", () => {
    const hash = createHash("sha256").update("display:none").digest("base64");
    expect(directives(contentSecurityPolicy(PRODUCTION))["style-src-attr"]).toEqual(["'unsafe-hashes'", `'sha256-${hash}'`]);
    // Next.js renders with its own copy of React.
    const next = path.dirname(require.resolve("next/package.json"));
    const reactServer = readFileSync(path.join(next, "dist/compiled/react-dom/cjs/react-dom-server.node.production.js"), "utf8");
    expect(reactServer, "the attribute React writes").toContain('style="display:none"');
  });

  it.each([
    ["default-src", ["'self'"]],
    ["img-src", ["'self'", "data:"]],
    ["connect-src", ["'self'"]],
    ["frame-src", ["'none'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
    ["base-uri", ["'self'"]],
    ["object-src", ["'none'"]],
  ])("sets %s to %j", (name, sources) => {
    expect(directives(contentSecurityPolicy(PRODUCTION))[name]).toEqual(sources);
  });

  it("lets Stripe.js reach Stripe's API and show its frames only when a publishable key is set", () => {
    const policy = directives(contentSecurityPolicy({ ...PRODUCTION, stripe: true }));
    expect(policy["connect-src"]).toEqual(["'self'", "https://api.stripe.com"]);
    expect(policy["frame-src"]).toEqual(["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]);
    expect(policy["script-src"]).toContain("'strict-dynamic'");
    expect(policy["frame-ancestors"]).toEqual(["'none'"]);
  });

  it("allows what next dev needs only in development", () => {
    const policy = directives(contentSecurityPolicy({ ...PRODUCTION, development: true }));
    expect(policy["script-src"]).toContain("'unsafe-eval'");
    expect(policy["style-src"]).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy["style-src-attr"]).toEqual(["'unsafe-inline'"]);
    expect(contentSecurityPolicy(PRODUCTION)).not.toMatch(/'unsafe-(inline|eval)'/);
  });

  it("upgrades insecure requests only over https", () => {
    expect(directives(contentSecurityPolicy({ ...PRODUCTION, https: true }))).toHaveProperty("upgrade-insecure-requests");
    expect(directives(contentSecurityPolicy(PRODUCTION))).not.toHaveProperty("upgrade-insecure-requests");
  });

  it("gets a fresh nonce each time, in the characters Next.js reads from the header", () => {
    const nonces = new Set(Array.from({ length: 50 }, newNonce));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe("the other security headers", () => {
  it("forbids sniffing and framing of a page, and keeps its path out of the Referer of other sites", () => {
    expect(securityHeaders(PRODUCTION)).toEqual({
      "Content-Security-Policy": contentSecurityPolicy(PRODUCTION),
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "X-Frame-Options": "DENY",
    });
  });

  it("lets nothing in a route handler's answer run, be framed, be sniffed or leak its URL", () => {
    expect(ROUTE_HANDLER_HEADERS).toEqual({
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "X-Frame-Options": "DENY",
    });
  });

  it("adds HSTS over https only", () => {
    expect(securityHeaders({ ...PRODUCTION, https: true })["Strict-Transport-Security"]).toBe(
      "max-age=63072000; includeSubDomains",
    );
    expect(HSTS).toBe("max-age=63072000; includeSubDomains");
    expect(securityHeaders(PRODUCTION)).not.toHaveProperty("Strict-Transport-Security");
  });

  it.each([
    ["https://billing.example.com", null, true],
    ["https://billing.example.com", "http", true],
    ["http://localhost:3000", null, false],
    ["http://localhost:3000", "https", true],
    ["http://localhost:3000", "HTTPS", true],
    ["http://localhost:3000", "https, http", true],
    ["http://localhost:3000", "http, https", false],
    ["http://localhost:3000", "http", false],
    ["http://localhost:3000", "", false],
    ["http://https.example.com", null, false],
  ] as const)("NEXTAUTH_URL %s with X-Forwarded-Proto %j is https: %s", (siteUrl, forwardedProto, https) => {
    expect(isServedOverHttps(siteUrl, forwardedProto)).toBe(https);
  });
});

describe("server actions from another site", () => {
  const own: RequestOrigin = {
    method: "POST",
    pathname: "/dashboard/account/billing/company-details",
    origin: "http://localhost:3000",
    host: "localhost:3000",
    forwardedHost: null,
  };

  it.each<[string, Partial<RequestOrigin>]>([
    ["from the console itself", {}],
    ["through a proxy that names the public host", { host: "10.0.0.5:3000", forwardedHost: "localhost:3000" }],
    ["through proxies, the first forwarded host", { host: "10.0.0.5:3000", forwardedHost: "localhost:3000, 10.0.0.4" }],
    ["without Origin (not a browser)", { origin: null }],
    ["to a route handler", { pathname: "/api/usage/events", origin: "http://evil.example" }],
    ["to next-auth", { pathname: "/api/auth/signin/oidc", origin: "http://evil.example" }],
    ["a GET from another site", { method: "GET", origin: "http://evil.example" }],
    ["a HEAD from another site", { method: "HEAD", origin: "http://evil.example" }],
  ])("lets a request %s through", (_, change) => {
    expect(isCrossOriginPageWrite({ ...own, ...change })).toBe(false);
  });

  it.each<[string, Partial<RequestOrigin>]>([
    ["another site", { origin: "http://evil.example" }],
    ["another port of the same host", { origin: "http://localhost:4000" }],
    ["a sandboxed frame or a redirected form (Origin: null)", { origin: "null" }],
    ["a malformed Origin", { origin: "http//evil" }],
    ["a non-web Origin", { origin: "chrome-extension://localhost:3000" }],
    ["a host that only looks like it", { origin: "http://localhost:3000.evil.example" }],
    ["a proxy that names another public host", { host: "localhost:3000", forwardedHost: "billing.example.com" }],
    ["a request with no host at all", { host: null }],
    ["a PUT from another site", { method: "PUT", origin: "http://evil.example" }],
    ["a page whose path starts like the API", { pathname: "/apis", origin: "http://evil.example" }],
  ])("refuses %s", (_, change) => {
    expect(isCrossOriginPageWrite({ ...own, ...change })).toBe(true);
  });
});
