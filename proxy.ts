import { getToken } from "next-auth/jwt";
import { type NextRequest, NextResponse } from "next/server";
import { can } from "@/lib/auth/permissions";
import {
  keptHeaders,
  PageCache,
  readAll,
  readPageState,
  renderedWhole,
  withFreshKeys,
} from "@/lib/billing/page-cache";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";

/**
 * The billing page cache (lib/billing/page-cache.ts). A full page load of the billing page
 * by a signed-in admin is served from the kept copy when nothing on it has changed; else
 * the page is rendered as usual, streamed to the browser, and a copy is kept. Anything
 * else (client navigations, server actions, a hard reload, unknown query strings, any
 * failure here) goes to the page untouched, which checks access itself.
 */

const BILLING = "/dashboard/account/billing";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The page's only query parameter; other query strings are not kept. */
const KEPT_SEARCHES = new Set(["", "?trend=30", "?trend=90"]);
/** Marks the request this proxy makes to render the page, so it is not served from here. */
const RENDER_HEADER = "x-billing-page-render";
/** A render that takes longer is cut off (the browser gets an incomplete page). */
const RENDER_TIMEOUT_MS = 60_000;

const shared = globalThis as unknown as { billingPageCache?: PageCache };
const cache = (shared.billingPageCache ??= new PageCache());

/**
 * Sessions by the request's whole Cookie header: decoding next-auth's encrypted token
 * takes ~185 µs (its key is derived on every call), a seventh of a kept page's serve. The
 * token cannot change under the same cookies; its expiry is checked on every use.
 */
interface Session {
  userId: string;
  accountId: string;
  /** Seconds since the epoch. */
  expires: number;
}
const sessions = new Map<string, Session>();
const MAX_SESSIONS = 1_000;

async function sessionOf(request: NextRequest): Promise<Session | null> {
  const cookies = request.headers.get("cookie") ?? "";
  const known = sessions.get(cookies);
  if (known && known.expires * 1000 > Date.now()) return known;
  sessions.delete(cookies);
  const token = await getToken({ req: request, secret: getEnv().NEXTAUTH_SECRET });
  const userId = typeof token?.userId === "string" ? token.userId : "";
  const accountId = typeof token?.accountId === "string" ? token.accountId : "";
  const expires = typeof token?.exp === "number" ? token.exp : 0;
  if (!UUID.test(userId) || !UUID.test(accountId) || expires * 1000 <= Date.now()) return null;
  const session = { userId, accountId, expires };
  sessions.set(cookies, session);
  for (const oldest of sessions.keys()) {
    if (sessions.size <= MAX_SESSIONS) break;
    sessions.delete(oldest);
  }
  return session;
}

function cacheable(request: NextRequest): boolean {
  const headers = request.headers;
  return (
    request.method === "GET" &&
    request.nextUrl.pathname === BILLING &&
    KEPT_SEARCHES.has(request.nextUrl.search) &&
    headers.get(RENDER_HEADER) === null &&
    // A page load accepts HTML; client-side navigations and prefetches ask for the RSC
    // payload instead (skipProxyUrlNormalize in next.config.ts keeps their headers and
    // their _rsc parameter, which KEPT_SEARCHES does not list, visible here).
    (headers.get("accept") ?? "").includes("text/html") &&
    headers.get("rsc") === null &&
    headers.get("next-router-prefetch") === null &&
    headers.get("next-action") === null &&
    // A hard reload asks for a fresh page; so may an operator with curl.
    !/no-cache/i.test(headers.get("cache-control") ?? "") &&
    !/no-cache/i.test(headers.get("pragma") ?? "")
  );
}

/** To the page, uncached: its account changes faster than the page is looked at. */
function busy() {
  const passed = NextResponse.next();
  passed.headers.set("x-billing-page-cache", "busy");
  return passed;
}

export async function proxy(request: NextRequest) {
  if (!cacheable(request)) return NextResponse.next();
  try {
    const session = await sessionOf(request);
    if (!session) return NextResponse.next();
    const { userId, accountId } = session;
    const key = `${accountId} ${userId} ${request.nextUrl.search}`;
    // An account that changes faster than its page is looked at: straight to the page.
    if (!cache.worthKeeping(key)) return busy();
    const readAt = Date.now();
    const state = await readPageState(await getDb(), userId, accountId);
    // Signed-out, deactivated and non-admin visitors get the page's own answer.
    if (!state || !state.active || !can(state.role, "billing.view")) return NextResponse.next();

    const kept = cache.get(key, state);
    if (kept) {
      const headers = new Headers(kept.headers);
      headers.set("x-billing-page-cache", "hit");
      return new NextResponse(withFreshKeys(kept.parts) as BodyInit, { status: 200, headers });
    }
    // The copy just found changed may have been the one that showed the account churns.
    if (!cache.worthKeeping(key)) return busy();

    // Render the page through this server, stream it to the browser, keep a copy.
    const rendered = await fetch(`http://127.0.0.1:${process.env.PORT}${BILLING}${request.nextUrl.search}`, {
      headers: {
        cookie: request.headers.get("cookie") ?? "",
        accept: "text/html",
        "accept-encoding": "identity",
        "accept-language": request.headers.get("accept-language") ?? "",
        "user-agent": request.headers.get("user-agent") ?? "",
        [RENDER_HEADER]: "1",
      },
      redirect: "manual",
      cache: "no-store",
      signal: AbortSignal.timeout(RENDER_TIMEOUT_MS),
    });
    const headers = new Headers(keptHeaders(rendered.headers));
    for (const cookie of rendered.headers.getSetCookie()) headers.append("set-cookie", cookie);
    if (rendered.status !== 200 || !rendered.body || rendered.headers.getSetCookie().length > 0) {
      headers.set("x-billing-page-cache", "bypass");
      return new NextResponse(rendered.body, { status: rendered.status, headers });
    }
    const [toBrowser, toKeep] = rendered.body.tee();
    void readAll(toKeep)
      .then((body) => {
        const html = body && new TextDecoder().decode(body);
        if (html && renderedWhole(html)) cache.set(key, state, html, keptHeaders(rendered.headers), readAt);
      })
      .catch(() => undefined);
    headers.set("x-billing-page-cache", "miss");
    return new NextResponse(toBrowser, { status: 200, headers });
  } catch (error) {
    console.error("billing page cache:", error instanceof Error ? error.message : error);
    return NextResponse.next();
  }
}

export const config = { matcher: ["/dashboard/account/billing"] };
