import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { migrateDatabase } from "../db/migrate";
import { DEFAULT_PGLITE_DIR, openDatabaseFromEnv } from "../db/open-from-env";
import { seedDemo } from "../db/seed/demo";
import { DEMO_PASSWORD } from "../db/seed/people";
import { demoDirectory } from "./dev-idp/directory";
import { startDevIdp } from "./dev-idp/server";
import { ensureBuild } from "./lib/build";
import { startMailCatcher } from "./lib/mail-catcher";
import { serveCommand } from "./lib/serve-command";
import { waitForOk } from "./lib/wait";

const port = Number(process.env.PORT ?? 3000);
const idpPort = Number(process.env.IDP_PORT ?? 3001);
const inboxPort = Number(process.env.INBOX_PORT ?? 3002);
const appUrl = `http://localhost:${port}`;
const idpUrl = `http://localhost:${idpPort}`;
const clientId = "billing-console";
const clientSecret = "demo-client-secret";
const platformToken = process.env.PLATFORM_API_TOKEN ?? "demo-platform-token";
const metricsToken = process.env.METRICS_TOKEN ?? "demo-metrics-token";

/** A session secret kept beside the embedded data, so sessions survive a restart. */
function demoSecret(): string {
  if (process.env.NEXTAUTH_SECRET) return process.env.NEXTAUTH_SECRET;
  const file = path.join(path.dirname(path.resolve(process.env.PGLITE_DIR || DEFAULT_PGLITE_DIR)), "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

async function prepareDatabase() {
  const handle = await openDatabaseFromEnv();
  try {
    await migrateDatabase(handle);
    const result = await seedDemo(handle.db);
    const where =
      handle.driver === "pglite"
        ? `embedded PGlite in ${process.env.PGLITE_DIR || DEFAULT_PGLITE_DIR}`
        : "Postgres (DATABASE_URL)";
    console.log(`Database: ${where}, ${result.seeded ? "migrated and seeded" : "migrated, existing data reused"}`);
  } finally {
    // PGlite allows one process at a time: the app opens it next.
    await handle.close();
  }
}

async function main() {
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  await prepareDatabase();
  const build = await ensureBuild();
  if (build === "reused") console.log("Build: up to date");

  const idp = await startDevIdp({
    port: idpPort,
    clients: [{ clientId, clientSecret, redirectUris: [`${appUrl}/api/auth/callback/oidc`] }],
    directory: demoDirectory(),
    env: { ...process.env, NODE_ENV: "production", DEV_IDP_ENABLED: "true" },
  });

  // Every email the demo sends lands in a local inbox; nothing leaves the machine.
  const inbox = await startMailCatcher({ webPort: inboxPort });

  const server = serveCommand();
  const app: ChildProcess = spawn(
    server.command,
    server.args,
    {
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        PORT: String(port),
        NODE_ENV: "production",
        NEXTAUTH_URL: appUrl,
        NEXTAUTH_SECRET: demoSecret(),
        OIDC_ISSUER: idpUrl,
        OIDC_CLIENT_ID: clientId,
        OIDC_CLIENT_SECRET: clientSecret,
        PLATFORM_API_TOKEN: platformToken,
        METRICS_TOKEN: metricsToken,
        SMTP_URL: inbox.smtpUrl,
        // No load balancer to wait for.
        SHUTDOWN_READY_DELAY_MS: process.env.SHUTDOWN_READY_DELAY_MS ?? "0",
      },
    },
  );

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (app.exitCode === null && app.signalCode === null) {
      app.kill("SIGTERM");
      await new Promise((resolve) => app.once("exit", resolve));
    }
    await idp.close();
    await inbox.close();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  app.once("exit", (code, signal) => {
    if (stopping) return;
    // Ctrl-C in a terminal signals the app too, which may stop before this process hears it.
    // The server drains and exits 0 on SIGINT and SIGTERM.
    const interrupted = signal === "SIGINT" || signal === "SIGTERM" || code === 0 || code === 130 || code === 143;
    if (!interrupted) console.error(`The app stopped (exit code ${code}).`);
    void stop(interrupted ? 0 : (code ?? 1));
  });

  await waitForOk(`${appUrl}/api/health`);
  console.log(`
  Billing console        ${appUrl}/dashboard/account/billing
  Identity provider      ${idpUrl}  (development only)
  Demo inbox             ${inbox.inboxUrl}  (the emails the app sends)
  Demo logins (password "${DEMO_PASSWORD}"):
    admin@acme.test      Admin of Acme (EUR)
    agent@acme.test      Agent of Acme (sees the 403 page)
    admin@globex.test    Admin of Globex (USD)
  Platform API token     ${platformToken}
  Report a call          curl -X POST ${appUrl}/api/usage/events \\
                           -H "Authorization: Bearer ${platformToken}" -H "Content-Type: application/json" \\
                           -d '{"records":[{"id":"call-1","account":"acme","kind":"call","direction":"outbound","from":"+493012340100","to":"+4990012345","startedAt":"'$(date -u +%Y-%m-%dT%H:%M:%SZ)'","durationSeconds":125}]}'
  Metrics (Prometheus)   curl -H "Authorization: Bearer ${metricsToken}" ${appUrl}/api/metrics

  Press Ctrl-C to stop.
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
