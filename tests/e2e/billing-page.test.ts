import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { formatMoney } from "@/lib/money";
import { zonedParts } from "@/lib/time";
import { sql } from "drizzle-orm";
import { appDatabaseUrl, seriousViolations, signIn, skipReason, useAppDatabase, useBrowser } from "./browser";

const BILLING = "/dashboard/account/billing";
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1440, height: 900 };

const SECTIONS = [
  "Subscription and seats",
  "Credit and auto top-up",
  "Usage and overages",
  "Add-ons and additional services",
  "Company billing details",
  "Current plan and services summary",
  "Payment method",
];

async function openBilling(context: BrowserContext, email: string, path = BILLING): Promise<Page> {
  const page = await signIn(context, email, path);
  await page.waitForLoadState("networkidle");
  return page;
}


async function box(page: Page, name: string) {
  const b = await page.getByRole("region", { name }).boundingBox();
  if (!b) throw new Error(`section ${name} is not visible`);
  return b;
}

async function expectAcmeFigures(page: Page) {
  const acme = inject("acme");
  expect(await page.getByTestId("balance").textContent()).toBe(formatMoney(acme.balance, "EUR"));
  expect(await page.getByTestId("seats").textContent()).toBe(`${acme.seatsUsed} of ${acme.seatsPurchased}`);
  const summary = page.getByTestId("summary");
  for (const [key, subtotal] of Object.entries(acme.subtotals)) {
    const group = summary.locator(`tbody[data-group="${key}"]`);
    const shown = await group.locator("tr[data-subtotal] td").last().textContent();
    expect([key, shown]).toEqual([key, formatMoney(subtotal, "EUR")]);
    // The subtotal shown is the sum of the line totals shown.
    const lineTotals = await group.locator("td[data-total]").evaluateAll((cells) =>
      cells.map((c) => Number(c.getAttribute("data-total"))),
    );
    expect(lineTotals.reduce((a, b) => a + b, 0)).toBe(subtotal);
  }
  expect(await page.getByTestId("grand-total").textContent()).toBe(formatMoney(acme.grandTotal, "EUR"));
}

