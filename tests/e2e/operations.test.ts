import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import { parse } from "csv-parse/sync";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, autoTopUpSettings, paymentMethods, users } from "@/db/schema";
import { queryRows } from "@/db/typed-sql";
import { linkQuery, signLink } from "@/lib/exports/signed-link";
import { serveCommand } from "../../scripts/lib/serve-command";
import { E2E_METRICS_TOKEN, E2E_SECRET } from "../support/e2e-global-setup";
import { addMovements, addNumber, createAccount, subscribe } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { waitForOk } from "../../scripts/lib/wait";
import { appDatabaseUrl, appUrl, skipReason, useAppDatabase } from "./browser";

/**
 * What operators rely on: the request id that follows a request into its jobs, and an
 * instance that stops without cutting what it serves. The stop is tried on a second
 * instance of the app, beside the shared one, on the same Postgres database.
 */

const PLATFORM_TOKEN = "e2e-platform-token-0123456789";
const APP_NAME = "billing-e2e-stopping-instance";
const database = useAppDatabase();
const db = () => database()!.db;

async function startInstance(graceMs = 60_000, readyDelayMs = 1_000): Promise<{ url: string; child: ChildProcess; exited: Promise<number | null>; output: () => string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = serveCommand();
  let output = "";
  const child = spawn(server.command, server.args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: appDatabaseUrl!,
      // Its connections are named, to find what it leaves behind in pg_stat_activity.
      PGAPPNAME: APP_NAME,
      NEXTAUTH_URL: `http://localhost:${port}`,
      NEXTAUTH_SECRET: E2E_SECRET,
      OIDC_ISSUER: "http://localhost:1",
      OIDC_CLIENT_ID: "e2e",
      OIDC_CLIENT_SECRET: "e2e",
      PLATFORM_API_TOKEN: PLATFORM_TOKEN,
      SHUTDOWN_GRACE_MS: String(graceMs),
      SHUTDOWN_READY_DELAY_MS: String(readyDelayMs),
      // A line for every request, to check what they carry.
      LOG_LEVEL: "debug",
      SMTP_URL: "",
    },
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await waitForOk(`${url}/api/ready`, 60_000);
  return { url, child, exited, output: () => output };
}

/**
 * A GET whose reading stops after the first chunk (the server waits: the export honours
 * backpressure) until `resume()`; `finished()` says whether the answer has ended.
 */
function pausedGet(url: string, headers: Record<string, string>) {
  let firstBytes: () => void = () => {};
  const started = new Promise<void>((resolve) => (firstBytes = resolve));
  let response: http.IncomingMessage | undefined;
  let ended = false;
  const done = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; complete: boolean }>((resolve, reject) => {
    http
      .get(url, { headers }, (answer) => {
        response = answer;
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          if (chunks.length === 1) {
            answer.pause();
            firstBytes();
          }
        });
        answer.on("end", () => {
          ended = true;
          resolve({ status: answer.statusCode!, headers: answer.headers, body: Buffer.concat(chunks).toString("utf8"), complete: answer.complete });
        });
        answer.on("error", () => undefined);
        // A cut answer ends without "end": it errors or closes once what arrived is read.
        answer.on("close", () => {
          ended = true;
          resolve({ status: answer.statusCode!, headers: answer.headers, body: Buffer.concat(chunks).toString("utf8"), complete: answer.complete });
        });
      })
      .on("error", reject);
  });
  return { started, done, resume: () => response?.resume(), finished: () => ended };
}

/**
 * A JSON POST whose body, sent in chunks with no Content-Length, never ends: 4 KiB every
 * few milliseconds until the server answers. The answer, or how the connection failed.
 */
function endlessPost(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string } | { error: string }>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const req = http.request(url, { method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      clearInterval(timer);
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on("error", (error) => resolve({ error: String(error) }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? String(error) }));
    req.write('{"account": "acme", "padding": "');
    timer = setInterval(() => {
      if (!req.destroyed && req.writable) req.write("x".repeat(4096));
    }, 2);
    setTimeout(() => {
      clearInterval(timer);
      req.destroy();
      resolve({ error: "no answer in 10 s" });
    }, 10_000).unref();
  });
}

