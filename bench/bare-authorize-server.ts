import http from "node:http";
import { openDatabase } from "../db/client";
import { authorizeCall, authorizeSchema } from "../lib/usage/authorize";

/**
 * The same authorization (lib/usage/authorize.ts: one indexed read) behind a bare
 * node:http server, for the authorize benchmark's ceiling: what this machine does
 * without Next.js's request handling. Prints its port on stdout.
 */
const { db } = await openDatabase({ url: process.env.DATABASE_URL!, poolMax: 10 });
const server = http.createServer(async (request, response) => {
  let body = "";
  for await (const chunk of request) body += chunk;
  const parsed = authorizeSchema.safeParse(JSON.parse(body));
  if (!parsed.success) {
    response.writeHead(400).end();
    return;
  }
  const answer = await authorizeCall(db, parsed.data);
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(answer.ok ? { allowed: answer.value.allowed, reason: answer.value.reason } : { allowed: false }));
});
server.listen(0, "127.0.0.1", () => {
  console.log((server.address() as { port: number }).port);
});
