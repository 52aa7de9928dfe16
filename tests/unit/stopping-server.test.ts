import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { stoppingServer } from "../../scripts/lib/stopping-server";

/**
 * How `npm start` stops, on the server of scripts/serve.ts with a stand-in for Next.js:
 * `/ready` answers as the app's readiness route does (503 once the stop has begun),
 * `/slow` answers after `?ms=`, `/hang` never answers.
 */

interface Running {
  url: string;
  stop: (signal: NodeJS.Signals) => void;
  exited: Promise<number>;
  closed: () => boolean;
  logs: () => Record<string, unknown>[];
}

const running: http.Server[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function start(graceMs: number, readyDelayMs: number, repeatMs = 100, closing: { takesMs?: number; closeMs?: number } = {}): Promise<Running> {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: "info" },
    new Writable({
      write(chunk: Buffer, _, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  let stopping = false;
  let closed = false;
  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const { server, stop } = stoppingServer(
    (req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      res.setHeader("x-request-id", `id-of-${url.pathname.slice(1)}`);
      if (url.pathname === "/ready") {
        res.statusCode = stopping ? 503 : 200;
        return void res.end(stopping ? "stopping" : "ready");
      }
      if (url.pathname === "/slow") return void setTimeout(() => res.end("done"), Number(url.searchParams.get("ms")));
      if (url.pathname === "/hang") return void res.write("started");
      res.end("ok");
    },
    {
      graceMs,
      readyDelayMs,
      repeatMs,
      log,
      begin: () => (stopping = true),
      close: async () => {
        await new Promise((resolve) => setTimeout(resolve, closing.takesMs ?? 0));
        closed = true;
      },
      closeMs: closing.closeMs,
      exit,
    },
  );
  running.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop,
    exited,
    closed: () => closed,
    logs: () => lines,
  };
}

/** The status of a GET on a new connection, or the error code when it is refused. */
const get = (url: string) =>
  fetch(url, { headers: { connection: "close" } }).then(
    async (response) => `${response.status} ${await response.text()}`,
    (error: { cause?: { code?: string } }) => error.cause?.code ?? "failed",
  );

/** A GET that has received its first bytes; `done` is its whole body, or how it was cut. */
async function startedGet(url: string) {
  let done: Promise<string> = Promise.resolve("");
  await new Promise<void>((started) => {
    done = new Promise((resolve) => {
      http
        .get(url, { agent: false }, (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => {
            body += chunk.toString();
            started();
          });
          res.on("end", () => resolve(`${res.statusCode} ${body}`));
          res.on("error", () => resolve(`cut after "${body}"`));
        })
        .on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "failed"));
    });
  });
  return done;
}

describe("stopping the server", () => {
  it("lets closing use what is left of the grace period (an embedded worker's jobs finishing), and no more", async () => {
    // Nothing in flight: the grace period is left to closing, which takes 600 ms of it.
    const patient = await start(1_500, 0, 100, { takesMs: 600, closeMs: 100 });
    patient.stop("SIGTERM");
    expect(await patient.exited).toBe(0);
    expect(patient.closed()).toBe(true);
    // Closing that outlasts the grace period and the close allowance is cut: exit 1.
    const stuck = await start(300, 0, 100, { takesMs: 2_000, closeMs: 100 });
    stuck.stop("SIGTERM");
    expect(await stuck.exited).toBe(1);
    expect(stuck.closed()).toBe(false);
    expect(stuck.logs().some((line) => line.msg === "stop failed: closing took too long")).toBe(true);
  });

  it("turns readiness to 503 and keeps serving new connections for the ready delay, then refuses them and exits 0", async () => {
    const server = await start(10_000, 600);
    expect(await get(`${server.url}/ready`)).toBe("200 ready");
    const stoppedAt = Date.now();
    server.stop("SIGTERM");
    expect(await get(`${server.url}/ready`), "the load balancer sees the stop").toBe("503 stopping");
    expect(await get(`${server.url}/work`), "a new connection in the delay is still served").toBe("200 ok");
    await expect.poll(() => get(`${server.url}/work`), { timeout: 3_000, interval: 50 }).toBe("ECONNREFUSED");
    expect(Date.now() - stoppedAt, "the listener stayed open for the delay").toBeGreaterThanOrEqual(550);
    expect(await server.exited).toBe(0);
    expect(server.closed(), "the pools are closed").toBe(true);
    expect(server.logs().map((line) => line.msg)).toEqual([
      "stopping: readiness is 503; still serving while the load balancer notices",
      "stopping: no new requests; finishing those in flight",
      "stopped",
    ]);
  });

  it("lets a request in flight finish after the listener closes", async () => {
    const server = await start(10_000, 100);
    const slow = fetch(`${server.url}/slow?ms=800`).then(async (response) => `${response.status} ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.stop("SIGTERM");
    await expect.poll(() => get(`${server.url}/work`), { timeout: 3_000, interval: 50 }).toBe("ECONNREFUSED");
    expect(await slow).toBe("200 done");
    expect(await server.exited).toBe(0);
  });

  it("cuts what is still in flight at the deadline, logs each cut request and exits 1", async () => {
    const server = await start(500, 100);
    const hanging = startedGet(`${server.url}/hang?sig=secret`);
    // startedGet resolves once the answer has begun; wait for that before stopping.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stoppedAt = Date.now();
    server.stop("SIGTERM");
    expect(await server.exited, "something was cut").toBe(1);
    expect(Date.now() - stoppedAt, "the deadline counts from the signal").toBeLessThan(2_000);
    expect(await hanging).toBe('cut after "started"');
    expect(server.closed(), "the pools are closed all the same").toBe(true);
    const cut = server.logs().find((line) => line.msg === "grace period over: cutting the requests still in flight");
    expect(cut, "the cut is logged").toBeDefined();
    expect(cut!.cut).toEqual([{ method: "GET", path: "/hang", requestId: "id-of-hang", ms: expect.any(Number) }]);
    expect(JSON.stringify(cut), "a query (a signed link's signature) is not logged").not.toContain("secret");
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("exits at once on a second signal (%s) during the stop, and says so", async (second, code) => {
    const server = await start(60_000, 100);
    void startedGet(`${server.url}/hang`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.stop("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const forcedAt = Date.now();
    server.stop(second);
    expect(await server.exited).toBe(code);
    expect(Date.now() - forcedAt).toBeLessThan(100);
    expect(server.logs().find((line) => line.msg === "second signal: exiting at once")).toMatchObject({ signal: second, inFlight: 1, level: 40 });
  });

  it("takes a signal repeated at once (the terminal's and npm's Ctrl-C) for the same stop", async () => {
    const server = await start(10_000, 300, 1_000);
    server.stop("SIGINT");
    server.stop("SIGINT");
    expect(await server.exited, "the stop ran its course").toBe(0);
    expect(server.logs().map((line) => line.msg)).toContain("signal repeated: already stopping");
  });
});
