import { spawn } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { benchDatabase, report, startApp } from "./support";

const TOKEN = "bench-platform-token-0123456789";
/** One of Acme's numbers in the demo seed: a call must come from a number of the account. */
const ACME_LINE = "+493012340100";

async function post(url: string, body: unknown, connections: number, seconds: number) {
  const result = await autocannon({
    url,
    method: "POST",
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`authorize: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/**
 * Call authorization through the running route at concurrency 32: requests/s, p50, p99;
 * /api/health on the same server for comparison; and the same authorization code behind
 * a bare node:http server, the ceiling of this machine without Next.js.
 */
export async function benchAuthorize() {
  const { url, handle } = await benchDatabase();
  await handle.close();
  const app = await startApp(url);
  try {
    const body = { account: "acme", direction: "outbound", from: ACME_LINE, to: "+33612345678" };
    await post(`${app.url}/api/calls/authorize`, body, 8, 2);
    const result = await post(`${app.url}/api/calls/authorize`, body, 32, 10);
    report("authorize", "requests_per_second", result.requests.average, "req/s");
    report("authorize", "latency_p50", result.latency.p50, "ms");
    report("authorize", "latency_p99", result.latency.p99, "ms");
    const health = await autocannon({ url: `${app.url}/api/health`, connections: 32, duration: 10 });
    report("authorize", "health_requests_per_second", health.requests.average, "req/s");
    report("authorize", "health_latency_p99", health.latency.p99, "ms");
  } finally {
    await app.stop();
  }
  // The machine's ceiling: the same authorization code behind a bare node:http server.
  const bare = spawn(path.resolve("node_modules/.bin/tsx"), ["bench/bare-authorize-server.ts"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DATABASE_URL: url },
  });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      bare.stdout!.once("data", (data: Buffer) => resolve(data.toString().trim()));
      bare.once("exit", (code) => reject(new Error(`bare server exited with ${code}`)));
    });
    const body = { account: "acme", direction: "outbound", from: ACME_LINE, to: "+33612345678" };
    await post(`http://127.0.0.1:${port}/`, body, 8, 2);
    const result = await post(`http://127.0.0.1:${port}/`, body, 32, 10);
    report("authorize", "bare_node_server_requests_per_second", result.requests.average, "req/s");
    report("authorize", "bare_node_server_latency_p50", result.latency.p50, "ms");
    report("authorize", "bare_node_server_latency_p99", result.latency.p99, "ms");
  } finally {
    bare.kill("SIGTERM");
  }
}
