import { mkdirSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { formatMoney } from "@/lib/money";
import { appUrl, seriousViolations, signIn, skipReason, submitIdpLogin, useAppDatabase, useBrowser } from "./browser";

const BILLING = "/dashboard/account/billing";
const WIDTHS = [
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  { name: "desktop", viewport: { width: 1440, height: 900 }, isMobile: false, hasTouch: false },
] as const;
/** Every page an admin can open, with the heading it shows. */
const ADMIN_PAGES = [
  [BILLING, "Billing"],
  [`${BILLING}/seats`, "Add or remove seats"],
  [`${BILLING}/plan`, "Change plan"],
  [`${BILLING}/auto-top-up`, "Auto top-up"],
  [`${BILLING}/company-details`, "Company billing details"],
  [`${BILLING}/payment-method`, "Payment method"],
  [`${BILLING}/fair-use`, null],
  [`${BILLING}/numbers`, null],
  [`${BILLING}/balance`, null],
  [`${BILLING}/invoices`, "Invoices"],
  [`${BILLING}/spend`, "Where the money goes"],
  [`${BILLING}/spend?by=category&row=outside_packages`, "Where the money goes"],
  [`${BILLING}/notifications`, "Email notifications"],
  ["/dashboard/account/users", "Users"],
  ["/dashboard", "Dashboard"],
] as const;
/** Screenshots of every page at both widths, kept as test artifacts (not committed). */
const SCREENSHOTS = path.resolve("test-results/screenshots");

/** How far the page is wider than the window, in CSS pixels (0 when nothing scrolls sideways). */
const horizontalOverflow = (page: Page) =>
  page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));


/**
 * Controls smaller than 44 px in either direction, as "tag 'text' WxH" strings. Links set in
 * running text are exempt (WCAG 2.5.8 "inline"); buttons, form fields, disclosure toggles and
 * links that stand on their own (navigation, section actions) are not.
 */
function smallTapTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const controls = document.querySelectorAll<HTMLElement>(
      "button, select, textarea, summary, input:not([type=hidden]), a[href]",
    );
    const small: string[] = [];
    for (const element of controls) {
      const style = getComputedStyle(element);
      if (style.visibility === "hidden" || style.display === "none") continue;
      const choice = element.matches("input[type=checkbox], input[type=radio]");
      if (element.closest(".sr-only") && !choice) continue;
      if (element.tagName === "A" && style.display === "inline") continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      // A checkbox or radio is tapped through its label, which must be large enough instead.
      const target = choice ? (element.closest("label") ?? element) : element;
      const { width, height } = target.getBoundingClientRect();
      if (width < 44 - 0.5 || height < 44 - 0.5) {
        small.push(`${target.tagName.toLowerCase()} '${(target.textContent || target.getAttribute("aria-label") || "").trim().slice(0, 30)}' ${Math.round(width)}x${Math.round(height)}`);
      }
    }
    return small;
  });
}

async function visit(page: Page, url: string) {
  const response = await page.goto(appUrl(url));
  await page.waitForLoadState("networkidle");
  return response;
}

