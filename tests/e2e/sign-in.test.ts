import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { Database, DatabaseHandle } from "@/db/client";
import { openDatabase } from "@/db/client";
import { formatMoney } from "@/lib/money";
import { demoDirectory } from "@/scripts/dev-idp/directory";
import { type DevIdp, startDevIdp } from "@/scripts/dev-idp/server";
import { E2E_CLIENT } from "../support/e2e-global-setup";
import { freePort } from "../support/free-port";
import {
  appUrl,
  authorizeUntilCallback,
  sessionOf,
  signIn,
  skipReason,
  submitIdpLogin,
  useBrowser,
} from "./browser";

const BILLING = "/dashboard/account/billing";
const databaseUrl = skipReason ? null : inject("appDatabaseUrl");

let handle: DatabaseHandle | undefined;
let db: Database | undefined;

beforeAll(async () => {
  if (databaseUrl) {
    handle = await openDatabase({ url: databaseUrl, poolMax: 2 });
    db = handle.db;
  }
});
afterAll(async () => {
  await handle?.close();
});

/** Row counts of what a sign-in could create; only on Postgres (the app holds PGlite). */
async function writableCounts() {
  if (!db) return null;
  const result = await db.execute(sql`
    select (select count(*) from users) as users, (select count(*) from accounts) as accounts,
           (select count(*) from audit_log) as audit, (select count(*) from credit_movements) as movements,
           (select string_agg(email || ':' || role || ':' || active, ',' order by email) from users) as roles`);
  return (result as unknown as { rows: unknown[] }).rows[0];
}

describe.skipIf(!!skipReason)("sign-in through OpenID Connect", () => {
  const browser = useBrowser();

  it("sends a signed-out visitor to /login and back to billing after sign-in, where an admin sees Acme's figures", async () => {
    const context = await browser().newContext();
    const page = await context.newPage();
    await page.goto(appUrl(BILLING));
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(new URL(page.url()).searchParams.get("callbackUrl")).toBe(BILLING);
    await page.getByRole("button", { name: "Sign in with SSO" }).click();
    await submitIdpLogin(page, "admin@acme.test");
    await page.waitForURL(appUrl(BILLING));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Billing");
    const acme = inject("acme");
    expect(await page.getByTestId("balance").textContent()).toBe(formatMoney(acme.balance, "EUR"));
    expect(await page.getByTestId("seats").textContent()).toBe(`${acme.seatsUsed} of ${acme.seatsPurchased}`);
    await context.close();
  });

  it("shows a 403 page to an agent, on billing only", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "agent@acme.test", "/dashboard");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Dashboard");
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" }).count()).toBe(0);
    const response = await page.goto(appUrl(BILLING));
    expect(response?.status()).toBe(403);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("403 · Admins only");
    expect(await page.getByTestId("balance").count()).toBe(0);
    await context.close();
  });

  it("shows a 403 page to a supervisor", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "supervisor@acme.test");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("403 · Admins only");
    await context.close();
  });

  it("shows the Globex admin Globex's account, in dollars", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@globex.test");
    expect(await page.getByRole("link", { name: "Globex Corporation" }).count()).toBe(1);
    expect(await page.getByTestId("balance").textContent()).toMatch(/^-?\$/);
    expect(await page.getByTestId("payment-method").textContent()).toContain("PayPal");
    await context.close();
  });

  it.each(["outsider@example.test", "former@acme.test"])(
    "gives %s (unknown or deactivated) a no-access page, no session, and writes nothing",
    async (email) => {
      const before = await writableCounts();
      const context = await browser().newContext();
      const page = await signIn(context, email);
      expect(new URL(page.url()).pathname).toBe("/no-access");
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("No access");
      expect(await sessionOf(context)).toEqual({});
      expect(await writableCounts()).toEqual(before);
      await context.close();
    },
  );

  it("keeps the IdP's form on a wrong password", async () => {
    const context = await browser().newContext();
    const page = await context.newPage();
    await page.goto(appUrl("/login"));
    await page.getByRole("button", { name: "Sign in with SSO" }).click();
    await submitIdpLogin(page, "admin@acme.test", "wrong");
    expect(await page.getByRole("alert").textContent()).toBe("Wrong email or password.");
    expect(await page.getByLabel("Email").inputValue()).toBe("admin@acme.test");
    await context.close();
  });

  it("signs out", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@acme.test");
    expect(await sessionOf(context)).toHaveProperty("userId");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.pathname === "/login");
    expect(await page.getByRole("status").textContent()).toBe("You are signed out.");
    expect(await sessionOf(context)).toEqual({});
    await page.goto(appUrl(BILLING));
    expect(new URL(page.url()).pathname).toBe("/login");
    await context.close();
  });

  it.skipIf(!databaseUrl)("takes billing away from a demoted admin on the next request", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "finance@acme.test");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Billing");
    await db!.execute(sql`update users set role = 'agent' where email = 'finance@acme.test'`);
    try {
      const response = await page.reload();
      expect(response?.status()).toBe(403);
      await db!.execute(sql`update users set active = false, deactivated_at = now() where email = 'finance@acme.test'`);
      await page.goto(appUrl(BILLING));
      expect(new URL(page.url()).pathname).toBe("/no-access");
    } finally {
      await db!.execute(
        sql`update users set role = 'admin', active = true, deactivated_at = null where email = 'finance@acme.test'`,
      );
    }
    await context.close();
  });
});

