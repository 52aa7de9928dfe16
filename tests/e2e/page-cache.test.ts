import type { APIRequestContext, BrowserContext } from "playwright-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eq } from "drizzle-orm";
import { decode, encode } from "next-auth/jwt";
import { openDatabase } from "@/db/client";
import { accounts } from "@/db/schema";
import { postMovement } from "@/lib/credit/ledger";
import { formatMoney } from "@/lib/money";
import { E2E_SECRET } from "../support/e2e-global-setup";
import { appUrl, signIn, skipReason, useBrowser } from "./browser";

/**
 * The billing page cache (proxy.ts): a page load is served from the kept copy only while
 * nothing the page shows has changed, and only to the user it was rendered for.
 */

const BILLING = "/dashboard/account/billing";
const TOKEN = "e2e-platform-token-0123456789";
const PAGE_LOAD = { accept: "text/html,application/xhtml+xml" };

interface Load {
  status: number;
  cache: string | null;
  body: string;
}

async function load(request: APIRequestContext, path = BILLING, headers: Record<string, string> = {}): Promise<Load> {
  const response = await request.get(appUrl(path), { headers: { ...PAGE_LOAD, ...headers }, maxRedirects: 0 });
  return { status: response.status(), cache: response.headers()["x-billing-page-cache"] ?? null, body: await response.text() };
}

/** The copy is kept once the whole page has streamed; a later load finds it. */
async function loadUntilHit(request: APIRequestContext, path = BILLING): Promise<Load> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const page = await load(request, path);
    if (page.cache === "hit") return page;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the page was never served from the cache");
}

/** Charges the "cache" tenant for a call through the platform API; returns the new balance. */
async function chargeACall(): Promise<number> {
  const post = (path: string, body: unknown) =>
    fetch(appUrl(path), { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const rated = await post("/api/usage/events", {
    records: [
      {
        id: `cache-call-${Date.now()}`,
        account: "cache",
        kind: "call",
        direction: "outbound",
        from: "+4930111111",
        to: "+81312345678",
        startedAt: new Date(Date.now() - 60_000).toISOString(),
        durationSeconds: 125,
        forwarded: false,
        user: "agent@cache.test",
      },
    ],
  });
  expect(rated.status).toBe(200);
  const answer = await post("/api/calls/authorize", { account: "cache", direction: "outbound", from: "+4930111111", to: "+4930123456" });
  const { balance } = (await answer.json()) as { balance: string };
  return Math.round(Number(balance) * 100);
}

const FORM_KEY = /name="idempotencyKey" value="([^"]+)"/g;
const keysIn = (html: string) => [...html.matchAll(FORM_KEY)].map((m) => m[1]);
const withoutKeys = (html: string) => html.replace(FORM_KEY, "KEY");

/** The balance cell of the page's HTML, whatever its attributes. */
const balanceIn = (html: string) => html.match(/data-testid="balance"[^>]*>([^<]*)</)?.[1];

