import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signSpendLink, spendLinkQuery } from "@/lib/exports/spend";
import { E2E_SECRET } from "../support/e2e-global-setup";
import { appUrl, signIn, skipReason, useAppDatabase, useBrowser } from "./browser";

const SPEND = "/dashboard/account/billing/spend";
const ROUTE = "/api/billing/spend.csv";
const acmeId = skipReason ? "" : inject("acme").accountId;

/** Minor units from a page's "€1,234.56". */
const cents = (text: string) => Number(text.replace(/[^\d-]/g, ""));

describe.skipIf(!!skipReason)("where the money goes", () => {
  const browser = useBrowser();
  const database = useAppDatabase();
  let admin: BrowserContext;
  let acmeAdminId = "";

  beforeAll(async () => {
    admin = await browser().newContext({ acceptDownloads: true });
    await signIn(admin, "admin@acme.test");
    acmeAdminId = ((await (await admin.request.get(appUrl("/api/auth/session"))).json()) as { userId: string }).userId;
  });
  afterAll(async () => {
    await admin?.close();
  });

  async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
    return ((await database()!.db.execute(query)) as unknown as { rows: T[] }).rows;
  }

  it("opens from the billing page, drills into a user, shows why each charge was made, and exports", async () => {
    const page = await admin.newPage();
    await page.goto(appUrl("/dashboard/account/billing"));
    await page.getByRole("link", { name: "Where the money goes" }).click();
    await page.waitForURL((url) => url.pathname === SPEND);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Where the money goes");
    const table = page.getByTestId("spend-table");
    const total = cents((await page.getByTestId("spend-total").textContent())!);
    expect(total).toBeGreaterThan(0);

    if (database()) {
      // The period's charges as the records have them, in the account's calendar days.
      const [expected] = await rows<{ amount: string }>(sql`
        select coalesce(sum(u.amount), 0)::text as amount
        from usage_records u join accounts a on a.id = u.account_id join subscriptions s on s.account_id = a.id
        where a.id = ${acmeId}
          and (u.started_at at time zone a.time_zone)::date >= (s.current_period_start at time zone a.time_zone)::date
          and (u.started_at at time zone a.time_zone)::date < (s.current_period_end at time zone a.time_zone)::date`);
      expect(total, "the page's total against the records").toBe(Number(expected!.amount));
    }

    // Most spent first; then by name.
    const amounts = (await table.locator("tbody td[data-amount]").evaluateAll((cells) => cells.map((c) => Number(c.getAttribute("data-amount")))));
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    await table.getByRole("link", { name: "Name" }).click();
    await page.waitForURL((url) => url.searchParams.get("sort") === "name");
    const names = await table.locator("tbody th a").allTextContents();
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));

    // Drill into the first user: their charges, each with its reason.
    const first = table.locator("tbody th a").first();
    const user = (await first.textContent())!;
    await first.click();
    await page.waitForURL((url) => url.searchParams.has("row"));
    expect(await page.getByRole("heading", { name: `Charges: ${user}` }).count()).toBe(1);
    const reasons = await page.getByTestId("charge-reason").allTextContents();
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) {
      expect(reason).toMatch(/^Why: \S/);
      expect(reason).not.toContain("reason not known");
    }

    // The next page of charges repeats none of the first.
    const older = page.getByTestId("older-charges");
    if (await older.count()) {
      const firstPage = await page.getByTestId("charge").allTextContents();
      await older.click();
      await page.waitForURL((url) => url.searchParams.has("after"));
      const secondPage = await page.getByTestId("charge").allTextContents();
      expect(secondPage.filter((c) => firstPage.includes(c))).toEqual([]);
    }

    // The user's charges as CSV, with the reasons.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("charges-export").click()]);
    expect(download.suggestedFilename()).toMatch(/^acme-spend-by-user-[0-9a-f-]+-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/);
    const [header, ...charges] = parse(Buffer.concat(await (await download.createReadStream()).toArray()).toString("utf8")) as string[][];
    expect(header!.at(-1)).toBe("reason");
    expect(charges.length).toBeGreaterThan(0);
    expect(charges.every((c) => c.at(-1)!.length > 0)).toBe(true);
    await page.close();
  });

  it("says why a premium call was charged, and exports the breakdown with the page's total", async () => {
    const page = await admin.newPage();
    await page.goto(appUrl(`${SPEND}?by=category`));
    await page.getByRole("link", { name: "Premium destinations" }).click();
    await page.waitForURL((url) => url.searchParams.get("row") === "premium");
    expect(await page.getByTestId("charge-reason").first().textContent()).toMatch(/^Why: premium destination \(.+\): never included, \d+ s billed$/);

    await page.getByRole("link", { name: "By destination" }).click();
    await page.waitForURL((url) => url.searchParams.get("by") === "country");
    const total = cents((await page.getByTestId("spend-total").textContent())!);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("spend-export").click()]);
    const [header, ...countries] = parse(Buffer.concat(await (await download.createReadStream()).toArray()).toString("utf8")) as string[][];
    expect(header!.slice(0, 2)).toEqual(["country", "name"]);
    expect(countries.reduce((sum, row) => sum + cents(row[6]!), 0)).toBe(total);
    await page.close();
  });

  it("refuses a bad query string in words, and still shows the page", async () => {
    const page = await admin.newPage();
    const response = await page.goto(appUrl(`${SPEND}?by=team&sort=cost`));
    expect(response?.status()).toBe(200);
    expect(await page.getByTestId("spend-error").textContent()).toBe(
      "by must be one of user, number, country, category; sort must be one of amount, minutes, name",
    );
    expect(await page.getByTestId("spend-table").count()).toBe(1);
    await page.goto(appUrl(`${SPEND}?period=1999-01-01`));
    expect(await page.getByTestId("spend-error").textContent()).toContain("There is no billing period starting on 1999-01-01");
    await page.close();
    for (const [query, reason] of [
      ["by=team", "by must be one of user, number, country, category"],
      ["after=garbage", "after must be a page cursor from this page"],
      ["period=2026-02-30", "period must be the first day of a billing period"],
      ["by=user&row=anna", "row does not name a user."],
    ] as const) {
      const csv = await admin.request.get(appUrl(`${ROUTE}?${query}`));
      expect([query, csv.status()]).toEqual([query, 400]);
      expect(((await csv.json()) as { error: string }).error).toContain(reason);
    }
  });

  it("refuses agents and the signed-out, and never shows another tenant's charges", async () => {
    const agent = await browser().newContext();
    const agentPage = await signIn(agent, "agent@acme.test", "/dashboard");
    expect((await agentPage.goto(appUrl(SPEND)))?.status()).toBe(403);
    expect((await agent.request.get(appUrl(ROUTE))).status()).toBe(403);
    await agent.close();
    const anonymous = await browser().newContext();
    expect((await anonymous.request.get(appUrl(ROUTE))).status()).toBe(401);
    await anonymous.close();

    if (database()) {
      const [globexUser] = await rows<{ id: string }>(sql`
        select u.user_id::text as id from usage_records u where u.account_id = ${inject("globexId")} and u.user_id is not null limit 1`);
      const page = await admin.newPage();
      await page.goto(appUrl(`${SPEND}?by=user&row=${globexUser!.id}`));
      expect(await page.getByText("No charges in this period.").count()).toBe(1);
      await page.close();
      const csv = await admin.request.get(appUrl(`${ROUTE}?by=user&row=${globexUser!.id}`));
      expect(parse(await csv.text())).toHaveLength(1);
    }
  });

  it("copies a signed link to the export for someone without a login", async () => {
    const page = await admin.newPage();
    await page.goto(appUrl(`${SPEND}?by=country`));
    await page.getByRole("button", { name: "Copy CSV link" }).click();
    const link = await page.getByLabel("Spend export link").inputValue();
    expect(link).toContain("sig=");
    await page.close();
    const stranger = await browser().newContext();
    const served = await stranger.request.get(link);
    expect(served.status()).toBe(200);
    expect((parse(await served.text()) as string[][])[0]![0]).toBe("country");
    await stranger.close();
  });

  it("serves a signed link without a session, and refuses it changed", async () => {
    const claims = { accountId: acmeId, creatorId: acmeAdminId, params: { by: "country" as const, sort: "amount" as const, period: undefined, row: undefined }, expires: Math.floor(Date.now() / 1000) + 600 };
    const link = appUrl(`${ROUTE}?${spendLinkQuery(claims, signSpendLink(claims, E2E_SECRET))}`);
    const stranger = await browser().newContext();
    const served = await stranger.request.get(link);
    expect(served.status()).toBe(200);
    expect((parse(await served.text()) as string[][])[0]![0]).toBe("country");
    const changed = await stranger.request.get(link.replace("by=country", "by=user"));
    expect(changed.status()).toBe(403);
    await stranger.close();
  });
});
