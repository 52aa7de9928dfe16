import type { IncomingMessage, ServerResponse } from "node:http";
import { errorResponse } from "./respond";

/**
 * Runs a web-standard route handler (`(Request) => Promise<Response>`, as exported by a
 * route module) on a node:http request, without the framework's routing. The body is
 * read only when the handler reads it (so a handler that refuses a request on its token
 * answers before reading anything), and never past `maxBodyBytes`: a longer body, with a
 * Content-Length or sent in chunks, is answered 413. The answer is written in one piece
 * with its length, with `extraHeaders` (the fixed headers every route handler gets). When
 * the body was not read to its end the answer closes the connection (`Connection: close`),
 * so that the rest of the body is not read to find the next request.
 */
export async function serveWebHandler(
  req: IncomingMessage,
  res: ServerResponse,
  handler: (request: Request) => Promise<Response>,
  options: { maxBodyBytes: number; extraHeaders: Record<string, string> },
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const tooLarge = () => errorResponse(413, `the body may be at most ${options.maxBodyBytes} bytes`);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const body = hasBody ? limitedBody(req, options.maxBodyBytes) : null;
  let response: Response;
  if (Number(req.headers["content-length"] ?? 0) > options.maxBodyBytes) response = tooLarge();
  else {
    try {
      response = await handler(
        // A fixed origin: the Host header is the client's to write, and a malformed one
        // must not make the URL (and so the request) fail.
        new Request(new URL(req.url ?? "/", "http://localhost"), {
          method: req.method,
          headers,
          body: body?.stream,
          duplex: "half",
        } as RequestInit),
      );
    } catch (error) {
      // The handler's failure to read a body over the limit is the limit's answer.
      if (!body?.overLimit()) throw error;
      response = tooLarge();
    }
    if (body?.overLimit()) response = tooLarge();
  }
  const payload = Buffer.from(await response.arrayBuffer());
  const out: Record<string, string | string[]> = { ...options.extraHeaders };
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  out["content-length"] = String(payload.length);
  const unread = hasBody && !req.complete;
  if (unread) out.connection = "close";
  res.writeHead(response.status, out);
  res.end(payload);
  if (unread) discardRest(req, res);
}

/**
 * The request's body as a pull-based stream (nothing is read until the handler asks, one
 * chunk per pull), which errors once more than `maxBytes` have arrived.
 */
function limitedBody(req: IncomingMessage, maxBytes: number) {
  let length = 0;
  let over = false;
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) =>
      new Promise<void>((resolve) => {
        if (req.readableEnded) {
          controller.close();
          return resolve();
        }
        // The client went away between two reads: the rest will never come.
        if (req.destroyed) {
          controller.error(new Error("the client closed the connection before the body ended"));
          return resolve();
        }
        const settle = (step: () => void) => {
          req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
          req.pause();
          step();
          resolve();
        };
        const onData = (chunk: Buffer) =>
          settle(() => {
            length += chunk.length;
            if (length <= maxBytes) return controller.enqueue(new Uint8Array(chunk));
            over = true;
            controller.error(new RangeError(`the body is longer than ${maxBytes} bytes`));
          });
        const onEnd = () => settle(() => controller.close());
        const onError = (error: Error) => settle(() => controller.error(error));
        const onClose = () =>
          settle(() => (req.readableEnded ? controller.close() : controller.error(new Error("the client closed the connection before the body ended"))));
        req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
        req.resume();
      }),
  });
  return { stream, overLimit: () => over };
}

/** How long the rest of an unread body is discarded after the answer, before the connection is cut. */
const LINGER_MS = 2_000;

/**
 * After an answer sent before the body was read to its end: the answer is followed by the
 * end of our side of the connection, and the rest of the body is read and dropped (never
 * kept) until the client ends its side or LINGER_MS have passed. Node would destroy the
 * connection as soon as an answer with `Connection: close` is written; with the client
 * still sending, that resets the connection and the client loses the answer (EPIPE).
 */
function discardRest(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket as IncomingMessage["socket"] & { destroySoon?: () => void };
  socket.destroySoon = () => socket.end();
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  cut.unref();
  socket.once("close", () => clearTimeout(cut));
  res.once("finish", () => {
    req.removeAllListeners("data");
    req.on("data", () => {});
    req.on("error", () => {});
    req.resume();
  });
}