describe.skipIf(!!skipReason)("the console on a phone and on a laptop", () => {
  const browser = useBrowser();
  const database = useAppDatabase();

  async function signedIn(width: (typeof WIDTHS)[number], email: string, start = "/login"): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser().newContext({ viewport: width.viewport, isMobile: width.isMobile, hasTouch: width.hasTouch });
    const page = await context.newPage();
    await page.goto(appUrl(start));
    await page.getByRole("button", { name: "Sign in with SSO" }).click();
    await submitIdpLogin(page, email);
    await page.waitForURL((url) => url.href.startsWith(appUrl()) && !url.pathname.startsWith("/api/auth") && url.pathname !== "/");
    await page.waitForLoadState("networkidle");
    return { context, page };
  }

  it.each(WIDTHS)("lands an admin on Billing after sign-in, and an agent on the dashboard ($name)", async (width) => {
    const admin = await signedIn(width, "admin@acme.test");
    expect(new URL(admin.page.url()).pathname).toBe(BILLING);
    await admin.context.close();
    const agent = await signedIn(width, "agent@acme.test");
    expect(new URL(agent.page.url()).pathname).toBe("/dashboard");
    await agent.context.close();
  });

  it.each(WIDTHS)("shows where you are in the navigation, on sub-pages too ($name)", async (width) => {
    const { context, page } = await signedIn(width, "admin@acme.test");
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const [url, current] of [
      [BILLING, "Billing"],
      [`${BILLING}/company-details`, "Billing"],
      ["/dashboard/account/users", "Users"],
      ["/dashboard", "Dashboard"],
    ] as const) {
      await visit(page, url);
      const marked = await nav.locator("[aria-current=page]").allTextContents();
      expect(marked, url).toEqual([current]);
      const link = await nav.getByRole("link", { name: current }).boundingBox();
      expect(link!.height, `${current} link height`).toBeGreaterThanOrEqual(44);
      expect(link!.y + link!.height, `${current} link is in the header`).toBeLessThanOrEqual(140);
    }
    await context.close();
  });

  it.each(WIDTHS)("fits every admin page in the window, passes axe and has 44 px tap targets ($name)", async (width) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const { context, page } = await signedIn(width, "admin@acme.test");
    for (const [url, heading] of ADMIN_PAGES) {
      const response = await visit(page, url);
      expect(response?.status(), url).toBe(200);
      if (heading) expect(await page.getByRole("heading", { level: 1 }).textContent(), url).toBe(heading);
      expect(await horizontalOverflow(page), `${url}: px wider than the window`).toBe(0);
      // Axe's rules and the tap targets do not depend on the width: checked once, on the phone.
      if (width.name === "phone") {
        expect(await seriousViolations(page), `${url}: axe`).toEqual([]);
        expect(await smallTapTargets(page), `${url}: tap targets`).toEqual([]);
      }
      await page.screenshot({ path: path.join(SCREENSHOTS, `${url.replace(/\W+/g, "_")}-${width.viewport.width}.png`), fullPage: true });
    }
    await context.close();
  });

  it.each(WIDTHS)("fits the agent's, signed-out and no-access pages in the window ($name)", async (width) => {
    const { context, page } = await signedIn(width, "agent@acme.test");
    expect((await visit(page, BILLING))?.status()).toBe(403);
    for (const url of [BILLING, "/dashboard"]) {
      if (url !== BILLING) await visit(page, url);
      expect(await horizontalOverflow(page), url).toBe(0);
      if (width.name === "phone") expect(await seriousViolations(page), `${url}: axe`).toEqual([]);
    }
    await context.close();
    const visitor = await browser().newContext({ viewport: width.viewport, isMobile: width.isMobile, hasTouch: width.hasTouch });
    const signedOut = await visitor.newPage();
    for (const url of ["/login", "/no-access?reason=unknown"]) {
      await visit(signedOut, url);
      expect(await horizontalOverflow(signedOut), url).toBe(0);
      if (width.name === "phone") {
        expect(await seriousViolations(signedOut), `${url}: axe`).toEqual([]);
        expect(await smallTapTargets(signedOut), `${url}: tap targets`).toEqual([]);
      }
    }
    await visitor.close();
  });

  it.each(WIDTHS)("puts the balance, the period's total and the payment method first ($name)", async (width) => {
    const context = await browser().newContext({ viewport: width.viewport, isMobile: width.isMobile, hasTouch: width.hasTouch });
    const page = await signIn(context, "admin@acme.test");
    await page.waitForLoadState("networkidle");
    const glance = page.getByRole("navigation", { name: "At a glance" });
    const box = await glance.boundingBox();
    expect(box!.y + box!.height, "within the first screen").toBeLessThan(width.viewport.height);
    const text = (await glance.textContent()) ?? "";
    // The oracle is the database, read here, not the code that rendered the page.
    const db = database();
    if (db) {
      const acme = inject("acme").accountId;
      const { rows } = (await db.db.execute(sql`
        select b.balance::text as balance,
               (select card_last4 from payment_methods p where p.account_id = b.account_id and p.replaced_at is null) as last4
        from credit_balances b where b.account_id = ${acme}`)) as unknown as { rows: { balance: string; last4: string | null }[] };
      expect(text).toContain(formatMoney(Number(rows[0]!.balance), "EUR"));
      if (rows[0]!.last4) expect(text).toContain(rows[0]!.last4);
    }
    expect(text).toContain((await page.getByTestId("grand-total").textContent())!);
    await glance.getByRole("link", { name: /This period/ }).click();
    await page.waitForURL((url) => url.hash === "#summary");
    await context.close();
  });

  it("lists users on a phone without sideways scrolling, each with email and role", async () => {
    const { context, page } = await signedIn(WIDTHS[0], "admin@acme.test");
    await visit(page, "/dashboard/account/users");
    expect(await horizontalOverflow(page)).toBe(0);
    const first = page.getByTestId("user-row").first();
    expect(await first.textContent()).toMatch(/@acme\.test/);
    expect(await first.textContent()).toMatch(/admin|agent|supervisor/i);
    await context.close();
  });
});
