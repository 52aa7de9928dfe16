/**
 * Names a request by its route's pattern (`/api/billing/invoices/[id]/pdf`), never by its
 * raw path, so that metric labels stay a short fixed list. The patterns come from the
 * build's `app-path-routes-manifest.json`; anything else is `_next` (built assets) or
 * `other`.
 */
export type RouteNamer = (pathname: string) => string;

const escape = (text: string) => text.replace(/[.*+?^${}()|\\]/g, "\\$&");

function matcherOf(pattern: string): RegExp {
  const parts = pattern
    .split("/")
    .filter(Boolean)
    .map((part) => {
      if (/^\[\[\.\.\.[^\]]+\]\]$/.test(part)) return "(?:/.*)?";
      if (/^\[\.\.\.[^\]]+\]$/.test(part)) return "/.+";
      if (/^\[[^\]]+\]$/.test(part)) return "/[^/]+";
      return `/${escape(part)}`;
    });
  return new RegExp(`^${parts.join("") || "/"}/?$`);
}

/** Static patterns before dynamic ones, so `/a/new` wins over `/a/[id]`. */
export function routeNamer(patterns: Iterable<string>): RouteNamer {
  const unique = [...new Set(patterns)].filter((p) => !p.startsWith("/_"));
  const dynamicParts = (p: string) => (p.match(/\[/g) ?? []).length;
  const matchers = unique
    .sort((a, b) => dynamicParts(a) - dynamicParts(b) || b.length - a.length)
    .map((pattern) => ({ pattern, regex: matcherOf(pattern) }));
  return (pathname) => {
    if (pathname.startsWith("/_next/")) return "_next";
    for (const { pattern, regex } of matchers) if (regex.test(pathname)) return pattern;
    return "other";
  };
}
