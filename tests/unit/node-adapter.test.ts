import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveWebHandler } from "@/lib/http/node-adapter";

/** A node:http server running one web handler through the adapter, as the server script does. */
let server: http.Server;
let port: number;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    void serveWebHandler(
      req,
      res,
      async (request) => {
        seen.push(request.url);
        return Response.json({ length: (await request.text()).length });
      },
      { maxBodyBytes: 16, extraHeaders: { "x-fixed": "yes" } },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A raw request, so that the Host header can be anything a client sends. */
function raw(host: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/calls/authorize?x=1", headers: { host, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("a route handler served without the framework", () => {
  it("answers whatever Host the client sent, on a fixed origin", async () => {
    expect(await raw("a b", "{}")).toEqual({ status: 200, body: '{"length":2}' });
    expect(seen.at(-1)).toBe("http://localhost/api/calls/authorize?x=1");
  });

  it("refuses a body over the limit in words, without reading it into the handler", async () => {
    const before = seen.length;
    const answer = await raw("localhost", "x".repeat(17));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "the body may be at most 16 bytes" });
    expect(seen.length, "the handler never ran").toBe(before);
  });
});
