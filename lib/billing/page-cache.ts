import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { CATALOG_VERSION_KEY, type UserRole } from "@/db/schema";

/**
 * The rendered billing page, kept per user and served again while nothing it shows has
 * changed. Every request is checked against the database before a kept page is served:
 * the user must still be active with the same role, and the account's content version
 * (bumped at commit by every change to what the page reads; migration 0006), its balance
 * row's last writer (every ledger posting; migration 0007), the catalog's version and the
 * account's calendar day must be what they were when the page was rendered. A kept page
 * is also dropped a minute after its state was read, so nothing that depends on the clock
 * alone (a bundle that expires) is shown for longer than that.
 */

const PAGE_CACHE_TTL_MS = 60_000;
/** All kept pages together stay under this many bytes (least recently used go first). */
const PAGE_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** A page larger than this is served but not kept. */
const MAX_ENTRY_BYTES = 2 * 1024 * 1024;

/** What a kept page depends on, read fresh on every request. */
export interface PageState {
  role: UserRole;
  active: boolean;
  version: string;
  catalogVersion: string;
  /** The balance row's xmin: changes with every ledger posting (which bumps no version). */
  balanceMark: string;
  /** The account's calendar day (YYYY-MM-DD in its time zone). */
  day: string;
}

export interface KeptPage {
  state: PageState;
  /** When the state was read, before the render began. */
  renderedAt: number;
  /** The page's HTML split where its forms' idempotency keys go (see withFreshKeys). */
  parts: Buffer[];
  bytes: number;
  headers: [string, string][];
  /** Times served from here. */
  hits: number;
}

/**
 * A form's idempotency key as the page renders it. A kept page is served again, so its keys
 * would be shared by every copy served, also before the browser replaces them (a submit
 * before hydration, or without JavaScript): a second top-up would be taken for a repeat of
 * the first. Each serve gets keys of its own instead.
 */
const FORM_KEY = /(?<=name="idempotencyKey" value=")[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=")/g;

/** The page's bytes split where its form keys go (a page without forms is one part). */
export function splitFormKeys(html: string): Buffer[] {
  return html.split(FORM_KEY).map((part) => Buffer.from(part));
}

