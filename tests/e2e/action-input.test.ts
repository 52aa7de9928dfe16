import { sql } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { pageShows, submitTampered } from "./actions";
import { appUrl, signIn, skipReason, useBrowser } from "./browser";

const BILLING = "/dashboard/account/billing";
const databaseUrl = skipReason ? null : inject("appDatabaseUrl");
let handle: DatabaseHandle | undefined;

/** What a refused action must leave unchanged (Postgres only; the app holds PGlite). */
async function inputsState() {
  if (!handle) return null;
  const result = await handle.db.execute(sql`
    select (select count(*) from top_up_attempts t join accounts a on a.id = t.account_id where a.slug = 'inputs') as attempts,
           (select balance from credit_balances b join accounts a on a.id = b.account_id where a.slug = 'inputs') as balance,
           (select count(*) from payment_methods p join accounts a on a.id = p.account_id where a.slug = 'inputs') as methods,
           (select row_to_json(s) from auto_top_up_settings s join accounts a on a.id = s.account_id where a.slug = 'inputs') as settings,
           (select count(*) from audit_log l join accounts a on a.id = l.account_id where a.slug = 'inputs') as audit,
           (select row_to_json(d) from billing_details d join accounts a on a.id = d.account_id where a.slug = 'inputs') as details,
           (select seats_purchased from subscriptions s join accounts a on a.id = s.account_id where a.slug = 'inputs') as seats,
           (select count(*) from subscription_changes c join accounts a on a.id = c.account_id where a.slug = 'inputs') as seat_changes,
           (select count(*) from users u join accounts a on a.id = u.account_id where a.slug = 'inputs' and u.active) as active_users`);
  return (result as unknown as { rows: unknown[] }).rows[0];
}

const UUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const HUGE = "9".repeat(10_000);

