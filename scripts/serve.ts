import { readFileSync } from "node:fs";
import path from "node:path";
import next from "next";
import { EnvError, getOperationsEnv } from "../lib/env";
import { newRequestId, REQUEST_ID_HEADER, runWithContext } from "../lib/observability/context";
import { logFor } from "../lib/observability/log";
import { metrics } from "../lib/observability/metrics";
import { routeNamer } from "../lib/observability/route-patterns";
import { beginShutdown, runShutdownHooks } from "../lib/shutdown";
import { serveWebHandler } from "../lib/http/node-adapter";
import { ROUTE_HANDLER_HEADERS } from "../lib/security/headers";
import { POST as authorizeCall } from "../app/api/calls/authorize/route";
import { stoppingServer } from "./lib/stopping-server";

/**
 * The production server (`npm start`): Next.js behind node:http, so that a stop drains
 * (scripts/lib/stopping-server.ts): on SIGTERM or SIGINT readiness turns 503 while the
 * instance still serves for SHUTDOWN_READY_DELAY_MS (5 s), then it stops listening and
 * lets the requests in flight (CSV streams included) finish; SHUTDOWN_GRACE_MS (25 s)
 * after the signal what is left is cut. It closes the queue and the database pool and
 * exits 0, or 1 when it had to cut a request. Each request gets a new id (a caller's
 * `x-request-id` is ignored), returned in the response, on every log line written for it
 * and in the jobs it enqueues; its duration is recorded by route pattern.
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
let readyDelayMs: number;
try {
  ({ SHUTDOWN_GRACE_MS: graceMs, SHUTDOWN_READY_DELAY_MS: readyDelayMs } = getOperationsEnv());
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  log.fatal(error.message);
  process.exit(1);
}
const handle = app.getRequestHandler();
const manifest = JSON.parse(readFileSync(path.join(dir, ".next", "app-path-routes-manifest.json"), "utf8")) as Record<string, string>;
const routeOf = routeNamer(Object.values(manifest));
const { httpRequestDuration } = metrics();

const { server, stop } = stoppingServer(
  (req, res) => {
    const requestId = req.headers[REQUEST_ID_HEADER] as string;
    const route = routeOf((req.url ?? "/").split("?")[0]!);
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
  },
  {
    observe: (req, res) => {
      const started = process.hrtime.bigint();
      // Always our own id: a caller's x-request-id is not trusted (see newRequestId).
      const requestId = newRequestId();
      req.headers[REQUEST_ID_HEADER] = requestId;
      res.setHeader(REQUEST_ID_HEADER, requestId);
      const route = routeOf((req.url ?? "/").split("?")[0]!);
      res.once("close", () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const status = res.writableFinished ? String(res.statusCode) : "aborted";
        httpRequestDuration.observe({ method: req.method ?? "GET", route, status }, seconds);
        // Every request at debug; at info only what an operator looks for: errors and slow answers.
        const level = res.statusCode >= 500 || status === "aborted" || seconds >= SLOW_SECONDS ? "info" : "debug";
        if (log.isLevelEnabled(level)) runWithContext({ requestId }, () => log[level]({ method: req.method, route, status, ms: Math.round(seconds * 1000) }, "request"));
      });
    },
    graceMs,
    readyDelayMs,
    log,
    begin: beginShutdown,
    close: async () => {
      await app.close();
      await runShutdownHooks();
    },
    exit: (code) => process.exit(code),
  },
);
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

server.listen(port, () => {
  log.info({ url: `http://localhost:${port}` }, "listening");
});