/** The page with a new key in each place; one copy of the bytes, no text encoding. */
export function withFreshKeys(parts: Buffer[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const pieces: Buffer[] = [parts[0]!];
  for (let i = 1; i < parts.length; i++) pieces.push(Buffer.from(crypto.randomUUID(), "latin1"), parts[i]!);
  return Buffer.concat(pieces);
}

/**
 * A page is kept only if React streamed every section whole: a section that failed on the
 * server leaves an error boundary (client-rendered fallback) in the HTML.
 */
export function renderedWhole(html: string): boolean {
  return !html.includes("$RX(") && !html.includes("<!--$!-->") && !html.includes("data-dgst=");
}

/** One indexed read: the user, the account's day, both content versions and the balance row's writer. */
export async function readPageState(db: Executor, userId: string, accountId: string): Promise<PageState | null> {
  const result = (await db.execute(sql`
    select u.role, u.active,
           to_char(now() at time zone a.time_zone, 'YYYY-MM-DD') as day,
           coalesce((select v.version from content_versions v where v.account_id = u.account_id), 0)::text as version,
           coalesce((select v.version from content_versions v where v.account_id = ${CATALOG_VERSION_KEY}::uuid), 0)::text as catalog_version,
           -- The transaction that last wrote the balance row: every posting, every threshold change.
           coalesce((select b.xmin::text from credit_balances b where b.account_id = u.account_id), '') as balance_mark
    from users u
    join accounts a on a.id = u.account_id
    where u.id = ${userId} and u.account_id = ${accountId}`)) as unknown as {
    rows: { role: UserRole; active: boolean; day: string; version: string; catalog_version: string; balance_mark: string }[];
  };
  const row = result.rows[0];
  if (!row) return null;
  return {
    role: row.role,
    active: row.active,
    day: row.day,
    version: row.version,
    catalogVersion: row.catalog_version,
    balanceMark: row.balance_mark,
  };
}

function sameState(a: PageState, b: PageState): boolean {
  return (
    a.role === b.role &&
    a.active === b.active &&
    a.version === b.version &&
    a.catalogVersion === b.catalogVersion &&
    a.balanceMark === b.balanceMark &&
    a.day === b.day
  );
}

/**
 * Some accounts change faster than their page is looked at (calls rated all the time).
 * A page kept for them changes before it is ever served again, and keeping costs a miss
 * about a fifth more than a plain render (the render goes through an internal request and
 * is copied). After CHURN_STREAK kept pages in a row that changed unserved within
 * CHURN_MS of being read, a key is not kept for CHURN_PAUSE_MS.
 */
export const CHURN_MS = 5_000;
export const CHURN_STREAK = 2;
export const CHURN_PAUSE_MS = 30_000;
const MAX_CHURN_KEYS = 10_000;

/** Kept pages, least recently used first (a Map keeps insertion order). */
export class PageCache {
  private readonly pages = new Map<string, KeptPage>();
  private bytes = 0;
  /** Per key: kept pages in a row that changed unserved, and until when it is not kept. */
  private readonly churn = new Map<string, { streak: number; pausedUntil: number }>();

  constructor(
    private readonly maxBytes = PAGE_CACHE_MAX_BYTES,
    private readonly ttlMs = PAGE_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The kept page for this key if it was rendered in exactly this state, not too long ago. */
  get(key: string, state: PageState): KeptPage | null {
    const page = this.pages.get(key);
    if (!page) return null;
    const age = this.now() - page.renderedAt;
    const changed = !sameState(page.state, state);
    if (changed || age > this.ttlMs) {
      this.delete(key);
      if (changed && page.hits === 0 && age < CHURN_MS) this.churned(key);
      return null;
    }
    page.hits++;
    this.churn.delete(key);
    // Most recently used goes last.
    this.pages.delete(key);
    this.pages.set(key, page);
    return page;
  }

  /** Keeps a page rendered in `state`, read at `renderedAt` (before the render began). */
  set(key: string, state: PageState, html: string, headers: [string, string][], renderedAt = this.now()): boolean {
    this.delete(key);
    const bytes = Buffer.byteLength(html);
    if (bytes > MAX_ENTRY_BYTES || bytes > this.maxBytes) return false;
    this.pages.set(key, { state, renderedAt, parts: splitFormKeys(html), bytes, headers, hits: 0 });
    this.bytes += bytes;
    for (const [oldest, page] of this.pages) {
      if (this.bytes <= this.maxBytes) break;
      this.pages.delete(oldest);
      this.bytes -= page.bytes;
    }
    return true;
  }

  /** Whether a page for this key is worth keeping now (its account is not churning). */
  worthKeeping(key: string): boolean {
    const churn = this.churn.get(key);
    if (!churn || churn.pausedUntil === 0) return true;
    if (churn.pausedUntil > this.now()) return false;
    this.churn.delete(key);
    return true;
  }

  private churned(key: string) {
    const streak = (this.churn.get(key)?.streak ?? 0) + 1;
    this.churn.delete(key);
    this.churn.set(key, streak >= CHURN_STREAK ? { streak: 0, pausedUntil: this.now() + CHURN_PAUSE_MS } : { streak, pausedUntil: 0 });
    for (const oldest of this.churn.keys()) {
      if (this.churn.size <= MAX_CHURN_KEYS) break;
      this.churn.delete(oldest);
    }
  }

  delete(key: string) {
    const page = this.pages.get(key);
    if (!page) return;
    this.pages.delete(key);
    this.bytes -= page.bytes;
  }

  get size() {
    return this.pages.size;
  }

  get totalBytes() {
    return this.bytes;
  }
}

/** Response headers a kept page is served with: none that belong to one response only. */
const NOT_KEPT = new Set(["set-cookie", "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive", "date"]);

export function keptHeaders(headers: Headers): [string, string][] {
  return [...headers.entries()].filter(([name]) => !NOT_KEPT.has(name.toLowerCase()));
}

/** Reads a stream to its end, or gives up (null) past `limit` bytes. */
export async function readAll(stream: ReadableStream<Uint8Array>, limit = MAX_ENTRY_BYTES): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