describe.skipIf(!!skipReason)("the billing page cache", () => {
  const browser = useBrowser();
  let context: BrowserContext;

  beforeAll(async () => {
    if (skipReason) return;
    context = await browser().newContext();
    await signIn(context, "admin@cache.test");
  });
  afterAll(async () => {
    await context?.close();
  });

  it("serves the same page again while nothing on it changed", async () => {
    const first = await load(context.request, `${BILLING}?trend=90`);
    expect([first.status, first.cache]).toEqual([200, "miss"]);
    const again = await loadUntilHit(context.request, `${BILLING}?trend=90`);
    // The same page, but for the add-credit form's idempotency key: each serve has its own.
    expect(keysIn(first.body)).toHaveLength(1);
    expect(keysIn(again.body)).toHaveLength(1);
    expect(keysIn(again.body)[0]).not.toBe(keysIn(first.body)[0]);
    expect(withoutKeys(again.body)).toBe(withoutKeys(first.body));
    expect(balanceIn(again.body)).toBe(formatMoney(5_000, "EUR"));
  });

  it("renders afresh after a change (a rated call) and shows the new balance, in the browser too", async () => {
    await loadUntilHit(context.request);
    const balance = await chargeACall();
    expect(balance).toBeLessThan(5_000);
    const after = await load(context.request);
    expect([after.status, after.cache]).toEqual([200, "miss"]);
    expect(balanceIn(after.body)).toBe(formatMoney(balance, "EUR"));
    const kept = await loadUntilHit(context.request);
    expect(balanceIn(kept.body)).toBe(formatMoney(balance, "EUR"));
    const page = await context.newPage();
    await page.goto(appUrl(BILLING));
    expect(await page.getByTestId("balance").textContent()).toBe(formatMoney(balance, "EUR"));
    await page.close();
  });

  it.runIf(!!inject("appDatabaseUrl"))("renders afresh after a ledger posting, which changes only the balance row", async () => {
    const before = balanceIn((await loadUntilHit(context.request)).body);
    const handle = await openDatabase({ url: inject("appDatabaseUrl")!, poolMax: 1 });
    try {
      const [account] = await handle.db.select().from(accounts).where(eq(accounts.slug, "cache"));
      const posted = await postMovement(handle.db, account!.id, { type: "adjustment", amount: 123, description: "Goodwill credit", actor: "e2e" });
      const after = await load(context.request);
      expect([after.cache, balanceIn(after.body)]).toEqual(["miss", formatMoney(posted.balanceAfter, "EUR")]);
      expect(balanceIn(after.body)).not.toBe(before);
    } finally {
      await handle.close();
    }
  });

  it("serves another tenant's admin their own page, never this one", async () => {
    await loadUntilHit(context.request);
    const other = await browser().newContext();
    try {
      await signIn(other, "admin@calls.test");
      const own = await load(other.request, `${BILLING}?trend=30`);
      expect([own.status, own.cache]).toEqual([200, "miss"]);
      expect(own.body).toContain("Calls Ltd");
      expect(own.body).not.toContain("Cache Ltd");
      const kept = await loadUntilHit(other.request, `${BILLING}?trend=30`);
      expect(kept.body).toContain("Calls Ltd");
      expect(kept.body).not.toContain("Cache Ltd");
    } finally {
      await other.close();
    }
  });

  it("is left out for router requests, hard reloads and unknown query strings", async () => {
    await loadUntilHit(context.request);
    const cases: [string, string, Record<string, string>][] = [
      ["a client navigation (RSC)", BILLING, { rsc: "1" }],
      ["a request that does not accept HTML", BILLING, { accept: "*/*" }],
      ["a hard reload", BILLING, { "cache-control": "no-cache" }],
      ["another query string", `${BILLING}?trend=abc`, {}],
    ];
    for (const [why, path, headers] of cases) {
      const response = await load(context.request, path, headers);
      expect([why, response.cache]).toEqual([why, null]);
    }
  });

  it("never serves a kept page to a visitor without a valid session: none, tampered or expired", async () => {
    await loadUntilHit(context.request);
    const [cookie] = (await context.cookies(appUrl())).filter((c) => c.name === "next-auth.session-token");
    const claims = await decode({ token: cookie!.value, secret: E2E_SECRET });
    expect(claims?.userId).toBeTruthy();
    const expired = await encode({ token: claims!, secret: E2E_SECRET, maxAge: -60 });
    const renewed = await encode({ token: claims!, secret: E2E_SECRET });
    const tampered = `${cookie!.value.slice(0, -4)}${cookie!.value.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    const withSession = (value: string | null) =>
      fetch(appUrl(BILLING), {
        headers: { ...PAGE_LOAD, ...(value === null ? {} : { cookie: `next-auth.session-token=${value}` }) },
        redirect: "manual",
      });
    for (const [why, value] of [["none", null], ["tampered", tampered], ["expired", expired]] as const) {
      const response = await withSession(value);
      expect([why, response.status, response.headers.get("x-billing-page-cache")]).toEqual([why, 307, null]);
    }
    // The same claims in a token that is still valid do get the kept page.
    const valid = await withSession(renewed);
    expect([valid.status, valid.headers.get("x-billing-page-cache")]).toEqual([200, "hit"]);
  });

  it("stops keeping the page of an account that changes before its page is looked at again, showing each change", async () => {
    const path = `${BILLING}?trend=30`;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 400));
    const seen: (string | null)[] = [];
    expect((await load(context.request, path)).cache).toBe("miss");
    for (let change = 0; change < 4 && seen.at(-1) !== "busy"; change++) {
      await settle(); // the copy is kept once the page has streamed
      const balance = await chargeACall();
      const after = await load(context.request, path);
      expect(balanceIn(after.body)).toBe(formatMoney(balance, "EUR"));
      seen.push(after.cache);
    }
    expect(seen.at(-1)).toBe("busy");
    expect(seen.slice(0, -1).every((c) => c === "miss")).toBe(true);
    // While paused the page goes straight to rendering, with the current figures.
    const balance = await chargeACall();
    const paused = await load(context.request, path);
    expect([paused.cache, balanceIn(paused.body)]).toEqual(["busy", formatMoney(balance, "EUR")]);
  });

  it.runIf(!!inject("appDatabaseUrl"))("answers 403, not the kept page, once the admin is demoted", async () => {
    await loadUntilHit(context.request);
    const client = new pg.Client({ connectionString: inject("appDatabaseUrl")! });
    await client.connect();
    try {
      await client.query("update users set role = 'agent' where email = 'admin@cache.test'");
      const demoted = await load(context.request);
      expect([demoted.status, demoted.cache]).toEqual([403, null]);
      await client.query("update users set role = 'admin' where email = 'admin@cache.test'");
      const restored = await load(context.request);
      expect([restored.status, restored.cache]).toEqual([200, "miss"]);
    } finally {
      await client.query("update users set role = 'admin' where email = 'admin@cache.test'");
      await client.end();
    }
  });
});
