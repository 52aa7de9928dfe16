import type { IncomingMessage, ServerResponse } from "node:http";
import { errorResponse } from "./respond";

/**
 * Runs a web-standard route handler (`(Request) => Promise<Response>`, as exported by a
 * route module) on a node:http request, without the framework's routing. The body is read
 * whole, up to `maxBodyBytes`; the answer is written in one piece with its length, with
 * `extraHeaders` (the fixed headers every route handler gets).
 */
export async function serveWebHandler(
  req: IncomingMessage,
  res: ServerResponse,
  handler: (request: Request) => Promise<Response>,
  options: { maxBodyBytes: number; extraHeaders: Record<string, string> },
): Promise<void> {
  const body = await readBody(req, options.maxBodyBytes);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const response =
    body === null
      ? errorResponse(413, `the body may be at most ${options.maxBodyBytes} bytes`)
      : await handler(
          // A fixed origin: the Host header is the client's to write, and a malformed one
          // must not make the URL (and so the request) fail.
          new Request(new URL(req.url ?? "/", "http://localhost"), {
            method: req.method,
            headers,
            body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(body),
          }),
        );
  const payload = Buffer.from(await response.arrayBuffer());
  const out: Record<string, string | string[]> = { ...options.extraHeaders };
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  out["content-length"] = String(payload.length);
  res.writeHead(response.status, out);
  res.end(payload);
}

/** The whole body, or null when it is longer than `maxBytes` (the rest is not read). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  if (Number(req.headers["content-length"] ?? 0) > maxBytes) return null;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
