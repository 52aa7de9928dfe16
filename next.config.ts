import type { NextConfig } from "next";
import { ROUTE_HANDLER_HEADERS } from "./lib/security/headers";

const nextConfig: NextConfig = {
  // PGlite loads its wasm and data files from its own package folder; bundled, it breaks.
  // react-pdf renders invoices in route handlers with its own font and layout engines (Node only).
  serverExternalPackages: ["@electric-sql/pglite", "pg-boss", "@react-pdf/renderer"],
  poweredByHeader: false,
  async headers() {
    const headers = Object.entries(ROUTE_HANDLER_HEADERS).map(([key, value]) => ({ key, value }));
    return [{ source: "/api", headers }, { source: "/api/:path*", headers }];
  },
  experimental: {
    // forbidden() renders app/forbidden.tsx with a real 403 status.
    authInterrupts: true,
  },
};

export default nextConfig;
