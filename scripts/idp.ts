import { demoDirectory } from "./dev-idp/directory";
import { startDevIdp } from "./dev-idp/server";

// Standalone development IdP, for `npm run dev` next to `next dev`.
const port = Number(process.env.IDP_PORT ?? 3001);
const appUrl = process.env.NEXTAUTH_URL ?? "http://localhost:3000";
const idp = await startDevIdp({
  port,
  clients: [
    {
      clientId: process.env.OIDC_CLIENT_ID ?? "billing-console",
      clientSecret: process.env.OIDC_CLIENT_SECRET ?? "demo-client-secret",
      redirectUris: [`${appUrl}/api/auth/callback/oidc`],
    },
  ],
  directory: demoDirectory(),
});
console.log(`Development identity provider on ${idp.issuer}`);
const stop = () => void idp.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