describe.skipIf(!!skipReason)("sign-in attacks are refused and write nothing", () => {
  const browser = useBrowser();
  let before: unknown;
  beforeEach(async () => {
    before = await writableCounts();
  });
  afterEach(async () => {
    expect(await writableCounts()).toEqual(before);
  });

  async function expectRefused(context: BrowserContext, page: Page) {
    await page.waitForURL((url) => url.pathname === "/login" && url.searchParams.has("error"));
    expect(await page.locator("main").getByRole("alert").textContent()).toMatch(/could not be completed/);
    expect(await sessionOf(context)).toEqual({});
  }

  it("refuses a callback with a forged state", async () => {
    const context = await browser().newContext();
    const callback = new URL(await authorizeUntilCallback(context, "admin@acme.test"));
    expect(callback.searchParams.get("code")).toBeTruthy();
    callback.searchParams.set("state", "forged-state-value");
    const page = await context.newPage();
    await page.goto(callback.href);
    await expectRefused(context, page);
    await context.close();
  });

  it("refuses a replayed callback, in another browser and in the same one", async () => {
    const victim = await browser().newContext();
    const callbackUrl = await authorizeUntilCallback(victim, "admin@acme.test");
    const page = await victim.newPage();
    await page.goto(callbackUrl);
    await page.waitForURL((url) => url.pathname === "/dashboard");
    expect(await sessionOf(victim)).toHaveProperty("userId");

    const attacker = await browser().newContext();
    const attackerPage = await attacker.newPage();
    await attackerPage.goto(callbackUrl);
    await expectRefused(attacker, attackerPage);
    await attacker.close();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.pathname === "/login");
    await page.goto(callbackUrl);
    await expectRefused(victim, page);
    await victim.close();
  });

  it("refuses a code issued by another identity provider (mix-up)", async () => {
    const otherPort = await freePort();
    const other: DevIdp = await startDevIdp({
      port: otherPort,
      clients: [{ ...E2E_CLIENT, redirectUris: [appUrl("/api/auth/callback/oidc")] }],
      directory: demoDirectory(),
      env: { NODE_ENV: "test" },
    });
    try {
      const context = await browser().newContext();
      const page = await context.newPage();
      // Send the authorization request, state and PKCE challenge included, to the other IdP.
      await page.route(`${inject("idpUrl")}/auth**`, async (route) => {
        const url = new URL(route.request().url());
        await route.fulfill({ status: 302, headers: { location: `${other.issuer}/auth${url.search}` } });
      });
      await page.goto(appUrl("/login"));
      await page.getByRole("button", { name: "Sign in with SSO" }).click();
      await page.waitForURL((url) => url.href.startsWith(other.issuer));
      await page.getByLabel("Email").fill("admin@acme.test");
      await page.getByLabel("Password").fill("demo");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expectRefused(context, page);
      await context.close();
    } finally {
      await other.close();
    }
  });
});
