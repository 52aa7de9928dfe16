import { sql } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appUrl, signIn, skipReason, useAppDatabase, useBrowser } from "./browser";

const BILLING = "/dashboard/account/billing";
const appDatabase = useAppDatabase();

/** One row of the app's database (Postgres only: the app holds PGlite alone); null without it. */
async function row(query: ReturnType<typeof sql>): Promise<Record<string, unknown> | null> {
  const handle = appDatabase();
  if (!handle) return null;
  return ((await handle.db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows[0] ?? {};
}

/** What a refused save must leave as it was: the tenant's settings, details, payment methods, seats and audit log. */
const tenantState = (slug: string) =>
  row(sql`
    select (select row_to_json(s) from auto_top_up_settings s where s.account_id = a.id) as settings,
           (select row_to_json(d) from billing_details d where d.account_id = a.id) as details,
           (select json_agg(p.provider_payment_method_id order by p.created_at) from payment_methods p where p.account_id = a.id) as methods,
           (select seats_purchased from subscriptions s where s.account_id = a.id) as seats,
           (select count(*)::int from audit_log l where l.account_id = a.id) as audit
    from accounts a where a.slug = ${slug}`);

const savedNotice = (page: Page) => page.locator("main").getByRole("status").getByTestId("saved-notice");

/** The confirmation on the billing page: in view near the top, said once (gone after a reload). */
async function expectNotice(page: Page, text: string, viewportHeight: number) {
  await page.waitForURL(appUrl(BILLING));
  await expect.poll(() => savedNotice(page).textContent()).toBe(text);
  const box = await savedNotice(page).boundingBox();
  expect(box && box.y + box.height <= viewportHeight, "the confirmation is in view without scrolling").toBe(true);
  await page.reload();
  await page.getByTestId("company-details").or(page.getByText("No company details yet.")).first().waitFor();
  expect(await savedNotice(page).count(), "gone after a reload").toBe(0);
}

describe.skipIf(!!skipReason).each([
  { device: "laptop", width: 1440, height: 900, slug: "desk", money: (n: string) => `€${n}` },
  { device: "phone", width: 390, height: 844, slug: "phone", money: (n: string) => `$${n}` },
])("saving on a $device ($width px)", ({ width, height, slug, money }) => {
  const browser = useBrowser();
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser().newContext({ viewport: { width, height } });
    page = await signIn(context, `admin@${slug}.test`);
  });
  afterAll(async () => {
    await context?.close();
  });

  it("marks refused auto top-up amounts, keeps what was typed, and changes nothing", async () => {
    const before = await tenantState(slug);
    await page.goto(appUrl(`${BILLING}/auto-top-up`));
    const threshold = page.getByLabel(/When the balance drops below/);
    const amount = page.getByLabel(/^Add/);
    await page.getByLabel("Top up automatically").check();
    await threshold.fill("abc");
    await amount.fill("5");
    await page.getByRole("button", { name: "Save auto top-up" }).click();
    await expect.poll(() => page.locator("#threshold-error").textContent()).toBe("Enter an amount such as 50 or 49.90.");
    expect(await page.locator("#amount-error").textContent()).toBe(`Enter an amount from ${money("10.00")} to ${money("5,000.00")}.`);
    const cap = page.getByLabel(/At most per month/);
    const border = (field: typeof cap) => field.evaluate((el) => getComputedStyle(el).borderTopColor);
    for (const [field, typed, error] of [[threshold, "abc", "threshold-error"], [amount, "5", "amount-error"]] as const) {
      expect(await field.getAttribute("aria-invalid")).toBe("true");
      expect(await field.getAttribute("aria-describedby")).toContain(error);
      expect(await field.inputValue(), "what was typed").toBe(typed);
      expect(await border(field), "a border of another colour than a valid field's").not.toBe(await border(cap));
    }
    expect(await cap.getAttribute("aria-invalid")).toBeNull();
    expect(await page.getByLabel("Top up automatically").isChecked()).toBe(true);
    expect(page.url()).toBe(appUrl(`${BILLING}/auto-top-up`));
    expect(await tenantState(slug), "nothing changed").toEqual(before);
  });

  it("saves auto top-up and says what was saved on the billing page", async () => {
    await page.goto(appUrl(`${BILLING}/auto-top-up`));
    await page.getByLabel("Top up automatically").check();
    await page.getByLabel(/When the balance drops below/).fill("20");
    await page.getByLabel(/^Add/).fill("100");
    await page.getByLabel(/At most per month/).fill("500");
    await page.getByRole("button", { name: "Save auto top-up" }).click();
    await expectNotice(
      page,
      `Auto top-up saved: ${money("100.00")} when credit falls below ${money("20.00")}, up to ${money("500.00")} a month.`,
      height,
    );
    const saved = await row(sql`select s.enabled, s.threshold::int, s.amount::int, s.monthly_cap::int from auto_top_up_settings s join accounts a on a.id = s.account_id where a.slug = ${slug}`);
    if (saved) expect(saved).toEqual({ enabled: true, threshold: 2_000, amount: 10_000, monthly_cap: 50_000 });
  });

  it("saves company details, then names what a second save changed", async () => {
    const us = slug === "phone";
    const taxId = us ? "EIN" : "VAT number";
    await page.goto(appUrl(`${BILLING}/company-details`));
    await page.getByLabel("Company name").fill(us ? "Phone Inc." : "Desk GmbH");
    await page.getByLabel("Country").selectOption(us ? "US" : "DE");
    await page.getByLabel(taxId).fill(us ? "12-3456789" : "DE136695976");
    await page.getByLabel("Invoice email").fill(`ap@${slug}.test`);
    await page.getByLabel("Street and number").fill(us ? "350 Fifth Avenue" : "Friedrichstraße 68");
    await page.getByLabel("City").fill(us ? "New York" : "Berlin");
    if (us) await page.getByLabel("State").fill("NY");
    await page.getByLabel(us ? "ZIP code" : "Postal code").fill(us ? "10118" : "10117");
    await page.getByRole("button", { name: "Save company details" }).click();
    await expectNotice(page, "Company details saved. They apply to future invoices.", height);
    const details = page.getByTestId("company-details");
    expect(await details.locator("dt").nth(1).textContent()).toBe(taxId);
    expect(await details.textContent()).toContain(us ? "12-3456789" : "DE136695976");
    const address = await details.locator("dd").nth(3).innerText();
    expect(address.split("\n")).toEqual(
      us ? ["350 Fifth Avenue", "New York, NY 10118", "United States"] : ["Friedrichstraße 68", "10117 Berlin", "Germany"],
    );

    await page.getByRole("link", { name: "Edit company billing details" }).click();
    await page.getByLabel(taxId).fill(us ? "98-7654321" : "DE129273398");
    await page.getByLabel("Invoice email").fill(`billing@${slug}.test`);
    await page.getByRole("button", { name: "Save company details" }).click();
    await expectNotice(page, `Company details saved: ${taxId} and invoice email changed. They apply to future invoices.`, height);
    const saved = await row(sql`select d.vat_number, d.invoice_email, d.region from billing_details d join accounts a on a.id = d.account_id where a.slug = ${slug}`);
    if (saved) expect(saved).toEqual(us ? { vat_number: "987654321", invoice_email: "billing@phone.test", region: "NY" } : { vat_number: "DE129273398", invoice_email: "billing@desk.test", region: null });
  });

  it("marks refused company details, keeps what was typed, and changes nothing", async () => {
    const before = await tenantState(slug);
    await page.goto(appUrl(`${BILLING}/company-details`));
    await page.getByLabel("Country").selectOption("US");
    await page.getByLabel("Company name").fill("Renamed & Co");
    await page.getByLabel("State").fill("Narnia");
    await page.getByLabel("EIN").fill("12");
    await page.getByRole("button", { name: "Save company details" }).click();
    await expect.poll(() => page.locator("#region-error").textContent()).toBe("Enter the state as its code, such as NY.");
    expect(await page.locator("#vatNumber-error").textContent()).toBe("This is not the format of an EIN, such as 12-3456789.");
    expect(await page.getByLabel("State").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("State").inputValue()).toBe("Narnia");
    expect(await page.getByLabel("Company name").inputValue()).toBe("Renamed & Co");
    expect(await page.getByLabel("Country").inputValue()).toBe("US");
    expect(await page.locator("form").getByRole("alert").textContent()).toBe("Please correct the highlighted fields.");
    expect(await tenantState(slug), "nothing changed").toEqual(before);
  });

  it("keeps a declined card number as typed, without the server sending it back, and changes nothing", async () => {
    const before = await tenantState(slug);
    await page.goto(appUrl(`${BILLING}/payment-method`));
    await page.getByLabel("Card number").fill("4000 0000 0000 0002");
    await page.getByLabel("Expiry (MM/YY)").fill("12/34");
    // The server's answer, read on its way to the page.
    let body: string | null = null;
    await page.route(
      (url) => url.pathname.startsWith(BILLING),
      async (route) => {
        if (route.request().method() !== "POST" || !route.request().headers()["next-action"]) return route.continue();
        const response = await route.fetch();
        body = await response.text();
        await route.fulfill({ response, body });
      },
    );
    await page.getByRole("button", { name: "Save payment method" }).click();
    await expect.poll(() => body !== null).toBe(true);
    await page.unrouteAll({ behavior: "wait" });
    await expect.poll(() => page.locator("#cardNumber-error").textContent()).toBe("The card was declined. Contact the bank or use another payment method.");
    expect(body, "the server's answer").not.toMatch(/4000\s?0000\s?0000\s?0002/);
    expect(await page.getByLabel("Card number").inputValue()).toBe("4000 0000 0000 0002");
    expect(await page.getByLabel("Card number").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Expiry (MM/YY)").inputValue()).toBe("12/34");
    expect(await tenantState(slug), "nothing changed").toEqual(before);
  });

  it("saves a payment method and names it on the billing page", async () => {
    await page.goto(appUrl(`${BILLING}/payment-method`));
    await page.getByLabel("Card number").fill("5555 5555 5555 4444");
    await page.getByLabel("Expiry (MM/YY)").fill("11/33");
    await page.getByRole("button", { name: "Save payment method" }).click();
    await expectNotice(page, "Payment method saved: Mastercard ending in 4444.", height);
    expect(await page.getByTestId("payment-method").textContent()).toContain("Mastercard card ending in 4444");
  });

  it("answers a bad export range in the form, on the billing page", async () => {
    await page.goto(appUrl(BILLING));
    await page.getByTestId("export").locator("summary").click();
    const form = page.getByRole("form", { name: "Export credit movements" });
    const from = form.getByLabel("From", { exact: true });
    for (const [start, end, message] of [
      ["2026-10-31", "2026-10-01", "The start date is after the end date. Choose a start on or before the end."],
      ["2019-01-01", "2026-01-02", "Choose a range of at most 5 years."],
    ] as const) {
      await from.fill(start);
      await form.getByLabel("To", { exact: true }).fill(end);
      await form.getByRole("button", { name: "Download CSV" }).click();
      await expect.poll(() => form.getByRole("alert").textContent()).toBe(message);
      expect(page.url()).toBe(appUrl(BILLING));
    }
    expect(await form.getByLabel("To", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await form.getByRole("button", { name: "Copy link" }).click();
    expect(await form.getByLabel("Export link").count(), "no link made for it").toBe(0);
  });
});

describe.skipIf(!!skipReason)("the confirmation and refusals that cannot be forged or flood the page", () => {
  const browser = useBrowser();

  it("refuses fewer seats than the 25 in use briefly, naming a few and linking to the users", async () => {
    const context = await browser().newContext({ viewport: { width: 390, height: 844 } });
    const page = await signIn(context, "admin@crowd.test", `${BILLING}/seats`);
    const before = await tenantState("crowd");
    await page.getByLabel(/^Seats/).fill("5");
    await page.getByRole("button", { name: "Preview change" }).click();
    const error = page.locator("#quantity-error");
    await expect.poll(() => error.textContent()).toBe(
      "25 seats are in use (Admin, Agent, Crowd User 01 and 22 more), so you can't go below 25. Deactivate users first.",
    );
    expect(await error.textContent()).not.toContain("@");
    const users = page.getByRole("link", { name: "Manage users" });
    expect(await users.getAttribute("href")).toBe("/dashboard/account/users");
    expect(await page.getByRole("button", { name: "Confirm change" }).count()).toBe(0);
    expect(await tenantState("crowd"), "nothing changed").toEqual(before);
    await context.close();
  });

  it("shows no confirmation from a cookie this server did not seal", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@desk.test");
    const url = new URL(appUrl(BILLING));
    await context.addCookies([
      { name: "billing_notice", value: `${Buffer.from("Your account is suspended: call +1 555 0100").toString("base64url")}.forged`, domain: url.hostname, path: BILLING },
    ]);
    await page.goto(appUrl(`${BILLING}?notice=Your+account+is+suspended`));
    await page.getByTestId("company-details").or(page.getByText("No company details yet.")).first().waitFor();
    expect(await savedNotice(page).count()).toBe(0);
    expect(await page.locator("main").textContent()).not.toContain("suspended");
    await context.close();
  });
});
