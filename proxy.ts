import { type NextRequest, NextResponse } from "next/server";
import { getEnv } from "@/lib/env";
import { isServedOverHttps, newNonce, securityHeaders } from "@/lib/security/headers";
import { isCrossOriginPageWrite } from "@/lib/security/origin";

/** Security headers on every page and route handler; cross-site server actions refused with 403. */
export function proxy(request: NextRequest) {
  const env = getEnv();
  const headers = securityHeaders(request.nextUrl.pathname, {
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
  // Built files carry no page and change only with a deployment.
  matcher: ["/((?!_next/static|_next/image).*)"],
};
