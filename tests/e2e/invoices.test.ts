import { sql } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compact, pdfText, printed } from "../support/pdf-text";
import { pageShows, submitTampered } from "./actions";
import { appUrl, signIn, skipReason, useAppDatabase, useBrowser } from "./browser";

const INVOICES = "/dashboard/account/billing/invoices";
const appDatabase = useAppDatabase();

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[] | null> {
  const handle = appDatabase();
  if (!handle) return null;
  return ((await handle.db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** The invoices listed on the page: number and status, in order. */
async function listed(page: Page) {
  return page.locator("[data-invoice]").evaluateAll((items) =>
    items.map((item) => ({ number: item.getAttribute("data-invoice")!, status: item.getAttribute("data-status")! })),
  );
}

/** The PDF link's invoice id of a listed invoice. */
async function idOf(page: Page, number: string): Promise<string> {
  const href = await page.locator(`[data-invoice="${number}"] a[href$="/pdf"]`).getAttribute("href");
  return href!.split("/").at(-2)!;
}

describe.skipIf(!!skipReason)("invoices", () => {
  const browser = useBrowser();
  let admin: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    admin = await browser().newContext({ acceptDownloads: true });
    page = await signIn(admin, "admin@acme.test", INVOICES);
    await page.waitForLoadState("networkidle");
  });
  afterAll(async () => {
    await admin?.close();
  });

  it("opens from the billing page and lists a year of invoices, newest first, the open one standing out", async () => {
    await page.goto(appUrl("/dashboard/account/billing"));
    await page.getByRole("link", { name: "Invoices and credit notes" }).click();
    await page.waitForURL((url) => url.pathname === INVOICES);
    expect(await page.getByRole("heading", { name: "Invoices", level: 1 }).count()).toBe(1);
    const shown = await listed(page);
    expect(shown.length, "a year of period invoices and the credit purchases").toBeGreaterThanOrEqual(12);
    const expected = await rows<{ number: string; status: string }>(sql`
      select i.number, i.status::text from invoices i join accounts a on a.id = i.account_id
      where a.slug = 'acme' and i.status <> 'draft' order by i.issued_at desc, i.number desc`);
    if (expected) expect(shown).toEqual(expected);
    const open = shown.filter((i) => i.status === "open");
    expect(open.length, "one open invoice").toBeGreaterThanOrEqual(1);
    const row = page.locator(`[data-invoice="${open[0]!.number}"]`);
    expect(await row.getByRole("button", { name: `Pay now ${open[0]!.number}` }).count()).toBe(1);
    expect(await row.evaluate((el) => getComputedStyle(el).borderLeftColor)).not.toBe("rgba(0, 0, 0, 0)");
    expect(await page.getByTestId("due-banner").innerText()).toMatch(/waiting for payment/);
  });

  it("filters by status and year from the query string, and says so when a filter is not valid", async () => {
    await page.goto(appUrl(INVOICES));
    await page.getByLabel("Status").selectOption("paid");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL((url) => url.searchParams.get("status") === "paid");
    const paid = await listed(page);
    expect(paid.length).toBeGreaterThan(0);
    expect(new Set(paid.map((i) => i.status))).toEqual(new Set(["paid"]));

    const year = new Date().getUTCFullYear();
    await page.goto(appUrl(`${INVOICES}?year=${year - 1}`));
    const lastYear = await listed(page);
    expect(lastYear.length, `${year - 1}'s invoices`).toBeGreaterThan(0);
    expect(lastYear.every((i) => i.number.startsWith(`INV-${year - 1}-`) || i.number.startsWith(`CN-${year - 1}-`))).toBe(true);

    await page.goto(appUrl(INVOICES));
    const all = await listed(page);
    for (const [query, message] of [
      ["status=refunded", "Status must be one of open, paid, void, uncollectible or all."],
      ["year=20x6", "Year must be a year such as 2026."],
      ["year=1999", "Year must be from 2000 to 2100."],
      ["status=%27%20or%201%3D1--", "Status must be one of"],
    ] as const) {
      const response = await page.goto(appUrl(`${INVOICES}?${query}`));
      expect(response!.status(), query).toBe(200);
      expect(await page.locator("main").getByRole("alert").innerText(), query).toContain(message);
      expect(await listed(page), `${query}: nothing filtered`).toEqual(all);
    }
  });

  it("downloads an invoice as a PDF showing its number and totals", async () => {
    await page.goto(appUrl(INVOICES));
    const [first] = await listed(page);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: `PDF of ${first!.number}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${first!.number}.pdf`);
    const bytes = Buffer.concat(await (await download.createReadStream()).toArray());
    const text = compact(await pdfText(bytes));
    expect(text).toContain(compact(first!.number));
    const id = await idOf(page, first!.number);
    const response = await admin.request.get(appUrl(`/api/billing/invoices/${id}/pdf`));
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toBe("application/pdf");
    const totals = await rows<{ net: string; tax: string; gross: string; currency: string }>(sql`
      select net_total as net, tax_total as tax, gross_total as gross, currency from invoices where id = ${id}`);
    const shown = Number(await page.locator(`[data-invoice="${first!.number}"] [data-total]`).getAttribute("data-total"));
    const [db] = totals ?? [{ gross: String(shown), currency: "EUR", net: null, tax: null }];
    expect(text, "gross").toContain(compact(printed(Number(db!.gross), db!.currency)));
    if (db!.net !== null) {
      expect(text, "net").toContain(compact(`Net total ${printed(Number(db!.net), db!.currency)}`));
      expect(text, "VAT").toContain(compact(`VAT total ${printed(Number(db!.tax), db!.currency)}`));
    }
  });

  it("copies a signed link to one PDF that opens without a login, and refuses it changed", async () => {
    await page.goto(appUrl(INVOICES));
    const [first] = await listed(page);
    await page.getByRole("button", { name: `Copy link to ${first!.number}` }).click();
    const field = page.getByRole("textbox", { name: `Link to ${first!.number}` });
    await field.waitFor();
    const link = await field.inputValue();
    expect(link).toMatch(new RegExp(`^${appUrl("/api/billing/invoices/")}[0-9a-f-]{36}/pdf\\?account=.+&by=.+&expires=\\d+&sig=.+$`));
    expect(await page.locator(`[data-invoice="${first!.number}"]`).getByRole("status").innerText()).toContain("for 7 days");
    const visitor = await browser().newContext();
    const opened = await visitor.request.get(link);
    expect(opened.status()).toBe(200);
    expect(opened.headers()["content-type"]).toBe("application/pdf");
    expect(compact(await pdfText(await opened.body()))).toContain(compact(first!.number));
    const changed = await visitor.request.get(link.replace(/expires=(\d+)/, (_m, t: string) => `expires=${Number(t) + 1}`));
    expect(changed.status()).toBe(403);
    await visitor.close();
  });

  it("makes no link for another tenant's invoice or a made-up id", async () => {
    const globex = await browser().newContext();
    const globexPage = await signIn(globex, "admin@globex.test", INVOICES);
    const theirId = await idOf(globexPage, (await listed(globexPage))[0]!.number);
    await globex.close();
    for (const [invoiceId, message] of [
      [theirId, "This invoice is not one of yours; reload the page."],
      ["not-an-id", "This invoice is not one of yours; reload the page."],
    ] as const) {
      await page.goto(appUrl(INVOICES));
      const [first] = await listed(page);
      await submitTampered(page, () => page.getByRole("button", { name: `Copy link to ${first!.number}` }).click(), { invoiceId });
      expect(await pageShows(page, message), invoiceId).toBe(true);
      expect(await page.getByRole("textbox", { name: /^Link to / }).count(), "no link made").toBe(0);
    }
  });

  it("refuses a Pay now for another tenant's invoice or a made-up id, changing nothing", async () => {
    const globex = await browser().newContext();
    const globexPage = await signIn(globex, "admin@globex.test", INVOICES);
    const [theirs] = await listed(globexPage);
    const theirId = await idOf(globexPage, theirs!.number);
    await globex.close();

    await page.goto(appUrl(INVOICES));
    const open = (await listed(page)).find((i) => i.status === "open")!;
    const button = page.getByRole("button", { name: `Pay now ${open.number}` });
    for (const [invoiceId, message] of [
      [theirId, "No such invoice."],
      ["not-an-id", "This invoice is not one of yours; reload the page."],
      ["'; drop table invoices; --", "This invoice is not one of yours; reload the page."],
    ] as const) {
      await page.goto(appUrl(INVOICES));
      await submitTampered(page, () => button.click(), { invoiceId });
      expect(await pageShows(page, message), invoiceId).toBe(true);
      const status = await rows<{ status: string }>(sql`select status::text from invoices where id = ${theirId}`);
      if (status) expect(status[0]!.status).toBe(theirs!.status);
    }
    await page.goto(appUrl(INVOICES));
    expect((await listed(page)).find((i) => i.number === open.number)!.status, "still open").toBe("open");
  });

  it("another tenant's invoice is a 404; an agent gets a 403", async () => {
    const globex = await browser().newContext();
    const globexPage = await signIn(globex, "admin@globex.test", INVOICES);
    const [theirs] = await listed(globexPage);
    const theirId = await idOf(globexPage, theirs!.number);
    expect((await globex.request.get(appUrl(`/api/billing/invoices/${theirId}/pdf`))).status(), "their own").toBe(200);
    await globex.close();
    expect((await admin.request.get(appUrl(`/api/billing/invoices/${theirId}/pdf`))).status()).toBe(404);
    expect((await admin.request.get(appUrl(`/api/billing/invoices/not-an-id/pdf`))).status()).toBe(404);

    const agent = await browser().newContext();
    const agentPage = await signIn(agent, "agent@acme.test", INVOICES);
    const heading = agentPage.getByRole("heading", { level: 1 });
    await heading.waitFor();
    expect(await heading.textContent()).toBe("403 · Admins only");
    const id = await idOf(page, (await listed(page))[0]!.number);
    const refused = await agent.request.get(appUrl(`/api/billing/invoices/${id}/pdf`));
    expect(refused.status()).toBe(403);
    await agent.close();
    const signedOut = await browser().newContext();
    expect((await signedOut.request.get(appUrl(`/api/billing/invoices/${id}/pdf`))).status()).toBe(401);
    await signedOut.close();
  });

  it("pays an open invoice with the saved card: its status changes to paid, and paying again charges nothing", async () => {
    await page.goto(appUrl(INVOICES));
    const open = (await listed(page)).find((i) => i.status === "open")!;
    await page.getByRole("button", { name: `Pay now ${open.number}` }).click();
    expect(await pageShows(page, `Invoice ${open.number} is paid`)).toBe(true);
    await page.goto(appUrl(INVOICES));
    expect((await listed(page)).find((i) => i.number === open.number)!.status).toBe("paid");
    expect(await page.locator(`[data-invoice="${open.number}"] [data-testid="status"]`).innerText()).toBe("Paid");
    const charges = await rows<{ n: number }>(sql`select count(*)::int as n from sandbox_payment_intents p
      join invoices i on i.account_id = p.account_id and p.idempotency_key like 'invoice:' || i.id || ':%'
      where i.number = ${open.number}`);
    if (charges) expect(charges[0]!.n, "one charge").toBe(1);
    expect(await page.getByTestId("due-banner").count()).toBe(0);
  });

  it("keeps the short address of the invoices list", async () => {
    await page.goto(appUrl("/dashboard/account/invoices?status=paid"));
    expect(new URL(page.url()).pathname).toBe(INVOICES);
    expect(new URL(page.url()).searchParams.get("status")).toBe("paid");
  });
});
