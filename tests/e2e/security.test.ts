import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import type { BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appUrl, signIn, skipReason, submitIdpLogin, useAppDatabase, useBrowser } from "./browser";

const BILLING = "/dashboard/account/billing";
const appDatabase = useAppDatabase();

/**
 * Requests the browser makes to evil.example, a redirect's target included (routes see
 * only the first request of a redirect). Names under .example never resolve, so nothing
 * leaves the machine.
 */
function recordEscapes(context: BrowserContext): string[] {
  const escapes: string[] = [];
  context.on("request", (request) => {
    if (new URL(request.url()).hostname.endsWith("evil.example")) escapes.push(request.url());
  });
  return escapes;
}

/** The app's answers of status 500 and above while a page loads. */
function serverErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("response", (response) => {
    if (response.url().startsWith(appUrl()) && response.status() >= 500) {
      errors.push(`${response.status()} ${response.url()}`);
    }
  });
  return errors;
}

/** Console messages of Content-Security-Policy violations, and script errors. */
function cspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  page.on("pageerror", (error) => violations.push(`page error: ${error.message}`));
  return violations;
}

/**
 * A page of another origin (another port of localhost), served for the length of a test.
 * Same site for cookies, so a frame of the app in it is signed in.
 */
async function serveOtherSite(html: string) {
  const server = http.createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!!skipReason)("sign-in never sends the user to another site", () => {
  const browser = useBrowser();
  let signedIn: BrowserContext;
  let escapes: string[];
  beforeAll(async () => {
    signedIn = await browser().newContext();
    escapes = recordEscapes(signedIn);
    await (await signIn(signedIn, "admin@acme.test", "/dashboard")).close();
  });
  afterAll(async () => {
    await signedIn?.close();
  });

  it.each([
    ["a tab", "%2F%09%2Fevil.example%2Fphish"],
    ["a newline", "%2F%0A%2Fevil.example%2Fphish"],
    ["CR LF", "%2F%0D%0A%2Fevil.example%2Fphish"],
    ["a backslash", "%2F%5Cevil.example%2Fphish"],
    ["an encoded tab", "%2F%2509%2Fevil.example%2Fphish"],
    ["encoded slashes", "%2F%252F%252Fevil.example%2Fphish"],
    ["an encoded backslash", "%2F%255Cevil.example%2Fphish"],
  ])("/login with %s in callbackUrl, signed in, ends on Billing, where an admin lands", async (_, callbackUrl) => {
    escapes.length = 0;
    const page = await signedIn.newPage();
    const errors = serverErrors(page);
    // Fails to load when the browser is sent to evil.example; the assertions say where it went.
    await page.goto(appUrl(`/login?callbackUrl=${callbackUrl}`)).catch(() => null);
    expect(escapes, "requests to evil.example").toEqual([]);
    expect(errors, "server errors").toEqual([]);
    expect(page.url()).toBe(appUrl("/dashboard/account/billing"));
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Billing");
    await page.close();
  });

  it.each([
    ["a tab", "/\t/evil.example/phish"],
    ["CR LF", "/\r\n/evil.example/phish"],
    ["a second slash in an absolute URL", () => appUrl("//evil.example/phish")],
    ["an encoded second slash in an absolute URL", () => appUrl("/%2F%2Fevil.example/phish")],
  ])("next-auth's sign-in with %s in its callbackUrl ends on Billing, where an admin lands", async (_, target) => {
    const callbackUrl = typeof target === "function" ? target() : target;
    const context = await browser().newContext();
    const outside = recordEscapes(context);
    const page = await context.newPage();
    const errors = serverErrors(page);
    // What a page of the app would post, with the attacker's callbackUrl.
    const { csrfToken } = (await (await context.request.get(appUrl("/api/auth/csrf"))).json()) as { csrfToken: string };
    const start = await context.request.post(appUrl("/api/auth/signin/oidc"), {
      form: { csrfToken, callbackUrl, json: "true" },
    });
    await page.goto(((await start.json()) as { url: string }).url);
    await submitIdpLogin(page, "admin@acme.test");
    await page.waitForURL((url) => !url.href.startsWith(inject("idpUrl")) && !url.pathname.startsWith("/api/auth"));
    await page.waitForLoadState("load");
    expect(outside, "requests to evil.example").toEqual([]);
    expect(errors, "server errors").toEqual([]);
    expect(page.url()).toBe(appUrl("/dashboard/account/billing"));
    await context.close();
  });
});

