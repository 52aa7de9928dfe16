/**
 * Where a visitor may be sent back to after sign-in. The value comes from the address bar
 * (`/login?callbackUrl=...`) or from next-auth's callback-url cookie, so anyone can craft it.
 *
 * Rules:
 * - Only a path of this site: it starts with a single `/`; never `//` or `/\`, which
 *   browsers read as "another host".
 * - No control characters (C0, DEL, C1) and no backslash anywhere: browsers drop tabs and
 *   newlines from URLs (so `/<TAB>/evil.example` becomes `//evil.example`) and read `\`
 *   as `/`; a newline in a Location header also makes the server fail.
 * - The same holds for every percent-decoded form (`/%2F%2Fevil.example`, `/%09/`,
 *   `/%5Cevil.example`), because a proxy or framework on the way may decode it once more.
 * - Anything else, or anything that cannot be decoded, becomes the default path.
 */

/** The home page, which sends each role to its own landing page. */
export const DEFAULT_RETURN_PATH = "/";

const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\\]/;
/** A base no real request has, to resolve a path the way a browser would. */
const PROBE_ORIGIN = "https://return-path.invalid";
/** A real link is encoded once; deeper nesting is only seen in attacks. */
const MAX_DECODING_ROUNDS = 3;

function resolvesOnThisSite(path: string): URL | null {
  if (!path.startsWith("/") || path.startsWith("//") || UNSAFE_CHARACTER.test(path)) return null;
  const url = new URL(path, PROBE_ORIGIN);
  if (url.origin !== PROBE_ORIGIN || url.pathname.startsWith("//")) return null;
  return url;
}

/** A path of this app to come back to after sign-in; anything else becomes the default path. */
export function safeReturnPath(value: string | null | undefined): string {
  if (!value) return DEFAULT_RETURN_PATH;
  const url = resolvesOnThisSite(value);
  if (!url) return DEFAULT_RETURN_PATH;
  let decoded = value;
  for (let round = 0; round <= MAX_DECODING_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return DEFAULT_RETURN_PATH;
    }
    if (next === decoded) return url.pathname + url.search + url.hash;
    if (!resolvesOnThisSite(next)) return DEFAULT_RETURN_PATH;
    decoded = next;
  }
  return DEFAULT_RETURN_PATH;
}

/**
 * next-auth's redirect callback: the same rules for the URL it redirects to after sign-in
 * or sign-out, given as a path or as an absolute URL of this site. Returns an absolute URL
 * on `baseUrl` (next-auth's own origin).
 */
export function safeRedirectUrl(url: string, baseUrl: string): string {
  const origin = new URL(baseUrl).origin;
  if (url.startsWith("/")) return origin + safeReturnPath(url);
  if (UNSAFE_CHARACTER.test(url) || !URL.canParse(url)) return origin + DEFAULT_RETURN_PATH;
  const target = new URL(url);
  if (target.origin !== origin) return origin + DEFAULT_RETURN_PATH;
  return origin + safeReturnPath(target.pathname + target.search + target.hash);
}
