import { type NextRequest, NextResponse } from "next/server";
import { getEnv } from "@/lib/env";
import { isServedOverHttps, newNonce, securityHeaders } from "@/lib/security/headers";
import { isCrossOriginPageWrite } from "@/lib/security/origin";

/**
 * Security headers on every page, with a nonce per response; cross-site server actions
 * refused with 403. Route handlers get fixed headers from next.config.ts instead.
 */
export function proxy(request: NextRequest) {
  const env = getEnv();
  const headers = securityHeaders({
    nonce: newNonce(),
    https: isServedOverHttps(env.NEXTAUTH_URL, request.headers.get("x-forwarded-proto")),
    stripe: !!env.STRIPE_PUBLISHABLE_KEY,
    development: env.NODE_ENV === "development",
  });
  const crossOrigin = isCrossOriginPageWrite({
    method: request.method,
    pathname: request.nextUrl.pathname,
    origin: request.headers.get("origin"),
    host: request.headers.get("host"),
    forwardedHost: request.headers.get("x-forwarded-host"),
  });
  if (crossOrigin) {
    return new NextResponse("Cross-origin request refused.\n", {
      status: 403,
      headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  // Next.js takes the nonce for its inline scripts from the request's policy.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", headers["Content-Security-Policy"]!);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Built files carry no page and change only with a deployment; route handlers run no script.
  matcher: ["/((?!_next/static|_next/image|api/).*)"],
};