describe.skipIf(!!skipReason)("security headers", () => {
  const browser = useBrowser();

  it("keeps another site from framing the signed-in billing page", async () => {
    const context = await browser().newContext();
    await signIn(context, "admin@acme.test");
    const other = await serveOtherSite(
      `<!doctype html><title>Another site</title><iframe src="${appUrl(BILLING)}" width="900" height="700"></iframe>`,
    );
    try {
      const page = await context.newPage();
      const messages: string[] = [];
      page.on("console", (message) => messages.push(message.text()));
      const framed = page.waitForResponse((response) => response.url() === appUrl(BILLING));
      await page.goto(other.url);
      expect((await framed).status(), "the frame's request was signed in").toBe(200);
      await page.waitForLoadState("load");
      const frame = page.frames().find((f) => f !== page.mainFrame());
      expect(frame, "the iframe").toBeDefined();
      await expect
        .poll(() => messages.some((m) => m.includes("frame-ancestors 'none'")), { timeout: 5_000 })
        .toBe(true);
      expect(frame!.url()).not.toBe(appUrl(BILLING));
      expect(await frame!.getByRole("heading", { name: "Billing" }).count(), "billing shown in the frame").toBe(0);
      expect(await frame!.getByTestId("balance").count(), "the balance shown in the frame").toBe(0);
    } finally {
      await other.close();
      await context.close();
    }
  });

  /** Opens `path`; every script tag the server sent must carry the nonce of the response's policy. */
  async function openWithNonce(page: Page, path: string) {
    const response = await page.goto(appUrl(path));
    const policy = response?.headers()["content-security-policy"] ?? "";
    const nonce = policy.match(/'nonce-([^']+)'/)?.[1];
    expect(nonce, `a nonce in the policy of ${path}`).toBeTruthy();
    const tags = (await response!.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length, `scripts on ${path}`).toBeGreaterThan(0);
    expect(tags.filter((tag) => !tag.includes(` nonce="${nonce}"`)), `scripts without the nonce on ${path}`).toEqual([]);
    await page.waitForLoadState("load");
  }

  it("loads the dashboard, billing and its sub-pages with no CSP violation, and they stay interactive", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@acme.test", "/dashboard");
    const violations = cspViolations(page);
    for (const path of [
      "/dashboard",
      BILLING,
      `${BILLING}/company-details`,
      `${BILLING}/auto-top-up`,
      `${BILLING}/payment-method`,
      "/dashboard/account/users",
      "/no-such-page",
      `${BILLING}/seats`,
    ]) {
      await openWithNonce(page, path);
    }
    // A client form: its answer is rendered by React, so the page hydrated.
    await page.getByLabel(/^Seats/).fill("1");
    await page.getByRole("button", { name: "Preview change" }).click();
    await expect.poll(() => page.getByLabel(/^Seats/).getAttribute("aria-invalid")).toBe("true");
    // Client-side navigation also runs under the policy.
    await page.goto(appUrl("/dashboard"));
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" }).click();
    await page.waitForURL(appUrl(BILLING));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Billing");
    expect(violations).toEqual([]);
    await context.close();
  });

  it("loads /login, the 403 page and /no-access with no CSP violation, and signs in from /login", async () => {
    const context = await browser().newContext();
    const page = await context.newPage();
    const violations = cspViolations(page);
    await openWithNonce(page, "/no-access?reason=unknown");
    await openWithNonce(page, "/login");
    await page.getByRole("button", { name: "Sign in with SSO" }).click();
    await submitIdpLogin(page, "agent@acme.test");
    await page.waitForURL(appUrl("/dashboard"));
    await openWithNonce(page, BILLING);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("403 · Admins only");
    expect(violations).toEqual([]);
    await context.close();
  });

  it("sends the headers with pages, route handlers and the CSV export", async () => {
    const context = await browser().newContext();
    await signIn(context, "admin@acme.test");
    const today = new Date().toISOString().slice(0, 10);
    const nonces = new Set<string>();
    for (const path of [
      BILLING,
      BILLING,
      "/login",
      "/api/health",
      "/api/auth/session",
      `/api/billing/credit-movements.csv?from=${today}&to=${today}`,
    ]) {
      const response = await context.request.get(appUrl(path), { maxRedirects: 0 });
      expect(response.status(), path).toBeLessThan(400);
      const headers = response.headers();
      const policy = headers["content-security-policy"] ?? "";
      expect(policy, path).toContain("frame-ancestors 'none'");
      if (path.startsWith("/api/")) {
        // Data, never a document that runs anything.
        expect(policy, path).toMatch(/^default-src 'none';/);
      } else {
        expect(policy, path).toContain("object-src 'none'");
        expect(policy, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/]+={0,2}' 'strict-dynamic'/);
        nonces.add(policy.match(/'nonce-([^']+)'/)![1]!);
      }
      expect(headers["x-content-type-options"], path).toBe("nosniff");
      expect(headers["referrer-policy"], path).toBe(path.startsWith("/api/") ? "no-referrer" : "strict-origin-when-cross-origin");
      expect(headers["x-frame-options"], path).toBe("DENY");
      expect(headers["strict-transport-security"], `${path} over http`).toBeUndefined();
    }
    expect(nonces.size, "a fresh nonce per page").toBe(3);
    const behindTls = await context.request.get(appUrl(BILLING), { headers: { "x-forwarded-proto": "https" } });
    expect(behindTls.headers()["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    await context.close();
  });
});

