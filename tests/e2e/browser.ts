import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, inject } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { launchChromium } from "../support/chromium";

export const skipReason = inject("e2eSkipReason");

/** The app's database when it runs on Postgres (PGlite is open in the app's process only). */
export const appDatabaseUrl = skipReason ? null : inject("appDatabaseUrl");

/** One connection pool per test file to the app's database, for checking what the app wrote. */
export function useAppDatabase(): () => DatabaseHandle | undefined {
  let handle: DatabaseHandle | undefined;
  beforeAll(async () => {
    if (appDatabaseUrl) handle = await openDatabase({ url: appDatabaseUrl, poolMax: 2 });
  });
  afterAll(async () => {
    await handle?.close();
  });
  return () => handle;
}

/** One Chromium per test file; each test opens its own context (its own cookies). */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (skipReason) return;
    browser = await launchChromium(inject("chromiumPath"));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("browser not started");
    return browser;
  };
}

export const appUrl = (path = "") => `${inject("appUrl")}${path}`;

/** Fills the identity provider's own form. */
export async function submitIdpLogin(page: Page, email: string, password = "demo") {
  await page.waitForURL((url) => url.href.startsWith(inject("idpUrl")));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Starts at `path`, goes through /login and the IdP, and returns where it ended. */
export async function signIn(context: BrowserContext, email: string, path = "/dashboard/account/billing") {
  const page = await context.newPage();
  await page.goto(appUrl(path));
  await page.getByRole("button", { name: "Sign in with SSO" }).click();
  await submitIdpLogin(page, email);
  await page.waitForURL((url) => url.href.startsWith(appUrl()) && !url.pathname.startsWith("/api/auth"));
  await page.waitForLoadState("domcontentloaded");
  return page;
}

/** The next-auth session the browser context holds ({} when signed out). */
export async function sessionOf(context: BrowserContext): Promise<Record<string, unknown>> {
  const response = await context.request.get(appUrl("/api/auth/session"));
  return (await response.json()) as Record<string, unknown>;
}

/**
 * Runs the authorization code flow step by step with the context's cookies (as the
 * browser would) and stops before the app's callback: returns the callback URL.
 */
export async function authorizeUntilCallback(context: BrowserContext, email: string): Promise<string> {
  const request = context.request;
  const { csrfToken } = (await (await request.get(appUrl("/api/auth/csrf"))).json()) as { csrfToken: string };
  const start = await request.post(appUrl("/api/auth/signin/oidc"), {
    form: { csrfToken, callbackUrl: appUrl("/dashboard"), json: "true" },
  });
  let location = ((await start.json()) as { url: string }).url;
  const idp = inject("idpUrl");
  for (let hop = 0; hop < 10; hop++) {
    if (location.startsWith(appUrl("/api/auth/callback/"))) return location;
    const url = new URL(location, idp);
    let response = await request.get(url.href, { maxRedirects: 0 });
    if (response.status() === 200 && url.pathname.startsWith("/interaction/")) {
      // The IdP's login form: submit it.
      response = await request.post(`${url.href}/login`, { form: { email, password: "demo" }, maxRedirects: 0 });
    }
    const next = response.headers().location;
    if (!next) throw new Error(`IdP answered ${response.status()} at ${url.pathname} without a redirect`);
    location = new URL(next, url).href;
  }
  throw new Error("too many redirects before the callback");
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Serious and critical axe-core violations on the page, as "rule: target" strings. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: Document) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document);
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
  });
}
