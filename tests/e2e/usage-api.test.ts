import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { appUrl, signIn, skipReason, useBrowser } from "./browser";

/** The telephony platform's side: usage ingestion and call authorization over HTTP. */

const TOKEN = "e2e-platform-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(appUrl(path), { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
/** A JSON body with no Content-Type at all (fetch adds text/plain to a string body). */
const postUntyped = (path: string, body: unknown) =>
  fetch(appUrl(path), { method: "POST", headers: { authorization: auth.authorization }, body: new TextEncoder().encode(JSON.stringify(body)) });

// The "calls" tenant's office line and hotline (tests/support/e2e-global-setup.ts); an Acme
// line, and a Globex line and hotline, from the demo seed.
const OFFICE = "+4930222222";
const HOTLINE = "+4980022222";
const ACME_LINE = "+493012340100";
const GLOBEX_LINE = "+12125550100";
const GLOBEX_HOTLINE = "+18005550100";

const recentStart = () => new Date(Date.now() - 3_600_000).toISOString();
let n = 0;
const call = (to: string, durationSeconds: number, extra: Record<string, unknown> = {}) => ({
  id: `e2e-call-${Date.now()}-${++n}`,
  account: "calls",
  kind: "call",
  direction: "outbound",
  from: OFFICE,
  to,
  startedAt: recentStart(),
  durationSeconds,
  forwarded: false,
  user: "agent@calls.test",
  ...extra,
});

/** The balance as the platform sees it, through call authorization. */
async function balance(account = "calls"): Promise<string> {
  const response = await post("/api/calls/authorize", { account, direction: "outbound", from: OFFICE, to: "+4930123456" });
  expect(response.status).toBe(200);
  return ((await response.json()) as { balance: string }).balance;
}