describe.skipIf(!!skipReason)("a server action sent from another site", () => {
  const browser = useBrowser();

  /** The guard tenant's company details and audit entries (Postgres only; the app holds PGlite). */
  async function guardState() {
    const handle = appDatabase();
    if (!handle) return null;
    const result = await handle.db.execute(sql`
      select (select row_to_json(d) from billing_details d join accounts a on a.id = d.account_id where a.slug = 'guard') as details,
             (select count(*)::int from audit_log l join accounts a on a.id = l.account_id where a.slug = 'guard') as audit`);
    return (result as unknown as { rows: { details: unknown; audit: number }[] }).rows[0]!;
  }

  async function fillCompanyDetails(page: Page) {
    await page.goto(appUrl(`${BILLING}/company-details`));
    await page.getByLabel("Company name").fill("Guard GmbH");
    await page.getByLabel("Invoice email").fill("billing@guard.test");
    await page.getByLabel("Street and number").fill("Hauptstraße 1");
    await page.getByLabel("City").fill("Berlin");
    await page.getByLabel("Postal code").fill("10115");
    await page.getByLabel("Country").selectOption("DE");
  }

  it("is refused with 403 before it runs, and the same form from the console then saves", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@guard.test");
    const before = await guardState();
    if (before) expect(before.details, "no details yet").toBeNull();
    for (const origin of ["http://evil.example", "null", "http://localhost:1"]) {
      const answers: { status: number; body: string }[] = [];
      await page.route(
        (url) => url.pathname.startsWith("/dashboard"),
        async (route) => {
          const request = route.request();
          if (request.method() !== "POST" || !request.headers()["next-action"]) return route.continue();
          const response = await route.fetch({ headers: { ...request.headers(), origin } });
          answers.push({ status: response.status(), body: await response.text() });
          await route.fulfill({ response });
        },
      );
      await fillCompanyDetails(page);
      await page.getByRole("button", { name: "Save company details" }).click();
      await expect.poll(() => answers.length, { message: `an answer to Origin ${origin}` }).toBe(1);
      expect(answers[0], `Origin ${origin}`).toEqual({ status: 403, body: "Cross-origin request refused.\n" });
      await page.unrouteAll({ behavior: "wait" });
      expect(await guardState(), `nothing changed by Origin ${origin}`).toEqual(before);
    }

    await fillCompanyDetails(page);
    await page.getByRole("button", { name: "Save company details" }).click();
    await page.waitForURL(appUrl(BILLING));
    await expect.poll(() => page.getByTestId("company-details").textContent()).toContain("billing@guard.test");
    if (before) expect((await guardState())!.details).toMatchObject({ invoice_email: "billing@guard.test" });
    await context.close();
  });
});
