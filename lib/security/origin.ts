import { isRouteHandlerPath } from "./headers";

/**
 * Cross-site requests to the console's pages. A page accepts a POST only as a server
 * action; Next.js refuses one whose Origin is not the host it was sent to, but answers
 * 500. The proxy refuses them first, with a 403, by the same comparison: the Origin's host
 * against X-Forwarded-Host (its first value), else Host.
 *
 * A request without an Origin header is not a browser's cross-site request (browsers
 * send one with every POST) and passes, as in Next.js. Route handlers under /api are not
 * concerned: they are called by servers and check a bearer token, a signature or
 * next-auth's CSRF token themselves.
 */
export interface RequestOrigin {
  method: string;
  pathname: string;
  origin: string | null;
  host: string | null;
  forwardedHost: string | null;
}

const READ_ONLY_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function hostOf(origin: string): string | null {
  if (!URL.canParse(origin)) return null;
  const url = new URL(origin);
  return url.protocol === "http:" || url.protocol === "https:" ? url.host : null;
}

export function isCrossOriginPageWrite({ method, pathname, origin, host, forwardedHost }: RequestOrigin): boolean {
  if (READ_ONLY_METHODS.has(method.toUpperCase())) return false;
  if (isRouteHandlerPath(pathname)) return false;
  if (origin === null) return false;
  const target = forwardedHost?.split(",")[0]?.trim() || host;
  const source = hostOf(origin);
  return !source || !target || source !== target;
}
