import { type ChildProcess, spawn } from "node:child_process";
import autocannon from "autocannon";
import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import pg from "pg";
import { type DatabaseHandle, openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { users } from "../db/schema";
import { BENCH_DEFAULTS, seedBenchAccount } from "../db/seed/bench";
import { seedDemo } from "../db/seed/demo";
import { ensureBuild } from "../scripts/lib/build";
import { serveCommand } from "../scripts/lib/serve-command";
import { waitForOk } from "../scripts/lib/wait";
import { freePort } from "../tests/support/free-port";

/**
 * Runs `operation(0..count-1)` with `inFlight` running at a time; returns the seconds taken.
 */
export async function inFlight(count: number, concurrency: number, operation: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await operation(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** One figure, printed as the JSON line the benchmark contract names. */
export function report(bench: string, metric: string, value: number, unit: string) {
  console.log(JSON.stringify({ bench, metric, value: Math.round(value * 100) / 100, unit }));
}

export const BENCH_SECRET = "bench-secret-0123456789abcdef0123456789abcdef";

/**
 * The benchmark database on a local Postgres server (BENCH_DATABASE_URL, else
 * DATABASE_URL's server, else postgres://postgres@127.0.0.1:5432), named
 * BENCH_DATABASE_NAME (billing_bench): migrated, with the demo tenants and the large
 * "bench" tenant. Kept between runs; seeded once. A bench that adds data of its own (the
 * spend breakdown's usage) names a `suffix`, so its data never weighs on the others' figures.
 */
export async function benchDatabase(options: { suffix?: string } = {}): Promise<{ url: string; handle: DatabaseHandle }> {
  const server = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const url = new URL(server);
  const name = `${process.env.BENCH_DATABASE_NAME || "billing_bench"}${options.suffix ?? ""}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`BENCH_DATABASE_NAME "${name}" is not a plain database name`);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
  if (exists.rowCount === 0) await admin.query(`create database ${name}`);
  await admin.end();
  const handle = await openDatabase({ url: url.toString(), poolMax: 4 });
  await migrateDatabase(handle);
  await seedDemo(handle.db);
  const started = Date.now();
  const seeded = await seedBenchAccount(handle.db, BENCH_DEFAULTS);
  if (seeded.seeded) console.error(`bench: seeded the large account in ${Date.now() - started} ms`);
  return { url: url.toString(), handle };
}

/** A next-auth session cookie for a user, as the sign-in would set it. */
export async function sessionCookie(handle: DatabaseHandle, email: string): Promise<string> {
  const [user] = await handle.db.select().from(users).where(eq(users.email, email));
  if (!user) throw new Error(`no user ${email}`);
  const token = await encode({
    token: { sub: user.id, email, name: user.name, userId: user.id, accountId: user.accountId },
    secret: BENCH_SECRET,
  });
  return `next-auth.session-token=${token}`;
}

/** Starts the production build on a free port against the given database (`nodeArgs`: e.g. --cpu-prof). */
export async function startApp(
  databaseUrl: string,
  options: { nodeArgs?: string[] } = {},
): Promise<{ url: string; stop(): Promise<void>; pid: number }> {
  await ensureBuild((line) => console.error(`bench: ${line}`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = serveCommand();
  const app: ChildProcess = spawn(server.command, [...(options.nodeArgs ?? []), ...server.args], {
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      PORT: String(port),
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: databaseUrl,
      NEXTAUTH_URL: `http://localhost:${port}`,
      NEXTAUTH_SECRET: BENCH_SECRET,
      OIDC_ISSUER: "http://localhost:1",
      OIDC_CLIENT_ID: "bench",
      OIDC_CLIENT_SECRET: "bench",
      // No load balancer to wait for when the bench stops it.
      SHUTDOWN_READY_DELAY_MS: "0",
      PLATFORM_API_TOKEN: "bench-platform-token-0123456789",
    },
  });
  await waitForOk(`${url}/api/health`);
  return {
    url,
    pid: app.pid!,
    stop: async () => {
      if (app.exitCode !== null) return;
      app.kill("SIGTERM");
      await new Promise((resolve) => app.once("exit", resolve));
    },
  };
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Loads one URL with autocannon at the given concurrency. */
export async function load(
  url: string,
  options: { connections: number; seconds: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    headers: options.headers,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
