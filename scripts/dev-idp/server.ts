import { generateKeyPairSync, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { loginPage } from "./login-page";

export interface DirectoryEntry {
  email: string;
  name: string;
  password: string;
  emailVerified?: boolean;
}

export interface DevIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface DevIdpOptions {
  port: number;
  /** Public issuer URL; defaults to http://localhost:<port>. */
  issuer?: string;
  clients: DevIdpClient[];
  directory: DirectoryEntry[];
  env?: Record<string, string | undefined>;
}

export interface DevIdp {
  issuer: string;
  port: number;
  close(): Promise<void>;
}

export class DevIdpRefused extends Error {}

/** The bundled development IdP is for demos and tests; production needs an explicit opt-in. */
export function assertDevIdpAllowed(env: Record<string, string | undefined>): void {
  if (env.NODE_ENV === "production" && env.DEV_IDP_ENABLED !== "true") {
    throw new DevIdpRefused(
      "The development identity provider does not start when NODE_ENV=production. " +
        "Use your company's OpenID Connect provider, or set DEV_IDP_ENABLED=true for a demo.",
    );
  }
}

function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

/** Starts an OpenID Connect provider (oidc-provider) with its own login form. */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  assertDevIdpAllowed(options.env ?? process.env);
  const issuer = options.issuer ?? `http://localhost:${options.port}`;
  const people = new Map(options.directory.map((p) => [p.email.toLowerCase(), p]));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "dev-idp-1", use: "sig", alg: "RS256" };

  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    })),
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Put email and name into the ID token, which is what the app reads.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(32).toString("hex")] },
    jwks: { keys: [signingKey as never] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      Interaction: 10 * 60,
      Session: 8 * 60 * 60,
      Grant: 8 * 60 * 60,
      AccessToken: 10 * 60,
      AuthorizationCode: 60,
      IdToken: 10 * 60,
    },
    async findAccount(_ctx, sub) {
      const person = people.get(sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: person.email,
            email_verified: person.emailVerified ?? true,
            name: person.name,
          };
        },
      };
    },
  });
  const oidc = provider.callback();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) {
      oidc(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      const clientName = details.params.client_id === options.clients[0]?.clientId ? "the billing console" : "the app";
      if (req.method === "GET" && details.prompt.name === "login") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(loginPage({ action: `/interaction/${details.uid}/login`, clientName }));
        return;
      }
      if (req.method === "POST" && match[2] === "/login" && details.prompt.name === "login") {
        const form = await readForm(req);
        const email = (form.get("email") ?? "").trim().toLowerCase();
        const person = people.get(email);
        if (!person || !samePassword(form.get("password") ?? "", person.password)) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
          res.end(
            loginPage({
              action: `/interaction/${details.uid}/login`,
              email,
              error: "Wrong email or password.",
              clientName,
            }),
          );
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
        return;
      }
      if (details.prompt.name === "consent") {
        // First-party client: consent is implied; grant what the client asked for.
        const accountId = details.session?.accountId;
        const clientId = details.params.client_id;
        if (typeof accountId !== "string" || typeof clientId !== "string") throw new Error("interaction without session");
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId, clientId });
        if (!grant) throw new Error("grant not found");
        const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      res.writeHead(400, { "content-type": "text/plain" });
      res.end(`unsupported interaction: ${details.prompt.name}`);
    } catch (error) {
      console.error("dev idp interaction failed:", error instanceof Error ? error.message : error);
      if (!res.headersSent) {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end("This sign-in request expired or is invalid. Start again from the app.");
      }
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    issuer,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