describe.skipIf(!!skipReason)("usage ingestion API", () => {
  it("rates a batch, charges credit once and answers a replay as duplicates", async () => {
    const before = await balance();
    expect(before).toBe("50.00");
    // Japan at 0.06 per minute: 125 s -> 12.5 -> 13 cents; one SMS to the UK: 4 cents.
    const batch = [
      call("+81312345678", 125),
      { ...call("+447700900123", 0), kind: "sms", durationSeconds: undefined, fragments: 1, id: `e2e-sms-${Date.now()}` },
    ];
    const first = await post("/api/usage/events", { records: batch });
    expect(first.status).toBe(200);
    const { results } = (await first.json()) as { results: { id: string; status: string; amount: string; currency: string; reason: string }[] };
    expect(results.map((r) => [r.id, r.status, r.amount, r.currency])).toEqual([
      [batch[0]!.id, "rated", "0.13", "EUR"],
      [batch[1]!.id, "rated", "0.04", "EUR"],
    ]);
    expect(results[1]!.reason).toBe("SMS to GB: 1 fragment charged");
    expect(await balance()).toBe("49.83");

    const replay = await post("/api/usage/events", { records: batch });
    expect(replay.status).toBe(200);
    const again = (await replay.json()) as { results: { status: string; amount: string }[] };
    expect(again.results.map((r) => [r.status, r.amount])).toEqual([
      ["duplicate", "0.13"],
      ["duplicate", "0.04"],
    ]);
    expect(await balance()).toBe("49.83");
  });

  it("reports invalid records one by one next to the accepted ones", async () => {
    const before = await balance();
    const response = await post("/api/usage/events", { records: [call("+81312345678", -4), call("+81312345678", 60)] });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: { status: string; reason: string }[] };
    expect(results[0]).toMatchObject({ status: "rejected", reason: "durationSeconds must not be negative" });
    expect(results[1]).toMatchObject({ status: "rated" });
    expect(Number(await balance())).toBeCloseTo(Number(before) - 0.06, 2);
  });

  it("takes application/json with parameters, and rates an id twice in one batch once", async () => {
    const before = Number(await balance());
    const twice = call("+81312345678", 60);
    const response = await post("/api/usage/events", { records: [twice, { ...twice, durationSeconds: 600 }] }, { ...auth, "content-type": "Application/JSON; charset=UTF-8" });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: { status: string; amount: string }[] };
    expect(results.map((r) => [r.status, r.amount])).toEqual([
      ["rated", "0.06"],
      ["duplicate", "0.06"],
    ]);
    expect(Number(await balance())).toBeCloseTo(before - 0.06, 2);
  });

  it("charges an inbound call to the account's own toll-free number", async () => {
    const before = Number(await balance());
    const response = await post("/api/usage/events", { records: [call(HOTLINE, 30, { direction: "inbound", from: "+33612345678" })] });
    expect(response.status).toBe(200);
    // The first minute at 0.06 per minute.
    expect(((await response.json()) as { results: { amount: string }[] }).results[0]!.amount).toBe("0.06");
    expect(Number(await balance())).toBeCloseTo(before - 0.06, 2);
  });

  describe("bad requests get a 4xx with a reason and change nothing", () => {
    it.each<[string, () => Promise<Response>, number, RegExp]>([
      ["no token", () => post("/api/usage/events", { records: [call("+81312345678", 60)] }, { "content-type": "application/json" }), 401, /missing bearer token/],
      ["a wrong token", () => post("/api/usage/events", { records: [call("+81312345678", 60)] }, { ...auth, authorization: "Bearer nope-nope-nope-nope" }), 401, /invalid platform token/],
      ["not JSON", () => post("/api/usage/events", "{records: [", auth), 400, /not valid JSON/],
      ["a body that is not a batch", () => post("/api/usage/events", [call("+81312345678", 60)]), 400, /records array/],
      ["an empty batch", () => post("/api/usage/events", { records: [] }), 400, /must not be empty/],
      ["a body over 2 MB", () => post("/api/usage/events", { records: [call("+81312345678", 60, { padding: "x".repeat(2_200_000) })] }), 413, /at most 2097152 bytes/],
      ["1,001 records", () => post("/api/usage/events", { records: Array.from({ length: 1_001 }, () => call("+81312345678", 60)) }), 400, /at most 1000 records/],
      ["a form body", () => post("/api/usage/events", "records=1", { authorization: auth.authorization, "content-type": "application/x-www-form-urlencoded" }), 415, /Content-Type: application\/json \(not application\/x-www-form-urlencoded\)/],
      ["a JSON batch sent as text/plain", () => post("/api/usage/events", { records: [call("+81312345678", 60)] }, { authorization: auth.authorization, "content-type": "text/plain" }), 415, /Content-Type: application\/json \(not text\/plain\)/],
      ["a JSON batch without a Content-Type", () => postUntyped("/api/usage/events", { records: [call("+81312345678", 60)] }), 415, /Content-Type: application\/json \(none was given\)/],
      ["a JSON batch sent as application/json-seq", () => post("/api/usage/events", { records: [call("+81312345678", 60)] }, { ...auth, "content-type": "application/json-seq" }), 415, /not application\/json-seq/],
      ["a JSON batch in another charset", () => post("/api/usage/events", { records: [call("+81312345678", 60)] }, { ...auth, "content-type": "application/json; charset=iso-8859-1" }), 415, /must be UTF-8 JSON/],
      ["only an infinite duration", () => post("/api/usage/events", `{"records": [${JSON.stringify(call("+81312345678", 60)).replace('"durationSeconds":60', '"durationSeconds":1e999')}]}`), 422, /durationSeconds must be a whole number of seconds/],
      ["only a fractional duration", () => post("/api/usage/events", { records: [call("+81312345678", 60.5)] }), 422, /durationSeconds must be a whole number of seconds/],
      ["only a look-alike Unicode slug", () => post("/api/usage/events", { records: [call("+81312345678", 60, { account: "c\u0430lls" })] }), 422, /account must be an account slug/],
      ["only a number without +", () => post("/api/usage/events", { records: [call("+81312345678", 60, { from: OFFICE.slice(1) })] }), 422, /from must be an E.164 number/],
      ["only a call from an Acme number", () => post("/api/usage/events", { records: [call("+81312345678", 60, { from: ACME_LINE })] }), 422, /from \+493012340100 is not a number of account calls when the call started: an outbound call must come from one of the account's numbers/],
      ["only an inbound call to a Globex toll-free number", () => post("/api/usage/events", { records: [call(GLOBEX_HOTLINE, 60, { direction: "inbound", from: "+33612345678" })] }), 422, /to \+18005550100 is not a number of account calls when the call started: an inbound call must go to one of the account's numbers/],
      ["only an SMS from a Globex number", () => post("/api/usage/events", { records: [{ ...call("+447700900123", 0, { from: GLOBEX_LINE }), kind: "sms", durationSeconds: undefined, fragments: 1 }] }), 422, /from \+12125550100 is not a number of account calls when the SMS was sent/],
      ["an id with a control character", () => post("/api/usage/events", { records: [call("+81312345678", 60, { id: "bad\u0000id" })] }), 422, /id must be printable ASCII/],
      ["only an unknown account", () => post("/api/usage/events", { records: [call("+81312345678", 60, { account: "nobody" })] }), 422, /unknown account nobody/],
      ["only a future call", () => post("/api/usage/events", { records: [call("+81312345678", 60, { startedAt: new Date(Date.now() + 3_600_000).toISOString() })] }), 422, /in the future/],
      ["only an ancient call", () => post("/api/usage/events", { records: [call("+81312345678", 60, { startedAt: "2020-01-01T00:00:00Z" })] }), 422, /too old/],
    ])("%s", async (_name, send, status, reason) => {
      const before = await balance();
      const response = await send();
      expect(response.status).toBe(status);
      expect(JSON.stringify(await response.json())).toMatch(reason);
      if (status === 401) expect(response.headers.get("www-authenticate")).toContain("Bearer");
      expect(await balance()).toBe(before);
    });
  });
});

