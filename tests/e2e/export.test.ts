import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { linkQuery, signLink } from "@/lib/exports/signed-link";
import { E2E_SECRET } from "../support/e2e-global-setup";
import { appUrl, signIn, skipReason, useBrowser } from "./browser";

const ROUTE = "/api/billing/credit-movements.csv";
const databaseUrl = skipReason ? null : inject("appDatabaseUrl");
let handle: DatabaseHandle | undefined;
const acmeId = skipReason ? "" : inject("acme").accountId;

beforeAll(async () => {
  if (databaseUrl) handle = await openDatabase({ url: databaseUrl, poolMax: 2 });
});
afterAll(async () => {
  await handle?.close();
});

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await handle!.db.execute(query)) as unknown as { rows: T[] }).rows;
}

describe.skipIf(!!skipReason)("credit movements export", () => {
  const browser = useBrowser();
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

  it("downloads from the page, named after the account and the range, for Excel with a BOM", async () => {
    const page = await admin.newPage();
    await page.goto(appUrl("/dashboard/account/billing"));
    await page.getByTestId("export").locator("summary").click();
    const form = page.getByRole("form", { name: "Export credit movements" });
    await form.getByLabel("From", { exact: true }).fill("2026-10-01");
    await form.getByLabel("To", { exact: true }).fill("2026-10-31");
    await form.locator('select[name="type"]').selectOption("sms");
    const [download] = await Promise.all([page.waitForEvent("download"), form.getByRole("button", { name: "Download for Excel" }).click()]);
    expect(download.suggestedFilename()).toBe("acme-credit-movements-2026-10-01-to-2026-10-31-sms.csv");
    const bytes = await (await download.createReadStream()).toArray();
    const buffer = Buffer.concat(bytes);
    expect([...buffer.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records = parse(buffer.subarray(3).toString("utf8")) as string[][];
    expect(records[0]![0]).toBe("date_time (Europe/Berlin)");
    expect(new Set(records.slice(1).map((r) => r[3]))).toEqual(new Set(["sms"]));
    if (handle) {
      const [count] = await rows<{ n: number }>(sql`select count(*)::int as n from credit_movements
        where account_id = ${acmeId} and type = 'sms'
          and occurred_at >= '2026-10-01T00:00:00+02:00' and occurred_at < '2026-11-01T00:00:00+01:00'`);
      expect(records.length - 1).toBe(count!.n);
    }
    await page.close();
  });

  it("answers bad parameters with 400 and the reason", async () => {
    for (const [query, reason] of [
      ["from=2026-13-01&to=2026-12-01", "from must be a date as YYYY-MM-DD"],
      ["from=2026-05-01&to=2026-04-01", "from must not be after to"],
      ["from=2019-01-01&to=2026-01-02", "the range may be at most 5 years"],
      ["from=2026-01-01&to=2026-01-02&type=gift", "type must be one of"],
      ["to=2026-01-02", "from must be a date as YYYY-MM-DD"],
    ] as const) {
      const response = await admin.request.get(appUrl(`${ROUTE}?${query}`));
      expect([query, response.status()]).toEqual([query, 400]);
      expect(((await response.json()) as { error: string }).error).toContain(reason);
    }
  });

  it("refuses the signed-out (401) and agents (403)", async () => {
    const anonymous = await browser().newContext();
    expect((await anonymous.request.get(appUrl(`${ROUTE}?from=2026-10-01&to=2026-10-31`))).status()).toBe(401);
    await anonymous.close();
    const agent = await browser().newContext();
    await signIn(agent, "agent@acme.test", "/dashboard");
    expect((await agent.request.get(appUrl(`${ROUTE}?from=2026-10-01&to=2026-10-31`))).status()).toBe(403);
    await agent.close();
  });

  it("serves a copied link without a session, and refuses it tampered, expired or for another tenant", async () => {
    const page = await admin.newPage();
    await page.goto(appUrl("/dashboard/account/billing"));
    await page.getByTestId("export").locator("summary").click();
    const form = page.getByRole("form", { name: "Export credit movements" });
    await form.getByLabel("From", { exact: true }).fill("2026-10-01");
    await form.getByLabel("To", { exact: true }).fill("2026-10-02");
    await form.getByRole("button", { name: "Copy link" }).click();
    const link = await page.getByLabel("Export link").inputValue();
    expect(link).toContain("sig=");
    await page.close();

    const stranger = await browser().newContext();
    const ok = await stranger.request.get(link);
    expect(ok.status()).toBe(200);
    expect(ok.headers()["referrer-policy"]).toBe("no-referrer");
    expect((parse(await ok.text()) as string[][]).length).toBeGreaterThan(1);

    const tampered = link.replace("to=2026-10-02", "to=2026-10-31");
    const refused = await stranger.request.get(tampered);
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toContain("it was changed");

    const base = { accountId: acmeId, creatorId: acmeAdminId, params: { from: "2026-10-01", to: "2026-10-02" } };
    const expired = { ...base, expires: Math.floor(Date.now() / 1000) - 10 };
    const expiredResponse = await stranger.request.get(appUrl(`${ROUTE}?${linkQuery(expired, signLink(expired, E2E_SECRET))}`));
    expect(expiredResponse.status()).toBe(403);
    expect(((await expiredResponse.json()) as { error: string }).error).toContain("expired");

    // A correctly signed link naming Globex's account with Acme's admin as its maker.
    const otherTenant = { ...base, accountId: inject("globexId"), expires: Math.floor(Date.now() / 1000) + 600 };
    const otherResponse = await stranger.request.get(appUrl(`${ROUTE}?${linkQuery(otherTenant, signLink(otherTenant, E2E_SECRET))}`));
    expect(otherResponse.status()).toBe(403);
    expect(((await otherResponse.json()) as { error: string }).error).toContain("can no longer export");

    if (handle) {
      // The admin who made it is demoted: the link stops working at once.
      await handle.db.execute(sql`update users set role = 'supervisor' where id = ${acmeAdminId}`);
      try {
        expect((await stranger.request.get(link)).status()).toBe(403);
      } finally {
        await handle.db.execute(sql`update users set role = 'admin' where id = ${acmeAdminId}`);
      }
      expect((await stranger.request.get(link)).status()).toBe(200);
    }
    await stranger.close();
  });

  it.skipIf(!databaseUrl)("stops querying when the reader goes away", async () => {
    const bench = await browser().newContext();
    await signIn(bench, "admin@bench.test", "/dashboard");
    const cookies = (await bench.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    await bench.close();
    const scans = async () =>
      Number((await rows<{ n: string }>(sql`select coalesce(sum(idx_scan), 0)::text as n from pg_stat_user_tables where relname = 'credit_movements'`))[0]!.n);
    const scansBefore = await scans();
    const controller = new AbortController();
    const response = await fetch(appUrl(`${ROUTE}?from=2022-01-01&to=2026-12-31`), { headers: { cookie: cookies }, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 200_000) received += (await reader.read()).value?.length ?? 0;
    controller.abort();
    await reader.cancel().catch(() => undefined);
    // Within a moment no query of the export is running, and its connection is idle.
    const running = async () =>
      rows<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
          and state = 'active' and query ilike '%credit_movements%'`);
    let active = 1;
    for (let i = 0; i < 30 && active > 0; i++) {
      active = (await running())[0]!.n;
      if (active > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(active).toBe(0);
    // And it stopped paging: the whole range is 100 pages of 2,000 rows; far fewer were read.
    await new Promise((r) => setTimeout(r, 1_500)); // statistics reach other sessions within a second
    expect(await scans() - scansBefore).toBeLessThan(30);
  });
});
