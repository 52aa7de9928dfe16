import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveWebHandler } from "@/lib/http/node-adapter";

/** A node:http server running one web handler through the adapter, as the server script does. */
let server: http.Server;
let port: number;
const seen: string[] = [];
/** How each read of /api/read ended. */
const reads: string[] = [];
const PLATFORM_TOKEN = "platform-token-0123456789";

beforeAll(async () => {
  process.env.PLATFORM_API_TOKEN = PLATFORM_TOKEN;
  process.env.NEXTAUTH_URL ??= "http://localhost:3000";
  process.env.NEXTAUTH_SECRET ??= "s".repeat(32);
  process.env.OIDC_ISSUER ??= "http://localhost:3001";
  process.env.OIDC_CLIENT_ID ??= "test";
  process.env.OIDC_CLIENT_SECRET ??= "test";
  // The authorization route's own handler, as the server script serves it; a refused
  // request never reaches the database.
  const { POST: authorize } = await import("@/app/api/calls/authorize/route");
  server = http.createServer((req, res) => {
    const handler =
      req.url === "/api/calls/authorize"
        ? authorize
        : req.url === "/api/read"
          ? async (request: Request) => {
              // One chunk, then a pause (the client goes away meanwhile), then the rest.
              const reader = request.body!.getReader();
              const readAll = async () => {
                let length = ((await reader.read()).value ?? new Uint8Array()).length;
                await new Promise((resolve) => setTimeout(resolve, 300));
                for (let part = await reader.read(); !part.done; part = await reader.read()) length += part.value.length;
                return length;
              };
              const outcome = await readAll().then(
                (length) => `read ${length}`,
                (error: Error) => `failed: ${error.message}`,
              );
              reads.push(outcome);
              return Response.json({ outcome });
            }
          : async (request: Request) => {
            seen.push(request.url);
            return Response.json({ length: (await request.text()).length });
          };
    void serveWebHandler(req, res, handler, { maxBodyBytes: 16, extraHeaders: { "x-fixed": "yes" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request, so that the Host header can be anything a client sends. */
function raw(host: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/probe?x=1", headers: { host, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A request whose body is sent in chunks (no Content-Length), one chunk every few
 * milliseconds, `chunks` of them (by default without end, until the server answers);
 * the answer, or the error the connection ended with.
 */
function streaming(path: string, headers: Record<string, string>, chunk: string, chunks = Infinity): Promise<Answer | { error: string }> {
  return new Promise((resolve) => {
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path, headers: { "content-type": "application/json", ...headers } }, (res) => {
      clearInterval(timer);
      let text = "";
      res.on("data", (part: Buffer) => (text += part.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on("error", (error) => resolve({ error: String(error) }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? String(error) }));
    req.flushHeaders();
    timer = setInterval(() => {
      if (sent++ >= chunks) {
        clearInterval(timer);
        return void req.end();
      }
      if (!req.destroyed && req.writable) req.write(chunk);
    }, 1);
  });
}

describe("a route handler served without the framework", () => {
  it("answers whatever Host the client sent, on a fixed origin", async () => {
    expect(await raw("a b", "{}")).toMatchObject({ status: 200, body: '{"length":2}' });
    expect(seen.at(-1)).toBe("http://localhost/api/probe?x=1");
  });

  it("refuses a body over the limit in words, without reading it into the handler", async () => {
    const before = seen.length;
    const answer = await raw("localhost", "x".repeat(17));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "the body may be at most 16 bytes" });
    expect(seen.length, "the handler never ran").toBe(before);
  });

  it("answers 413 in JSON with the route's headers to a body sent in chunks past the limit, and closes the connection", async () => {
    const answer = await streaming("/api/probe", {}, "x".repeat(64 * 1024));
    expect(answer, "an answer, not a reset connection").toMatchObject({ status: 413 });
    const { headers, body } = answer as Answer;
    expect(JSON.parse(body)).toEqual({ error: "the body may be at most 16 bytes" });
    expect(headers["content-type"]).toMatch(/^application\/json/);
    expect(headers["x-fixed"], "the route's fixed headers").toBe("yes");
    expect(headers.connection, "the rest of the body is not read as a next request").toBe("close");
  });

  it("ends the handler's read when the client goes away half-way through the body, rather than leaving it waiting", async () => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/read", headers: { "content-type": "application/json" } });
    req.on("error", () => undefined);
    req.flushHeaders();
    req.write("12345");
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy(); // while the handler pauses between two reads
    const deadline = Date.now() + 3_000;
    while (reads.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads, "the handler's read ended, in failure").toEqual([expect.stringMatching(/^failed: /)]);
  });

  it("reads a body sent in chunks within the limit", async () => {
    expect(await streaming("/api/probe", {}, "12345", 3)).toMatchObject({ status: 200, body: '{"length":15}' });
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer platform-token-9876543210" }],
  ])("refuses the authorization route with %s before reading the body", async (_, headers) => {
    // A body that never ends: an answer at all shows that the token came first.
    const answer = await streaming("/api/calls/authorize", headers, " ");
    expect(answer).toMatchObject({ status: 401 });
    expect(JSON.parse((answer as Answer).body)).toMatchObject({ error: expect.stringMatching(/token/) });
    expect((answer as Answer).headers["x-fixed"]).toBe("yes");
  });
});