describe.skipIf(!!skipReason)("bad input to every billing action gets a clear error and changes nothing", () => {
  const browser = useBrowser();
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    if (databaseUrl) handle = await openDatabase({ url: databaseUrl, poolMax: 2 });
    context = await browser().newContext();
    page = await signIn(context, "admin@inputs.test");
  });
  afterAll(async () => {
    await context?.close();
    await handle?.close();
  });

  type Hook = () => Promise<void>;
  const nothing: Hook = async () => {};

  async function addCredit(fields: Record<string, string>, beforeSubmit = nothing) {
    await page.goto(appUrl(BILLING));
    await page.getByTestId("add-credit").getByRole("button", { name: "Add credit", expanded: false }).click();
    const form = page.getByRole("form", { name: "Add credit" });
    if (fields.customAmount !== undefined) {
      await form.getByText("Other amount").click();
      await form.getByLabel(/Custom amount/).fill("10");
    } else {
      await form.locator("label").filter({ hasText: "€25.00" }).click();
    }
    await beforeSubmit();
    return submitTampered(page, () => form.getByRole("button", { name: "Add credit" }).click(), fields);
  }

  it.each([
    ["an amount that is not offered", { amount: "999999999" }, "Choose one of the amounts shown."],
    ["a negative custom amount", { amount: "custom", customAmount: "-50" }, "Enter an amount such as 50 or 49.90."],
    ["a custom amount in exponent form", { amount: "custom", customAmount: "1e3" }, "Enter an amount such as 50 or 49.90."],
    ["full-width digits", { amount: "custom", customAmount: "５０" }, "Enter an amount such as 50 or 49.90."],
    ["a long string", { amount: "custom", customAmount: "1".repeat(25) }, "Enter an amount such as 50 or 49.90."],
    ["10,000 characters", { amount: "custom", customAmount: HUGE }, "A field is too long."],
    ["an SQL-looking key", { idempotencyKey: "'; drop table users; --" }, "This form has expired; reload the page."],
    ["another tenant's account id", { amount: "custom", customAmount: "999999", accountId: UUID }, "Enter an amount from €10.00 to €5,000.00."],
  ])("add credit: %s", async (_, fields, message) => {
    const before = await inputsState();
    await addCredit(fields);
    expect(await pageShows(page, message)).toBe(true);
    expect(await inputsState()).toEqual(before);
  });

  it("add credit: HTML and script typed into the custom amount", async () => {
    const before = await inputsState();
    await page.goto(appUrl(BILLING));
    await page.getByTestId("add-credit").getByRole("button", { name: "Add credit", expanded: false }).click();
    const form = page.getByRole("form", { name: "Add credit" });
    await form.getByText("Other amount").click();
    await form.getByLabel(/Custom amount/).fill("<script>alert(1)</script>");
    await form.getByRole("button", { name: "Add credit" }).click();
    expect(await pageShows(page, "Enter an amount such as 50 or 49.90.")).toBe(true);
    // Shown back as text in the field, never run.
    expect(await form.getByLabel(/Custom amount/).inputValue()).toBe("<script>alert(1)</script>");
    expect(await inputsState()).toEqual(before);
  });

  async function saveAutoTopUp(fields: Record<string, string>, beforeSubmit = nothing) {
    await page.goto(appUrl(`${BILLING}/auto-top-up`));
    await beforeSubmit();
    return submitTampered(page, () => page.getByRole("button", { name: "Save auto top-up" }).click(), fields);
  }

  it.each([
    ["a threshold below the minimum", { threshold: "1" }, "Enter an amount from €5.00 to €1,000.00."],
    ["an amount above the maximum", { amount: "5000.01" }, "Enter an amount from €10.00 to €5,000.00."],
    ["three decimals", { amount: "20.001" }, "Enter an amount such as 50 or 49.90."],
    ["a cap below the amount", { amount: "50", monthlyCap: "20" }, "The monthly cap must be at least the top-up amount."],
    ["an unknown switch value", { enabled: "yes" }, "Tick the box to turn auto top-up on, or leave it empty."],
    ["10,000 characters", { threshold: HUGE }, "A field is too long."],
  ])("auto top-up settings: %s", async (_, fields, message) => {
    const before = await inputsState();
    await saveAutoTopUp(fields);
    expect(await pageShows(page, message)).toBe(true);
    expect(await inputsState()).toEqual(before);
  });

  async function savePaymentMethod(fields: Record<string, string>, beforeSubmit = nothing) {
    await page.goto(appUrl(`${BILLING}/payment-method`));
    await page.getByLabel("Card number").fill("4242424242424242");
    await page.getByLabel("Expiry (MM/YY)").fill("12/34");
    await beforeSubmit();
    return submitTampered(page, () => page.getByRole("button", { name: "Save payment method" }).click(), fields);
  }

  it.each([
    ["a card that is not a test card", { cardNumber: "4242424242424241" }, "use one of Stripe's test card numbers"],
    ["a card the bank declines", { cardNumber: "4000000000000002" }, "The card was declined. Contact the bank or use another payment method."],
    ["an expired card", { expiry: "01/20" }, "This card has expired."],
    ["a malformed expiry", { expiry: "13/99" }, "Enter the expiry as MM/YY."],
    ["an unknown method", { type: "bitcoin" }, "Choose card or PayPal."],
    ["PayPal without an email", { type: "paypal", paypalEmail: "<b>me</b>" }, "Enter the PayPal account"],
  ])("payment method: %s", async (_, fields, message) => {
    const before = await inputsState();
    await savePaymentMethod(fields);
    expect(await pageShows(page, message)).toBe(true);
    expect(await inputsState()).toEqual(before);
  });

  async function saveCompanyDetails(fields: Record<string, string>, beforeSubmit = nothing) {
    await page.goto(appUrl(`${BILLING}/company-details`));
    await page.getByLabel("Street and number").fill("Hauptstraße 1");
    await page.getByLabel("City").fill("Berlin");
    await page.getByLabel("Postal code").fill("10115");
    await page.getByLabel("Invoice email").fill("ap@inputs.test");
    await beforeSubmit();
    return submitTampered(page, () => page.getByRole("button", { name: "Save company details" }).click(), fields);
  }

  it.each([
    ["a country that does not exist", { country: "XX" }, "Choose a country from the list."],
    ["a company name of 10,000 characters", { companyName: "x".repeat(10_000) }, "A field is too long."],
    ["a 201-character company name", { companyName: "x".repeat(201) }, "Use at most 200 characters."],
    ["script in the email", { invoiceEmail: "<script>@x" }, "Enter an email address such as invoices@example.com."],
    ["another country's VAT number", { vatNumber: "FR40303265045" }, "This VAT number's country (France) is not the company's country (Germany)."],
  ])("company details: %s", async (_, fields, message) => {
    const before = await inputsState();
    await saveCompanyDetails(fields);
    expect(await pageShows(page, message)).toBe(true);
    expect(await inputsState()).toEqual(before);
  });

  async function previewSeats(fields: Record<string, string>, beforeSubmit = nothing) {
    await page.goto(appUrl(`${BILLING}/seats`));
    await page.getByLabel(/^Seats/).fill("6");
    await beforeSubmit();
    return submitTampered(page, () => page.getByRole("button", { name: "Preview change" }).click(), fields);
  }

  it.each([
    ["letters", { quantity: "abc" }, "Enter a whole number of seats."],
    ["a fraction", { quantity: "1.5" }, "Enter a whole number of seats."],
    ["a negative number", { quantity: "-3" }, "Enter a whole number of seats, at least 1."],
    ["more than the plan allows", { quantity: "51" }, "The plan allows up to 50 seats."],
    ["10,000 digits", { quantity: HUGE }, "This is too long."],
  ])("seats preview: %s", async (_, fields, message) => {
    const before = await inputsState();
    await previewSeats(fields);
    expect(await pageShows(page, message)).toBe(true);
    expect(await inputsState()).toEqual(before);
  });

  it("seats: a confirmation with a forged key or another quantity than previewed is refused or bounded", async () => {
    const before = await inputsState();
    await previewSeats({});
    await page.getByRole("button", { name: "Confirm change" }).waitFor();
    await submitTampered(page, () => page.getByRole("button", { name: "Confirm change" }).click(), { idempotencyKey: "x" });
    expect(await pageShows(page, "This form has expired; reload the page.")).toBe(true);
    await page.goto(appUrl(`${BILLING}/seats`));
    await page.getByLabel(/^Seats/).fill("6");
    await page.getByRole("button", { name: "Preview change" }).click();
    await page.getByRole("button", { name: "Confirm change" }).waitFor();
    await submitTampered(page, () => page.getByRole("button", { name: "Confirm change" }).click(), { quantity: "0" });
    expect(await pageShows(page, "Enter a whole number of seats, at least 1.")).toBe(true);
    expect(await inputsState()).toEqual(before);
  });

  it("seats: a confirmation priced at another instant than the preview's recent one is refused", async () => {
    const before = await inputsState();
    // An earlier instant would price a removal as a larger credit: only the preview's, while fresh, is taken.
    for (const pricedAt of [String(Date.now() - 60 * 60_000), String(Date.now() + 60 * 60_000), "", "soon"]) {
      await page.goto(appUrl(`${BILLING}/seats`));
      await page.getByLabel(/^Seats/).fill("6");
      await page.getByRole("button", { name: "Preview change" }).click();
      await page.getByRole("button", { name: "Confirm change" }).waitFor();
      await submitTampered(page, () => page.getByRole("button", { name: "Confirm change" }).click(), { pricedAt });
      expect([pricedAt, await pageShows(page, "This preview has expired; preview the change again.")]).toEqual([pricedAt, true]);
    }
    expect(await inputsState()).toEqual(before);
  });

  it("confirming another tenant's payment is refused", async () => {
    // Make a payment wait for authentication on this tenant, then aim at another id.
    await page.goto(appUrl(`${BILLING}/payment-method`));
    await page.getByLabel("Card number").fill("4000002760003184");
    await page.getByLabel("Expiry (MM/YY)").fill("12/34");
    await page.getByRole("button", { name: "Save payment method" }).click();
    await page.waitForURL(appUrl(BILLING));
    await page.getByTestId("add-credit").getByRole("button", { name: "Add credit", expanded: false }).click();
    const form = page.getByRole("form", { name: "Add credit" });
    await form.locator("label").filter({ hasText: "€25.00" }).click();
    await form.getByRole("button", { name: "Add credit" }).click();
    await page.getByRole("link", { name: "Confirm with your bank" }).first().click();
    // The link is a full page load: a click before the page is hydrated would post the form without the action's header.
    await page.waitForURL((url) => url.pathname.includes("/authenticate/"));
    await page.waitForLoadState("networkidle");
    const before = await inputsState();
    await submitTampered(page, () => page.getByRole("button", { name: "Confirm payment" }).click(), { attemptId: UUID });
    expect(await pageShows(page, "This payment is not waiting for authentication.")).toBe(true);
    await page.reload();
    await submitTampered(page, () => page.getByRole("button", { name: "Confirm payment" }).click(), { attemptId: "1 or 1=1" });
    expect(await pageShows(page, "This payment link is not valid.")).toBe(true);
    expect(await inputsState()).toEqual(before);
  });

  async function copyExportLink(fields: Record<string, string>, beforeSubmit = nothing) {
    await page.goto(appUrl(BILLING));
    await page.getByTestId("export").locator("summary").click();
    await beforeSubmit();
    return submitTampered(page, () => page.getByRole("button", { name: "Copy link" }).click(), fields);
  }

  it.each([
    ["a date that does not exist", { from: "2026-02-30" }, "from must be a date as YYYY-MM-DD"],
    ["a date in another format", { to: "31/10/2026" }, "to must be a date as YYYY-MM-DD"],
    ["from after to", { from: "2026-11-01", to: "2026-10-01" }, "from must not be after to"],
    ["a range over five years", { from: "2019-01-01", to: "2026-10-01" }, "the range may be at most 5 years"],
    ["an unknown type", { type: "free_money" }, "type must be one of"],
    ["10,000 characters", { type: HUGE }, "A field is too long."],
  ])("copy export link: %s", async (_, fields, message) => {
    await copyExportLink(fields);
    expect(await pageShows(page, message)).toBe(true);
    expect(await page.getByLabel("Export link").count()).toBe(0);
  });

  it("copy export link: another tenant's account id in the form still signs a link for this tenant only", async () => {
    await copyExportLink({ from: "2026-10-01", to: "2026-10-31", accountId: UUID, account: UUID });
    expect(await pageShows(page, "Link copied.")).toBe(true);
    const link = new URL(await page.getByLabel("Export link").inputValue());
    const session = (await (await context.request.get(appUrl("/api/auth/session"))).json()) as { accountId: string; userId: string };
    expect(link.searchParams.get("account")).toBe(session.accountId);
    expect(link.searchParams.get("by")).toBe(session.userId);
    expect(link.searchParams.get("account")).not.toBe(UUID);
  });

  it("refuses every action to an agent of the same tenant", async () => {
    const agentContext = await browser().newContext();
    await signIn(agentContext, "agent@inputs.test", "/dashboard");
    const agentCookies = await agentContext.cookies();
    const before = await inputsState();
    const adminCookies = await context.cookies();
    // The admin's page is loaded, then the action is sent with the agent's session.
    const asAgent = async () => {
      await context.clearCookies();
      await context.addCookies(agentCookies);
    };
    for (const submit of [
      () => addCredit({}, asAgent),
      () => saveAutoTopUp({}, asAgent),
      () => savePaymentMethod({}, asAgent),
      () => saveCompanyDetails({}, asAgent),
      () => previewSeats({}, asAgent),
      () => copyExportLink({}, asAgent),
      async () => {
        await page.goto(appUrl("/dashboard/account/users"));
        await asAgent();
        await submitTampered(page, () => page.getByRole("button", { name: "Deactivate Agent" }).click(), {});
      },
    ]) {
      try {
        await submit();
        expect(await pageShows(page, "Only admins can change billing.")).toBe(true);
      } finally {
        await context.clearCookies();
        await context.addCookies(adminCookies);
      }
    }
    expect(await inputsState()).toEqual(before);
    await agentContext.close();
  });
});
