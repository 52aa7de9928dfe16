import { sql } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { formatMoney } from "@/lib/money";
import { appUrl, signIn, skipReason, useAppDatabase, useBrowser } from "./browser";

const BILLING = "/dashboard/account/billing";
const appDatabase = useAppDatabase();

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[] | null> {
  const handle = appDatabase();
  if (!handle) return null;
  return ((await handle.db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** This month's minutes per user in each active package of a tenant, as the page should order them. */
function minutesPerUser(slug: string) {
  return rows<{ package: string; name: string; minutes: number }>(sql`
    select p.name as package, u.name, floor(m.seconds / 60)::int as minutes
    from usage_user_monthly m
    join accounts a on a.id = m.account_id
    join users u on u.id = m.user_id and u.account_id = m.account_id
    join calling_packages p on p.id = m.package_id
    where a.slug = ${slug}
      and m.month = date_trunc('month', now() at time zone a.time_zone)::date
      and exists (
        select 1 from account_packages ap
        where ap.account_id = m.account_id and ap.package_id = m.package_id
          and ap.started_at < now() and (ap.ended_at is null or ap.ended_at > now()))
    order by p.name, m.seconds desc, u.name`);
}

async function open(context: BrowserContext, email: string, path: string): Promise<Page> {
  const page = await signIn(context, email, path);
  await page.waitForLoadState("networkidle");
  return page;
}

/** Per package shown: the names listed in its user-minutes list. */
async function listedUsers(page: Page): Promise<Record<string, string[]>> {
  return page.getByTestId("package").evaluateAll((packages) =>
    Object.fromEntries(
      packages.map((p) => [
        p.querySelector("p, h2")!.textContent!.trim(),
        [...p.querySelectorAll('[data-testid="user-minutes"] li span:first-child')].map((s) => s.textContent!.trim()),
      ]),
    ),
  );
}

describe.skipIf(!!skipReason)("the billing page's detail pages", () => {
  const browser = useBrowser();

  it("shows the five heaviest users of each package on the billing page, and every user on the fair-use page", async () => {
    const context = await browser().newContext();
    const page = await open(context, "admin@acme.test", BILLING);
    const onPage = await listedUsers(page);
    const expected = await minutesPerUser("acme");
    const packages = Object.keys(onPage);
    expect(packages.length, "packages on the billing page").toBeGreaterThan(0);
    for (const name of packages) expect(onPage[name]!.length, name).toBeLessThanOrEqual(5);

    const link = page.getByRole("link", { name: /^All \d+ users in / }).first();
    const [, count, packageName] = (await link.textContent())!.match(/^All (\d+) users in (.+)$/)!;
    await link.click();
    await page.waitForURL((url) => url.pathname === `${BILLING}/fair-use`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Minutes per user this month");
    const onSubPage = await listedUsers(page);
    expect(onSubPage[packageName!]!.length, "users on the fair-use page").toBe(Number(count));
    expect(Number(count)).toBeGreaterThan(5);
    // The billing page's five are the first five of the full list.
    expect(onSubPage[packageName!]!.slice(0, 5)).toEqual(onPage[packageName!]);

    if (expected) {
      for (const name of packages) {
        const users = expected.filter((r) => r.package === name);
        expect(onSubPage[name], `every user of ${name}, most minutes first`).toEqual(users.map((u) => u.name));
        expect(onPage[name], `the heaviest users of ${name}`).toEqual(users.slice(0, 5).map((u) => u.name));
      }
      const heaviest = expected.find((r) => r.package === packageName)!;
      const bar = page.getByRole("img", { name: new RegExp(`^${heaviest.name}: ${heaviest.minutes.toLocaleString("en")} of `) });
      expect(await bar.count(), "the heaviest user's bar with the minutes from SQL").toBeGreaterThan(0);
    }
    await context.close();
  });

  it("shows another admin only their own tenant's users", async () => {
    const context = await browser().newContext();
    const page = await open(context, "admin@globex.test", `${BILLING}/fair-use`);
    const names = Object.values(await listedUsers(page)).flat();
    expect(names.length).toBeGreaterThan(0);
    const [acme, globex] = [await minutesPerUser("acme"), await minutesPerUser("globex")];
    if (acme && globex) {
      expect(new Set(names)).toEqual(new Set(globex.map((r) => r.name)));
      const acmeOnly = acme.map((r) => r.name).filter((n) => !globex.some((g) => g.name === n));
      for (const name of acmeOnly) expect(names, "no Acme user on Globex's page").not.toContain(name);
    }
    await context.close();
  });

  it.each(["fair-use", "numbers", "balance"])("refuses the %s page to an agent (403) and sends a signed-out visitor to sign in", async (path) => {
    const context = await browser().newContext();
    const page = await open(context, "agent@acme.test", `${BILLING}/${path}`);
    expect(new URL(page.url()).pathname).toBe(`${BILLING}/${path}`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("403 · Admins only");
    expect(await page.getByTestId("package").count()).toBe(0);
    expect(await page.getByTestId("number-changes").count()).toBe(0);
    expect(await page.getByTestId("daily-balances").count()).toBe(0);
    await context.close();
    const anonymous = await browser().newContext();
    const visitor = await anonymous.newPage();
    await visitor.goto(appUrl(`${BILLING}/${path}`));
    await visitor.waitForURL((url) => url.pathname === "/login");
    expect(new URL(visitor.url()).searchParams.get("callbackUrl")).toBe(`${BILLING}/${path}`);
    await anonymous.close();
  });

  it("lists each number added or released this period, and they add up to the billing page's lines", async () => {
    const context = await browser().newContext();
    const billing = await open(context, "admin@acme.test", BILLING);
    const numbersGroup = billing.getByTestId("summary").locator('tbody[data-group="numbers"]');
    const changedLinesTotal = await numbersGroup
      .locator("tr[data-line]")
      .evaluateAll((rows) =>
        rows
          .filter((r) => r.querySelector(".badge"))
          .reduce((sum, r) => sum + Number(r.querySelector("td[data-total]")!.getAttribute("data-total")), 0),
      );
    const page = billing;
    await page.goto(appUrl(`${BILLING}/numbers`));
    const listed = await page.getByTestId("number-changes").locator("tbody tr").evaluateAll((rows) =>
      rows.map((r) => ({
        e164: r.querySelector("td")!.textContent!.split(" ")[0]!,
        total: Number(r.querySelector("td[data-total]")!.getAttribute("data-total")),
      })),
    );
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.reduce((sum, r) => sum + r.total, 0), "itemised = the summary's changed lines").toBe(changedLinesTotal);
    const expected = await rows<{ e164: string }>(sql`
      select n.e164 from phone_numbers n
      join accounts a on a.id = n.account_id
      join subscriptions s on s.account_id = n.account_id
      where a.slug = 'acme'
        and n.acquired_at < s.current_period_end
        and (n.released_at is null or n.released_at > s.current_period_start)
        and (n.acquired_at > s.current_period_start or n.released_at < s.current_period_end)`);
    if (expected) expect(listed.map((r) => r.e164).sort()).toEqual(expected.map((r) => r.e164).sort());
    await context.close();
  });

  it("shows the chart's daily balances as a table, for the period the chart shows", async () => {
    const context = await browser().newContext();
    const page = await open(context, "admin@acme.test", BILLING);
    await page.goto(appUrl(`${BILLING}?trend=90`));
    await page.getByRole("link", { name: "Daily balances as a table" }).click();
    await page.waitForURL((url) => url.pathname === `${BILLING}/balance`);
    expect(new URL(page.url()).searchParams.get("days")).toBe("90");
    const cells = await page.getByTestId("daily-balances").locator("tbody tr").evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)),
    );
    expect(cells.length, "one row a day").toBe(90);
    const latest = await rows<{ balance: string }>(sql`
      select d.closing_balance::text as balance from credit_daily_balances d
      join accounts a on a.id = d.account_id
      where a.slug = 'acme' and d.day <= (now() at time zone a.time_zone)::date
      order by d.day desc limit 1`);
    if (latest) expect(cells.at(-1)![1], "the last day's closing balance").toBe(formatMoney(Number(latest[0]!.balance), "EUR"));
    await context.close();
  });

  it("fits the billing page and its detail pages on a 390 px wide screen", async () => {
    const context = await browser().newContext({ viewport: { width: 390, height: 844 } });
    const page = await open(context, "admin@acme.test", BILLING);
    for (const path of [BILLING, `${BILLING}/fair-use`, `${BILLING}/numbers`, `${BILLING}/balance?days=90`]) {
      await page.goto(appUrl(path));
      await page.waitForLoadState("networkidle");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await context.close();
  });
});
