import http from "node:http";
import { constants } from "node:os";
import type pino from "pino";
import { ROUTE_HANDLER_HEADERS } from "../../lib/security/headers";

/**
 * The HTTP server of `npm start` and how it stops. On the first SIGTERM or SIGINT:
 *
 * 1. `begin()` marks the process as stopping, so `/api/ready` answers 503, while every
 *    request is still accepted and served for `readyDelayMs`: the time a load balancer
 *    takes to see the readiness change and send new requests elsewhere. Answers in that
 *    window carry `Connection: close`, so clients open their next connection anew.
 * 2. The listener closes (new connections are refused), idle keep-alive connections
 *    close, and a request that still arrives on an open connection gets a 503 with
 *    `Connection: close`. The requests in flight, streams included, finish.
 * 3. `graceMs` after the signal (the overall deadline) whatever is still in flight is
 *    cut, and each cut request is logged.
 * 4. `close()` (the app, the queue, the database pool), then exit: 0 when nothing was
 *    cut, 1 when something was or when closing failed or overran. Closing may use what is
 *    left of the grace period (jobs of an embedded worker finishing) plus CLOSE_MS for
 *    the pools, so a stop takes at most `graceMs` + CLOSE_MS.
 *
 * A second signal during the stop exits at once, with 128 + the signal's number; one that
 * comes within `repeatMs` (1 s) of the first is the same stop delivered twice and is
 * ignored: Ctrl-C under `npm start` reaches the server from the terminal and again from
 * npm, which forwards it.
 */
export interface StopOptions {
  /** Called first for every request, those refused while stopping included (ids, metrics, logs). */
  observe?: http.RequestListener;
  graceMs: number;
  readyDelayMs: number;
  /** A second signal this soon after the first is taken for the same one (1 s). */
  repeatMs?: number;
  log: pino.Logger;
  /** Marks the process as stopping: readiness answers 503 from then on; `stopAt` ends the grace period. */
  begin: (stopAt: number) => void;
  /** Closes what the requests used, once none is left in flight. */
  close: () => Promise<void>;
  /** How long closing may take beyond the grace period (CLOSE_MS). */
  closeMs?: number;
  exit: (code: number) => void;
}

/** How long closing the app and its pools may take beyond the grace period. */
export const CLOSE_MS = 10_000;

interface InFlight {
  method: string;
  /** The path without its query: a signed link's query holds its signature. */
  path: string;
  started: number;
}

export function stoppingServer(listener: http.RequestListener, options: StopOptions) {
  const { log } = options;
  let phase: "serving" | "draining" | "closing" = "serving";
  const inFlight = new Map<http.ServerResponse, InFlight>();
  let drained: () => void = () => {};
  let signalledAt = 0;

  const server = http.createServer((req, res) => {
    inFlight.set(res, { method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0]!, started: Date.now() });
    options.observe?.(req, res);
    res.once("close", () => {
      inFlight.delete(res);
      if (phase === "closing") {
        if (inFlight.size === 0) drained();
        // A connection kept alive past its last response would hold the stop back.
        server.closeIdleConnections();
      }
    });
    if (phase === "closing") {
      res.writeHead(503, { ...ROUTE_HANDLER_HEADERS, "Content-Type": "application/json", Connection: "close", "Retry-After": "1" });
      res.end(JSON.stringify({ status: "stopping", error: "this instance is stopping; send the request again" }));
      return;
    }
    if (phase === "draining") res.setHeader("Connection", "close");
    listener(req, res);
  });

  async function drainAndClose(signal: string, stopAt: number): Promise<number> {
    const readyDelayMs = Math.min(options.readyDelayMs, options.graceMs);
    log.info({ signal, inFlight: inFlight.size, readyDelayMs, graceMs: options.graceMs }, "stopping: readiness is 503; still serving while the load balancer notices");
    await new Promise((resolve) => setTimeout(resolve, readyDelayMs));

    phase = "closing";
    log.info({ inFlight: inFlight.size }, "stopping: no new requests; finishing those in flight");
    const allDrained = new Promise<boolean>((resolve) => {
      drained = () => resolve(true);
      if (inFlight.size === 0) resolve(true);
      setTimeout(() => resolve(false), Math.max(0, stopAt - Date.now())).unref();
    });
    server.close();
    server.closeIdleConnections();
    const inTime = await allDrained;
    const cut = inTime ? [] : [...inFlight].map(([res, request]) => ({ ...request, requestId: res.getHeader("x-request-id"), ms: Date.now() - request.started }));
    if (cut.length > 0) log.warn({ cut: cut.map(({ started: _, ...request }) => request) }, "grace period over: cutting the requests still in flight");
    server.closeAllConnections();

    const closeMs = Math.max(0, stopAt - Date.now()) + (options.closeMs ?? CLOSE_MS);
    const closeTimer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), closeMs).unref());
    const closed = await Promise.race([options.close().then(() => "closed" as const), closeTimer]);
    if (closed === "late") {
      log.error({ ms: closeMs }, "stop failed: closing took too long");
      return 1;
    }
    return cut.length > 0 ? 1 : 0;
  }

  return {
    server,
    /** What SIGTERM and SIGINT do. */
    stop(signal: NodeJS.Signals): void {
      if (phase !== "serving") {
        if (Date.now() - signalledAt < (options.repeatMs ?? 1_000)) {
          log.info({ signal }, "signal repeated: already stopping");
          return;
        }
        const code = 128 + (constants.signals[signal] ?? 15);
        log.warn({ signal, inFlight: inFlight.size, code }, "second signal: exiting at once");
        options.exit(code);
        return;
      }
      signalledAt = Date.now();
      const stopAt = signalledAt + options.graceMs;
      phase = "draining";
      options.begin(stopAt);
      drainAndClose(signal, stopAt).then(
        (code) => {
          log.info({ code }, "stopped");
          options.exit(code);
        },
        (error: unknown) => {
          log.error({ err: error }, "stop failed");
          options.exit(1);
        },
      );
    },
  };
}