describe.skipIf(!!skipReason)("the billing page", () => {
  const browser = useBrowser();
  const appDb = useAppDatabase();

  async function query<T>(statement: ReturnType<typeof sql>): Promise<T[]> {
    const handle = appDb();
    if (!handle) throw new Error("these checks read the app's Postgres database");
    return ((await handle.db.execute(statement)) as unknown as { rows: T[] }).rows;
  }

  it.each([
    ["a phone", PHONE],
    ["a laptop", LAPTOP],
  ])("lays the summary out as a bill on %s: no cell overlaps another, nothing spills out of its card", async (_, viewport) => {
    const context = await browser().newContext({ viewport, isMobile: viewport === PHONE });
    const page = await openBilling(context, "admin@acme.test");
    const geometry = await page.getByTestId("summary").evaluate((table) => {
      const card = table.closest("section")!.getBoundingClientRect();
      const box = table.getBoundingClientRect();
      // The visible rows (the header row is for screen readers only).
      const rows = [...table.querySelectorAll("tbody tr, tfoot tr")].map((tr) =>
        [...tr.children].map((cell) => {
          const r = cell.getBoundingClientRect();
          return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: cell.textContent };
        }),
      );
      return { card: { left: card.left, right: card.right }, table: { left: box.left, right: box.right }, scroll: table.parentElement!.scrollWidth - table.parentElement!.clientWidth, rows };
    });
    expect(geometry.table.left, "table inside its card (left)").toBeGreaterThanOrEqual(geometry.card.left);
    expect(geometry.table.right, "table inside its card (right)").toBeLessThanOrEqual(geometry.card.right);
    expect(geometry.scroll, "no sideways scroll in the card").toBeLessThanOrEqual(0);
    const cells = geometry.rows.flat();
    for (let i = 0; i < cells.length; i++) {
      for (let j = i + 1; j < cells.length; j++) {
        const [a, b] = [cells[i]!, cells[j]!];
        const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
        expect(overlap, `"${a.text}" overlaps "${b.text}"`).toBe(false);
      }
    }
    // Each line's total stands alone in its own cell, whatever the width.
    const totals = await page.getByTestId("summary").locator("td[data-total]").allTextContents();
    for (const total of totals) expect(total).toMatch(/^-?€[\d,]+\.\d\d$/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  });

  it.skipIf(!appDatabaseUrl)("says usage in the unit it is billed by, the same in the usage section and the summary", async () => {
    const rows = await query<{ category: string; units: string }>(sql`
      select r.category, sum(r.billable_units) as units
      from usage_records r join accounts a on a.id = r.account_id join subscriptions s on s.account_id = a.id
      where a.slug = 'acme' and r.category in ('outside_packages', 'sms')
        and (r.started_at at time zone a.time_zone)::date >= (s.current_period_start at time zone a.time_zone)::date
        and (r.started_at at time zone a.time_zone)::date < (s.current_period_end at time zone a.time_zone)::date
      group by r.category`);
    const units = Object.fromEntries(rows.map((r) => [r.category, Number(r.units)]));
    const minutes = `${Math.ceil(units.outside_packages! / 60).toLocaleString("en")} min`;
    const fragments = `${units.sms!.toLocaleString("en")} SMS fragments`;
    const context = await browser().newContext({ viewport: LAPTOP });
    const page = await openBilling(context, "admin@acme.test");
    const usage = page.getByTestId("not-included");
    expect(await usage.locator('tr[data-category="outside_packages"]').textContent()).toContain(minutes);
    expect(await usage.locator('tr[data-category="sms"]').textContent()).toContain(fragments);
    const calls = page.getByTestId("summary").locator('tbody[data-group="calls"]');
    expect(await calls.locator("tr[data-line]", { hasText: "Calls outside your packages" }).textContent()).toContain(minutes);
    expect(await calls.locator("tr[data-line]", { hasText: /^SMS/ }).textContent()).toContain(fragments);
    expect(await page.getByTestId("summary").textContent()).not.toMatch(/\d calls|\d messages/);
    await context.close();
  });

  it.skipIf(!appDatabaseUrl)("prices a yearly plan's add-on the same way in the add-ons section and the summary", async () => {
    const [addon] = await query<{ name: string; quantity: number; unit_price: string }>(sql`
      select x.name, ax.quantity, ax.unit_price from account_addons ax join addons x on x.id = ax.addon_id
      join accounts a on a.id = ax.account_id where a.slug = 'globex' and ax.ended_at is null`);
    const monthly = formatMoney(Number(addon!.unit_price), "USD");
    const context = await browser().newContext({ viewport: LAPTOP });
    const page = await openBilling(context, "admin@globex.test");
    const section = await page.getByTestId("addon").filter({ hasText: addon!.name }).textContent();
    expect(section).toContain(`${addon!.quantity} × ${monthly} per user a month`);
    expect(section).toContain(`${formatMoney(addon!.quantity * Number(addon!.unit_price), "USD")} a month`);
    const line = await page.getByTestId("summary").locator("tr[data-line]", { hasText: addon!.name }).textContent();
    expect(line).toContain(`${addon!.quantity} × ${monthly} a month × 12 months`);
    expect(await page.getByRole("region", { name: "Current plan and services summary" }).textContent()).toContain("(12 months, billed yearly)");
    await context.close();
  });

  it.skipIf(!appDatabaseUrl)("shows a prepaid bundle bought before the period as already paid, with its minutes left", async () => {
    const [bundle] = await query<{ name: string; left: number }>(sql`
      select b.name, floor((b.seconds_included - b.seconds_used) / 60)::int as left
      from prepaid_bundles b join accounts a on a.id = b.account_id join subscriptions s on s.account_id = a.id
      where a.slug = 'acme' and b.expires_at > now() and b.purchased_at < s.current_period_start`);
    const context = await browser().newContext({ viewport: LAPTOP });
    const page = await openBilling(context, "admin@acme.test");
    const line = page.getByTestId("summary").locator('tbody[data-group="calls"] tr[data-line]', { hasText: bundle!.name });
    expect(await line.locator("td[data-total]").getAttribute("data-total")).toBe("0");
    expect(await line.textContent()).toContain(`${bundle!.left.toLocaleString("en")} of`);
    await context.close();
  });

  it.skipIf(!appDatabaseUrl)("lists automatic top-ups among the recent billing changes, and opens Add credit from a button", async () => {
    const [latest] = await query<{ amount: string; status: string }>(sql`
      select t.amount, t.status from top_up_attempts t join accounts a on a.id = t.account_id
      where a.slug = 'acme' and t.kind = 'auto' and t.status in ('succeeded', 'failed', 'canceled')
      order by t.created_at desc limit 1`);
    const context = await browser().newContext({ viewport: PHONE, isMobile: true });
    const page = await openBilling(context, "admin@acme.test");
    const activity = await page.getByTestId("activity").textContent();
    if (latest!.status === "succeeded") {
      // A run of refills reads as one entry with their count and sum.
      expect(activity).toMatch(new RegExp(`Automatic top-up: ${formatMoney(Number(latest!.amount), "EUR").replace(/[.$]/g, "\\$&")} added|\\d+ automatic top-ups: €[\\d,.]+ added`));
    } else {
      expect(activity).toContain(`Automatic top-up of ${formatMoney(Number(latest!.amount), "EUR")}`);
    }
    expect(activity).not.toMatch(/\(vatNumber|\bvisa\b/);
    const open = page.getByRole("button", { name: "Add credit", expanded: false });
    await open.click();
    expect(await page.getByRole("button", { name: "Add credit", expanded: true }).count()).toBe(1);
    expect(await page.getByRole("form", { name: "Add credit" }).isVisible()).toBe(true);
    expect(await page.getByTestId("what-uses-credit").getByRole("link", { name: /Email support/ }).getAttribute("href")).toMatch(/^mailto:.+@.+/);
    await context.close();
  });

  it("shows every section with Acme's figures in two columns on a desktop, and passes axe", async () => {
    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await openBilling(context, "admin@acme.test");
    for (const name of SECTIONS) {
      expect(await page.getByRole("region", { name }).getByRole("heading", { level: 2, name }).count()).toBe(1);
    }
    await expectAcmeFigures(page);
    const [subscription, summary] = [await box(page, SECTIONS[0]!), await box(page, SECTIONS[5]!)];
    expect(summary.x).toBeGreaterThan(subscription.x + subscription.width - 1);
    expect(Math.abs(summary.y - subscription.y)).toBeLessThan(5);
    for (const label of ["Edit subscription and seats", "Add or remove seats", "Edit auto top-up settings", "Replace payment method", "Edit company billing details"]) {
      expect(await page.getByRole("link", { name: label }).count()).toBe(1);
    }
    expect(await page.getByText("Changes apply to future invoices only.").count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("stacks the sections in one column on a phone, with the same figures, and passes axe", async () => {
    const context = await browser().newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const page = await openBilling(context, "admin@acme.test");
    await expectAcmeFigures(page);
    const [subscription, company, summary] = [
      await box(page, SECTIONS[0]!),
      await box(page, SECTIONS[4]!),
      await box(page, SECTIONS[5]!),
    ];
    expect(Math.abs(summary.x - subscription.x)).toBeLessThan(2);
    expect(summary.y).toBeGreaterThan(company.y + company.height - 1);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("ignores another tenant's id in the query string", async () => {
    const context = await browser().newContext({ viewport: DESKTOP });
    const globexId = inject("globexId");
    const page = await openBilling(context, "admin@acme.test", `${BILLING}?accountId=${globexId}&account=globex&trend=x`);
    await expectAcmeFigures(page);
    expect(await page.getByText("Globex").count()).toBe(0);
    expect(await page.getByRole("img", { name: /Credit balance, last 30 days/ }).count()).toBe(1);
    await context.close();
  });

  it("switches the balance trend to 90 days", async () => {
    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await openBilling(context, "admin@acme.test");
    await page.getByRole("link", { name: "90 days" }).click();
    await page.waitForURL((url) => url.searchParams.get("trend") === "90");
    await expect.poll(() => page.getByRole("img", { name: /Credit balance, last 90 days/ }).count()).toBe(1);
    expect(await page.getByRole("link", { name: "90 days" }).getAttribute("aria-current")).toBe("true");
    await context.close();
  });

  it("shows Globex in dollars and New York time", async () => {
    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await openBilling(context, "admin@globex.test");
    expect(await page.getByTestId("grand-total").textContent()).toMatch(/^\$[\d,]+\.\d\d$/);
    expect(await page.getByTestId("payment-method").textContent()).toContain("ap@globex.test");
    expect(await page.getByTestId("auto-top-up").textContent()).toContain("Off.");
    // Auto top-up is off: the date credit runs out at the recent spend, written the American way.
    expect(await page.getByTestId("runway").textContent()).toMatch(
      /^(Runs out around [A-Z][a-z]{2} \d{1,2}, \d{4} at the last 30 days' spend|No usage charged from credit)/,
    );
    await context.close();
  });

  it("shows the empty states of a brand-new account", async () => {
    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await openBilling(context, "admin@fresh.test");
    for (const text of [
      "No plan yet. Choose a plan to add users and phone numbers.",
      "No add-ons active.",
      "No company details yet.",
      "No payment method saved.",
      "No credit movements yet",
      "No plan yet, so nothing is charged.",
    ]) {
      expect([text, await page.getByText(text).count()]).toEqual([text, 1]);
    }
    expect(await page.getByTestId("balance").textContent()).toBe("€0.00");
    expect(await page.getByTestId("credit-banner").textContent()).toContain("Your credit has run out");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it.each([
    ["capped", "Paused: the monthly cap of €500.00 is reached (€500.00 added automatically this month)."],
    ["nearcap", "Paused: the next top-up of €100.00 would go over the monthly cap of €450.00 (€400.00 added automatically this month)."],
  ])("says when the monthly cap holds auto top-up back, until when, and what it means for calls (%s)", async (slug, headline) => {
    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await openBilling(context, `admin@${slug}.test`);
    // The first of next month in the account's zone (Berlin), as the page writes dates.
    const berlin = zonedParts(new Date(), "Europe/Berlin");
    const resets = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" })
      .format(new Date(Date.UTC(berlin.year, berlin.month, 1)))
      .replace("Sept", "Sep");
    expect(await page.getByTestId("balance").textContent()).toBe("€11.34");
    const status = await page.getByTestId("auto-top-up").textContent();
    expect(status).toContain(headline);
    expect(status).toContain(
      `Auto top-up resumes when the cap resets on ${resets}. Outbound calls stop when the balance reaches zero until then, unless you add credit.`,
    );
    expect(status).not.toContain("On: adds");
    const banner = await page.getByTestId("credit-banner").textContent();
    expect(banner).toContain(`Auto top-up is paused by its monthly cap until ${resets}: add credit to keep calling.`);
    expect(banner).not.toContain("Auto top-up adds");
    await context.close();
  });

  it("shows a negative balance in red with what is blocked", async () => {
    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await openBilling(context, "admin@overdrawn.test");
    const balance = page.getByTestId("balance");
    expect(await balance.textContent()).toBe("-€3.10");
    // Red (Tailwind's red-700), unlike the dark text of a positive balance.
    expect(await balance.getAttribute("class")).toContain("text-red-700");
    const colors = await balance.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(document.body).color]);
    expect(colors[0]).not.toBe(colors[1]);
    const banner = await page.getByTestId("credit-banner").textContent();
    expect(banner).toContain("Your credit has run out");
    expect(banner).toContain("Outbound calls and inbound calls to toll-free numbers are blocked");
    await context.close();
  });
});