describe.skipIf(!!skipReason)("call authorization API", () => {
  it("allows outbound calls with credit, blocks them when overdrawn, lets inbound calls through", async () => {
    const allowed = await post("/api/calls/authorize", { account: "calls", direction: "outbound", from: OFFICE, to: "+33612345678" });
    expect(await allowed.json()).toMatchObject({ allowed: true, currency: "EUR" });
    const blocked = await post("/api/calls/authorize", { account: "overdrawn", direction: "outbound", from: "+4930333333", to: "+33612345678" });
    expect(blocked.status).toBe(200);
    expect(await blocked.json()).toEqual({
      allowed: false,
      reason: "outbound calls need a balance above zero; the balance is -€3.10: add credit or turn on auto top-up",
      balance: "-3.10",
      currency: "EUR",
    });
    const inbound = await post("/api/calls/authorize", { account: "overdrawn", direction: "inbound", from: "+33612345678", to: "+4930333333" });
    expect(await inbound.json()).toMatchObject({ allowed: true, reason: "inbound calls are free" });
    const tollFree = await post("/api/calls/authorize", { account: "overdrawn", direction: "inbound", from: "+33612345678", to: "+4980012345" });
    expect(await tollFree.json()).toMatchObject({ allowed: false });
  });

  it("never allows a call on another account's number, whatever the balance", async () => {
    const fromAcme = await post("/api/calls/authorize", { account: "calls", direction: "outbound", from: ACME_LINE, to: "+33612345678" });
    expect(fromAcme.status).toBe(200);
    expect(await fromAcme.json()).toMatchObject({
      allowed: false,
      reason: "from +493012340100 is not a number of account calls: an outbound call must come from one of the account's numbers",
    });
    const toGlobex = await post("/api/calls/authorize", { account: "calls", direction: "inbound", from: "+33612345678", to: GLOBEX_HOTLINE });
    expect(await toGlobex.json()).toMatchObject({
      allowed: false,
      reason: "to +18005550100 is not a number of account calls: an inbound call must go to one of the account's numbers",
    });
  });

  it.each<[string, () => Promise<Response>, number, RegExp]>([
    ["no token", () => post("/api/calls/authorize", { account: "calls", direction: "outbound", from: OFFICE, to: "+4930123456" }, { "content-type": "application/json" }), 401, /missing bearer token/],
    ["text/plain", () => post("/api/calls/authorize", { account: "calls", direction: "outbound", from: OFFICE, to: "+4930123456" }, { authorization: auth.authorization, "content-type": "text/plain" }), 415, /Content-Type: application\/json/],
    ["a look-alike Unicode slug", () => post("/api/calls/authorize", { account: "c\u0430lls", direction: "outbound", from: OFFICE, to: "+4930123456" }), 400, /account must be an account slug/],
    ["not JSON", () => post("/api/calls/authorize", "{", auth), 400, /not valid JSON/],
    ["a bad direction", () => post("/api/calls/authorize", { account: "calls", direction: "sideways", from: OFFICE, to: "+4930123456" }), 400, /direction must be outbound or inbound/],
    ["a bad number", () => post("/api/calls/authorize", { account: "calls", direction: "outbound", from: OFFICE, to: "12" }), 400, /to must be an E.164 number/],
    ["an unknown account", () => post("/api/calls/authorize", { account: "nobody", direction: "outbound", from: OFFICE, to: "+4930123456" }), 404, /unknown account nobody/],
  ])("answers %s with its status and a reason", async (_name, send, status, reason) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(JSON.stringify(await response.json())).toMatch(reason);
  });
});

describe.skipIf(!!skipReason)("rated usage on the billing page", () => {
  const browser = useBrowser();
  let admin: BrowserContext;
  beforeAll(async () => {
    admin = await browser().newContext();
    await signIn(admin, "admin@calls.test");
  });
  afterAll(async () => {
    await admin?.close();
  });

  it("shows premium calls and forwarded legs the platform reported under Not included in your plan", async () => {
    const response = await post("/api/usage/events", {
      records: [call("+4990012345", 60), call("+4930123456", 600, { forwarded: true })],
    });
    expect(response.status).toBe(200);
    const page = await admin.newPage();
    await page.goto(appUrl("/dashboard/account/billing"));
    const table = page.getByTestId("not-included");
    // One premium minute at 0.99; ten forwarded minutes to a German landline at 0.012 = 0.12.
    await expect.poll(() => table.locator('tr[data-category="premium"] td').last().textContent()).toBe("€0.99");
    expect(await table.locator('tr[data-category="forwarded"] td').last().textContent()).toBe("€0.12");
    expect(await table.locator('tr[data-category="forwarded"] td').first().textContent()).toBe("10 min");
    await page.close();
  });
});