const refusesConnections = (url: string) =>
  fetch(url).then(
    (response) => `answered ${response.status}`,
    (error: { cause?: { code?: string } }) => error.cause?.code ?? "failed",
  );

describe.skipIf(!!skipReason)("operations", () => {
  it.each([
    ["a well-formed one", "caller-chosen-0001"],
    ["a malformed one", "bad id"],
    ["none", null],
  ])("returns a request id of its own whatever the caller sent (%s)", async (_, sent) => {
    const answer = await fetch(appUrl("/api/health"), { headers: sent ? { "x-request-id": sent } : {} });
    const id = answer.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).not.toBe(sent);
  });

  it("answers readiness", async () => {
    const ready = await fetch(appUrl("/api/ready"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it.each([
    ["without a token, before reading the body", {}, 401],
    ["with a wrong token, before reading the body", { authorization: "Bearer e2e-platform-token-wrong-000" }, 401],
    ["with the token, a body sent in chunks past 16 KiB", { authorization: `Bearer ${PLATFORM_TOKEN}` }, 413],
  ])("answers the authorization route %s in JSON with the route's headers", async (_, headers, status) => {
    const answer = await endlessPost(appUrl("/api/calls/authorize"), headers);
    expect(answer, "an answer, not a reset").toMatchObject({ status });
    const { body, headers: answered } = answer as { body: string; headers: http.IncomingHttpHeaders };
    expect(JSON.parse(body)).toMatchObject({ error: expect.any(String) });
    expect(answered["content-security-policy"]).toMatch(/^default-src 'none';/);
    expect(answered.connection).toBe("close");
  });

  it("serves Prometheus metrics only with the token, with request durations by route pattern", async () => {
    const authorize = await fetch(appUrl("/api/calls/authorize"), {
      method: "POST",
      headers: { authorization: `Bearer ${PLATFORM_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ account: "acme", direction: "outbound", from: "+493012340100", to: "+33612345678" }),
    });
    expect(authorize.status).toBe(200);
    expect(authorize.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(authorize.headers.get("content-security-policy")).toMatch(/^default-src 'none';/);
    await fetch(appUrl("/api/billing/invoices/00000000-0000-4000-8000-000000000000/pdf"));

    const wrong: Record<string, string>[] = [{}, { authorization: "Bearer e2e-metrics-token-wrong-000" }, { authorization: `Basic ${E2E_METRICS_TOKEN}` }];
    for (const headers of wrong) {
      const refused = await fetch(appUrl("/api/metrics"), { headers });
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain("http_request_duration_seconds");
    }
    const scraped = await fetch(appUrl("/api/metrics"), { headers: { authorization: `Bearer ${E2E_METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/api\/calls\/authorize",status="200"\} [1-9]/m);
    expect(text, "an id in a path is a pattern in the label").toContain('route="/api/billing/invoices/[id]/pdf"');
    expect(text).not.toContain("00000000-0000-4000-8000-000000000000");
    expect(text).toMatch(/^billing_queue_reachable 1$/m);
  });

  it.skipIf(!appDatabaseUrl)("passes the request id into the job a request enqueues", async () => {
    // A tenant with auto top-up at 20.00 and 50.00 of credit: a 40.00 call crosses it.
    const { account } = await createAccount(db());
    const start = new Date(Date.now() - 5 * 86_400_000);
    await subscribe(db(), account.id, { start, end: new Date(start.getTime() + 30 * 86_400_000) });
    await db().insert(users).values({ accountId: account.id, email: `agent@${account.slug}.test`, name: "Agent", role: "agent" });
    await addNumber(db(), account.id, "+4930555555");
    await db().insert(paymentMethods).values({
      accountId: account.id,
      provider: "sandbox",
      type: "card",
      providerPaymentMethodId: `pm_sandbox_succeeds_${account.slug}`,
      cardBrand: "visa",
      cardLast4: "4242",
      cardExpMonth: 12,
      cardExpYear: 2034,
    });
    await addMovements(db(), account.id, [{ type: "top_up_manual", amount: 5_000, interactionId: `pi_${account.slug}_opening` }]);
    await db().insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 2_000, amount: 10_000 });

    const callersId = `usage-batch-${Date.now()}`;
    const response = await fetch(appUrl("/api/usage/events"), {
      method: "POST",
      headers: { authorization: `Bearer ${PLATFORM_TOKEN}`, "content-type": "application/json", "x-request-id": callersId },
      body: JSON.stringify({
        records: [{
          id: `ops-premium-${Date.now()}`, account: account.slug, kind: "call", direction: "outbound", from: "+4930555555",
          to: "+4990012345", startedAt: new Date(Date.now() - 3_600_000).toISOString(), durationSeconds: 3_600, user: `agent@${account.slug}.test`,
        }],
      }),
    });
    const requestId = response.headers.get("x-request-id");
    expect(requestId, "the caller's id is not taken").not.toBe(callersId);
    const { results } = (await response.json()) as { results: { status: string; reason: string }[] };
    expect(results[0], results[0]?.reason).toMatchObject({ status: "rated" });
    const jobs = await queryRows(
      db(),
      { requestId: sql<string | null>`data->>'requestId'` },
      sql`from pgboss.job j join top_up_attempts t on t.id::text = j.id::text
          where j.name = 'auto-top-up' and t.account_id = ${account.id}::uuid`,
    );
    expect(jobs).toEqual([{ requestId }]);
  });

  it.skipIf(!appDatabaseUrl)("on SIGTERM finishes the CSV stream in flight, takes no new connection, closes its pool and exits 0", async () => {
    const [bench] = await db().select().from(accounts).where(eq(accounts.slug, "bench"));
    const [admin] = await db().select().from(users).where(and(eq(users.accountId, bench!.id), eq(users.role, "admin")));
    const [{ movements }] = (await queryRows(
      db(),
      { movements: sql<number>`count(*)::int` },
      sql`from credit_movements where account_id = ${bench!.id}::uuid and occurred_at >= '2022-01-01' and occurred_at < '2026-12-31'`,
    )) as [{ movements: number }];
    expect(movements, "the bench tenant's movements").toBeGreaterThan(100_000);
    const claims = { accountId: bench!.id, creatorId: admin!.id, params: { from: "2022-01-01", to: "2026-12-31" }, expires: Math.floor(Date.now() / 1000) + 600 };

    // A ready delay long enough for the checks made within it.
    const instance = await startInstance(60_000, 3_000);
    try {
      const callersId = "csv-export-during-stop";
      const csv = pausedGet(`${instance.url}/api/billing/credit-movements.csv?${linkQuery(claims, signLink(claims, E2E_SECRET))}`, {
        "x-request-id": callersId,
      });
      await csv.started;
      const connections = async () =>
        (await queryRows(db(), { n: sql<number>`count(*)::int` }, sql`from pg_stat_activity where application_name = ${APP_NAME}`))[0]!.n;
      expect(await connections(), "the instance's pool is open").toBeGreaterThan(0);

      instance.child.kill("SIGTERM");
      // First readiness turns 503 while new connections are still served, for the ready delay.
      await expect.poll(() => refusesConnections(`${instance.url}/api/ready`), { timeout: 5_000, interval: 50 }).toBe("answered 503");
      expect(await refusesConnections(`${instance.url}/api/health`), "still serving in the ready delay").toBe("answered 200");
      await expect.poll(() => refusesConnections(`${instance.url}/api/ready`), { timeout: 5_000 }).toBe("ECONNREFUSED");
      expect(csv.finished(), "the export is still in flight").toBe(false);
      expect(instance.child.exitCode, "the instance waits for it").toBeNull();
      csv.resume();

      const answer = await csv.done;
      expect(answer.status).toBe(200);
      expect(answer.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.complete, "the stream ended normally, not cut").toBe(true);
      const records = parse(answer.body, { bom: true, columns: true, skip_empty_lines: true }) as unknown[];
      expect(records.length, "every row of the range").toBe(movements);

      expect(await instance.exited, instance.output()).toBe(0);
      expect(instance.output(), "the log carries our id").toContain(`"requestId":"${answer.headers["x-request-id"]}"`);
      expect(instance.output(), "and never the caller's").not.toContain(callersId);
      expect(await connections(), "no connection of the instance is left").toBe(0);
      const [left] = await queryRows(
        db(),
        {
          idleInTransaction: sql<number>`(select count(*)::int from pg_stat_activity where datname = current_database() and state like 'idle in transaction%')`,
          locks: sql<number>`(select count(*)::int from pg_locks l join pg_stat_activity a on a.pid = l.pid where a.application_name = ${APP_NAME})`,
        },
        sql``,
      );
      expect(left).toEqual({ idleInTransaction: 0, locks: 0 });
      expect(instance.output()).toMatch(/"msg":"stopping: readiness is 503; still serving while the load balancer notices"/);
      expect(instance.output()).toMatch(/"msg":"stopping: no new requests; finishing those in flight"/);
      expect(instance.output()).toMatch(/"resource":"database","msg":"closed"/);
    } finally {
      instance.child.kill("SIGKILL");
    }
  }, 120_000);

  it.skipIf(!appDatabaseUrl)("cuts what is still running when the grace period is over, says what it cut, closes its pool and exits 1", async () => {
    const [bench] = await db().select().from(accounts).where(eq(accounts.slug, "bench"));
    const [admin] = await db().select().from(users).where(and(eq(users.accountId, bench!.id), eq(users.role, "admin")));
    const claims = { accountId: bench!.id, creatorId: admin!.id, params: { from: "2022-01-01", to: "2026-12-31" }, expires: Math.floor(Date.now() / 1000) + 600 };
    const instance = await startInstance(1_500, 200);
    try {
      // A reader that stops reading: the export waits on it, past the grace period.
      const query = linkQuery(claims, signLink(claims, E2E_SECRET));
      const csv = pausedGet(`${instance.url}/api/billing/credit-movements.csv?${query}`, {});
      await csv.started;
      const stoppedAt = Date.now();
      instance.child.kill("SIGTERM");
      expect(await instance.exited, instance.output()).toBe(1);
      expect(Date.now() - stoppedAt, "stopped soon after the grace period").toBeLessThan(15_000);
      csv.resume();
      expect((await csv.done).complete, "the stalled export was cut").toBe(false);
      const cut = instance.output().split("\n").find((line) => line.includes('"msg":"grace period over: cutting the requests still in flight"'));
      expect(cut, instance.output()).toBeDefined();
      expect((JSON.parse(cut!) as { cut: unknown }).cut).toEqual([
        { method: "GET", path: "/api/billing/credit-movements.csv", requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), ms: expect.any(Number) },
      ]);
      expect(cut, "the signed link's query is not logged").not.toContain("sig=");
      expect(instance.output()).toMatch(/"code":1,"msg":"stopped"/);
      const [{ n }] = (await queryRows(db(), { n: sql<number>`count(*)::int` }, sql`from pg_stat_activity where application_name = ${APP_NAME}`)) as [{ n: number }];
      expect(n, "no connection of the instance is left").toBe(0);
    } finally {
      instance.child.kill("SIGKILL");
    }
  }, 120_000);
  it.skipIf(!appDatabaseUrl)("exits at once, and says so, on a second signal during the stop", async () => {
    const [bench] = await db().select().from(accounts).where(eq(accounts.slug, "bench"));
    const [admin] = await db().select().from(users).where(and(eq(users.accountId, bench!.id), eq(users.role, "admin")));
    const claims = { accountId: bench!.id, creatorId: admin!.id, params: { from: "2022-01-01", to: "2026-12-31" }, expires: Math.floor(Date.now() / 1000) + 600 };
    const instance = await startInstance(60_000, 200);
    try {
      const csv = pausedGet(`${instance.url}/api/billing/credit-movements.csv?${linkQuery(claims, signLink(claims, E2E_SECRET))}`, {});
      await csv.started;
      instance.child.kill("SIGTERM");
      const stoppedAt = Date.now();
      await expect.poll(() => instance.output(), { timeout: 5_000 }).toMatch(/"msg":"stopping: no new requests; finishing those in flight"/);
      // A signal within a second of the first is taken for the same one.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + 1_500 - Date.now())));
      const forcedAt = Date.now();
      instance.child.kill("SIGINT");
      expect(await instance.exited, instance.output()).toBe(130);
      expect(Date.now() - forcedAt, "at once, not after the grace period").toBeLessThan(5_000);
      expect(instance.output()).toMatch(/"signal":"SIGINT","inFlight":1,"code":130,"msg":"second signal: exiting at once"/);
      csv.resume();
    } finally {
      instance.child.kill("SIGKILL");
    }
  }, 120_000);
});
