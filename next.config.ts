import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite loads its wasm and data files from its own package folder; bundled, it breaks.
  serverExternalPackages: ["@electric-sql/pglite", "pg-boss"],
  poweredByHeader: false,
  // proxy.ts must tell the browser's page loads from the router's RSC requests: keep the
  // RSC headers and the _rsc query parameter on the requests it sees.
  skipProxyUrlNormalize: true,
  experimental: {
    // forbidden() renders app/forbidden.tsx with a real 403 status.
    authInterrupts: true,
  },
};

export default nextConfig;
