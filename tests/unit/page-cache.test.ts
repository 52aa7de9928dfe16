import { describe, expect, it } from "vitest";
import {
  CHURN_MS,
  CHURN_PAUSE_MS,
  CHURN_STREAK,
  keptHeaders,
  PageCache,
  type PageState,
  readAll,
  renderedWhole,
  splitFormKeys,
  withFreshKeys,
} from "@/lib/billing/page-cache";

const STATE: PageState = { role: "admin", active: true, version: "7", catalogVersion: "2", balanceMark: "912", day: "2026-11-27" };
const page = (bytes: number) => "<".repeat(bytes);

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("PageCache", () => {
  it("serves a kept page only in exactly the state it was rendered in", () => {
    const cache = new PageCache();
    cache.set("u1 ", STATE, page(10), [["content-type", "text/html"]]);
    expect(cache.get("u1 ", STATE)?.bytes).toBe(10);
    const changed: [string, Partial<PageState>][] = [
      ["the account changed", { version: "8" }],
      ["the catalog changed", { catalogVersion: "3" }],
      ["a ledger posting wrote the balance row", { balanceMark: "913" }],
      ["the user was demoted", { role: "agent" }],
      ["the user was deactivated", { active: false }],
      ["a new day in the account's zone", { day: "2026-11-28" }],
    ];
    for (const [why, change] of changed) {
      cache.set("u1 ", STATE, page(10), []);
      expect([why, cache.get("u1 ", { ...STATE, ...change })]).toEqual([why, null]);
      // A miss drops the page: the old state does not bring it back.
      expect([why, cache.get("u1 ", STATE)]).toEqual([why, null]);
    }
  });

  it("keeps pages per key (user and query string)", () => {
    const cache = new PageCache();
    cache.set("u1 ", STATE, page(1), []);
    expect(cache.get("u2 ", STATE)).toBeNull();
    expect(cache.get("u1 ?trend=90", STATE)).toBeNull();
    expect(cache.get("u1 ", STATE)).not.toBeNull();
  });

  it("drops a page once the time to live has passed since its state was read, and not before", () => {
    const time = clock();
    const cache = new PageCache(1024, 60_000, time.now);
    // Read at the clock's start, kept 5 s later when the render ended.
    const readAt = time.now();
    time.advance(5_000);
    cache.set("k", STATE, page(1), [], readAt);
    time.advance(55_000);
    expect(cache.get("k", STATE)).not.toBeNull();
    time.advance(1);
    expect(cache.get("k", STATE)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it("stops keeping a key whose pages keep changing unserved within seconds, for a while", () => {
    const time = clock();
    const cache = new PageCache(1024, 60_000, time.now);
    let mark = 900;
    const churn = () => {
      cache.set("busy", { ...STATE, balanceMark: String(mark) }, page(1), [], time.now());
      time.advance(CHURN_MS - 1);
      expect(cache.get("busy", { ...STATE, balanceMark: String(++mark) })).toBeNull();
    };
    for (let i = 1; i < CHURN_STREAK; i++) {
      churn();
      expect(cache.worthKeeping("busy")).toBe(true);
    }
    churn();
    expect(cache.worthKeeping("busy")).toBe(false);
    expect(cache.worthKeeping("other")).toBe(true);
    time.advance(CHURN_PAUSE_MS);
    expect(cache.worthKeeping("busy")).toBe(true);
  });

  it("keeps a key whose page was served before it changed, lived longer, or only expired", () => {
    const time = clock();
    const cache = new PageCache(1024, 60_000, time.now);
    for (let i = 0; i < CHURN_STREAK + 1; i++) {
      // Served once, then changed quickly: the admin looked at it, then made a change.
      const state = { ...STATE, version: String(i) };
      cache.set("served", state, page(1), [], time.now());
      expect(cache.get("served", state)).not.toBeNull();
      time.advance(100);
      expect(cache.get("served", { ...STATE, version: String(i + 1) })).toBeNull();
      // Changed unserved, but only after CHURN_MS.
      cache.set("calm", state, page(1), [], time.now());
      time.advance(CHURN_MS);
      expect(cache.get("calm", { ...STATE, version: String(i + 1) })).toBeNull();
      // Expired, never changed.
      cache.set("old", STATE, page(1), [], time.now());
      time.advance(60_001);
      expect(cache.get("old", STATE)).toBeNull();
    }
    for (const key of ["served", "calm", "old"]) expect([key, cache.worthKeeping(key)]).toEqual([key, true]);
  });

  it("stays within its byte budget by dropping the least recently used pages", () => {
    const cache = new PageCache(100);
    cache.set("a", STATE, page(40), []);
    cache.set("b", STATE, page(40), []);
    expect(cache.get("a", STATE)).not.toBeNull(); // a is now the most recently used
    cache.set("c", STATE, page(40), []);
    expect(cache.get("b", STATE)).toBeNull();
    expect(cache.get("a", STATE)).not.toBeNull();
    expect(cache.get("c", STATE)).not.toBeNull();
    expect(cache.totalBytes).toBe(80);
    // Replacing a page counts its bytes once.
    cache.set("c", STATE, page(50), []);
    expect(cache.totalBytes).toBe(90);
    // A page larger than the whole budget is not kept, and evicts nothing.
    expect(cache.set("huge", STATE, page(101), [])).toBe(false);
    expect(cache.size).toBe(2);
  });

  it("keeps no header that belongs to one response", () => {
    const headers = new Headers({
      "content-type": "text/html; charset=utf-8",
      vary: "rsc",
      "set-cookie": "a=b",
      "content-length": "10",
      "content-encoding": "gzip",
      "transfer-encoding": "chunked",
      date: "Fri, 27 Nov 2026 06:00:00 GMT",
    });
    expect(Object.fromEntries(keptHeaders(headers))).toEqual({ "content-type": "text/html; charset=utf-8", vary: "rsc" });
  });
});

describe("form keys in a kept page", () => {
  const key = () => crypto.randomUUID();
  const html = (a: string, b: string) =>
    `<form><input type="hidden" name="idempotencyKey" value="${a}"/></form><p>${key()}</p><form><input type="hidden" name="idempotencyKey" value="${b}"/></form>`;

  it("are new on every serve, and nothing else in the page changes", () => {
    const [a, b] = [key(), key()];
    const original = html(a, b);
    const parts = splitFormKeys(original);
    expect(parts).toHaveLength(3);
    const served = [withFreshKeys(parts), withFreshKeys(parts)].map((bytes) => new TextDecoder().decode(bytes));
    const keysOf = (text: string) => [...text.matchAll(/name="idempotencyKey" value="([^"]+)"/g)].map((m) => m[1]);
    const [first, second] = served.map(keysOf) as [string[], string[]];
    expect(new Set([a, b, ...first, ...second]).size).toBe(6);
    for (const k of [...first, ...second]) expect(k).toMatch(/^[0-9a-f-]{36}$/);
    // The page with its keys taken out is the same.
    const blank = (text: string) => text.replace(/name="idempotencyKey" value="[^"]+"/g, "KEY");
    expect(blank(served[0]!)).toBe(blank(original));
    expect(blank(served[1]!)).toBe(blank(original));
  });

  it("leaves a page without forms as it is", () => {
    const text = "<p>no forms here</p>";
    expect(new TextDecoder().decode(withFreshKeys(splitFormKeys(text)))).toBe(text);
  });
});

describe("renderedWhole", () => {
  it("refuses a page where a section failed on the server, streamed or inline", () => {
    expect(renderedWhole("<main><section>ok</section></main>")).toBe(true);
    expect(renderedWhole('<script>$RX("B:1","abc")</script>')).toBe(false);
    expect(renderedWhole('<!--$!--><template data-dgst="123"></template>')).toBe(false);
  });
});

describe("readAll", () => {
  const stream = (chunks: number[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const n of chunks) controller.enqueue(new Uint8Array(n));
        controller.close();
      },
    });

  it("joins the chunks in order", async () => {
    const body = await readAll(stream([3, 0, 5]));
    expect(body?.byteLength).toBe(8);
  });

  it("gives up past the limit", async () => {
    expect(await readAll(stream([6, 6]), 10)).toBeNull();
    expect((await readAll(stream([5, 5]), 10))?.byteLength).toBe(10);
  });
});
