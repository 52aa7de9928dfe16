import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import next from "next";
import { EnvError, getOperationsEnv } from "../lib/env";
import { REQUEST_ID_HEADER, requestIdFrom, runWithContext } from "../lib/observability/context";
import { logFor } from "../lib/observability/log";
import { metrics } from "../lib/observability/metrics";
import { routeNamer } from "../lib/observability/route-patterns";
import { beginShutdown, isShuttingDown, runShutdownHooks } from "../lib/shutdown";
import { serveWebHandler } from "../lib/http/node-adapter";
import { ROUTE_HANDLER_HEADERS } from "../lib/security/headers";
import { POST as authorizeCall } from "../app/api/calls/authorize/route";

/**
 * The production server (`npm start`): Next.js behind node:http, so that a stop drains.
 * On SIGTERM or SIGINT it stops listening, answers 503 to requests that still arrive on
 * open connections, lets the requests in flight (CSV streams included) finish for up to
 * SHUTDOWN_GRACE_MS (25 s), then closes the queue and the database pool and exits 0.
 * Each request gets an id (a well-formed `x-request-id` is kept), returned in the
 * response, on every log line written for it and in the jobs it enqueues; its duration
 * is recorded by route pattern.
 *
 * Route handlers served here directly, without Next.js's routing: the same exported
 * handler as the route module (same checks, same answers, same headers), for the
 * telephony platform's call authorization, which is asked before every call and whose
 * latency a caller waits for. Next.js's own per-request work costs several times the
 * authorization itself.
 */
const DIRECT_ROUTES: Record<string, (request: Request) => Promise<Response>> = {
  "POST /api/calls/authorize": authorizeCall,
};
/** The authorization route's own limit: nothing larger is read into memory. */
const DIRECT_BODY_LIMIT = 16 * 1024;
const SLOW_SECONDS = 1;
const log = logFor("server");
const port = Number(process.env.PORT || 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}".`);
  process.exit(2);
}

const dir = process.cwd();
const app = next({ dev: false, dir, hostname: "localhost", port });
// Preparing loads .env files too, so the settings below are read after it.
await app.prepare();
let graceMs: number;
try {
  graceMs = getOperationsEnv().SHUTDOWN_GRACE_MS;
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  log.fatal(error.message);
  process.exit(1);
}
const handle = app.getRequestHandler();
const manifest = JSON.parse(readFileSync(path.join(dir, ".next", "app-path-routes-manifest.json"), "utf8")) as Record<string, string>;
const routeOf = routeNamer(Object.values(manifest));
const { httpRequestDuration } = metrics();

let inFlight = 0;
let drained: () => void = () => {};

const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
  req.headers[REQUEST_ID_HEADER] = requestId;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  const route = routeOf((req.url ?? "/").split("?")[0]!);
  inFlight++;
  res.once("close", () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = res.writableFinished ? String(res.statusCode) : "aborted";
    httpRequestDuration.observe({ method: req.method ?? "GET", route, status }, seconds);
    // Every request at debug; at info only what an operator looks for: errors and slow answers.
    const level = res.statusCode >= 500 || status === "aborted" || seconds >= SLOW_SECONDS ? "info" : "debug";
    if (log.isLevelEnabled(level)) log[level]({ method: req.method, route, status, ms: Math.round(seconds * 1000) }, "request");
    if (--inFlight === 0 && isShuttingDown()) drained();
    // A connection kept alive past its last response would hold the stop back.
    if (isShuttingDown()) server.closeIdleConnections();
  });
  if (isShuttingDown()) {
    res.writeHead(503, { ...ROUTE_HANDLER_HEADERS, "Content-Type": "application/json", Connection: "close", "Retry-After": "1" });
    res.end(JSON.stringify({ status: "stopping", error: "this instance is stopping; send the request again" }));
    return;
  }
  const direct = DIRECT_ROUTES[`${req.method} ${route}`];
  runWithContext({ requestId }, () => {
    const answer = direct
      ? serveWebHandler(req, res, direct, { maxBodyBytes: DIRECT_BODY_LIMIT, extraHeaders: ROUTE_HANDLER_HEADERS })
      : handle(req, res);
    answer.catch((error: unknown) => {
      log.error({ err: error, route }, "request failed");
      if (res.headersSent) return void res.destroy();
      // An answer the platform can read, with the headers every route handler gets.
      res.writeHead(500, { ...ROUTE_HANDLER_HEADERS, "Content-Type": "application/json", Connection: "close" });
      res.end(JSON.stringify({ error: "the request could not be answered; send it again" }));
    });
  });
});

async function stop(signal: string) {
  if (isShuttingDown()) return;
  beginShutdown();
  try {
    await drainAndClose(signal);
    log.info("stopped");
    process.exit(0);
  } catch (error) {
    log.error({ err: error }, "stop failed");
    process.exit(1);
  }
}

async function drainAndClose(signal: string) {
  log.info({ signal, inFlight, graceMs }, "stopping: no new requests; finishing those in flight");
  const allDrained = new Promise<boolean>((resolve) => {
    drained = () => resolve(true);
    if (inFlight === 0) resolve(true);
    setTimeout(() => resolve(false), graceMs).unref();
  });
  server.close();
  server.closeIdleConnections();
  const inTime = await allDrained;
  if (!inTime) log.warn({ inFlight }, "grace period over: cutting the requests still in flight");
  server.closeAllConnections();
  await app.close();
  await runShutdownHooks();
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));

server.listen(port, () => {
  log.info({ url: `http://localhost:${port}` }, "listening");
});
