import { spawn } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { openLoop, percentile } from "./open-loop";
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

/** The offered load of the open loop: what the telephony platform sends at a busy hour. */
const OPEN_LOOP_RATE = 400;

/**
 * Call authorization through the running route: first an open loop (400 requests/s at a
 * constant rate for BENCH_SECONDS, latency from each request's scheduled time: p50, p99),
 * then a closed loop at concurrency 32, whose requests/s is the saturation throughput;
 * /api/health on the same server for comparison; and the same authorization code behind
 * a bare node:http server, the ceiling of this machine without Next.js.
 * BENCH_CPU_PROF=<folder> writes the app server's CPU profile there (node --cpu-prof).
 */
export async function benchAuthorize() {
  const { url, handle } = await benchDatabase();
  await handle.close();
  const profileDir = process.env.BENCH_CPU_PROF;
  const app = await startApp(url, { nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(profileDir)}`] : [] });
  const seconds = Number(process.env.BENCH_SECONDS || 10);
  try {
    const body = { account: "acme", direction: "outbound", from: ACME_LINE, to: "+33612345678" };
    await post(`${app.url}/api/calls/authorize`, body, 8, 2);
    const open = await openLoop(
      `${app.url}/api/calls/authorize`,
      { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) },
      OPEN_LOOP_RATE,
      seconds,
    );
    if (open.errors > 0 || open.non2xx > 0) throw new Error(`authorize open loop: ${open.non2xx} non-2xx, ${open.errors} errors`);
    report("authorize", "open_loop_offered_rate", OPEN_LOOP_RATE, "req/s");
    report("authorize", "open_loop_latency_p50", percentile(open.latencies, 0.5), "ms");
    report("authorize", "open_loop_latency_p99", percentile(open.latencies, 0.99), "ms");
    report("authorize", "open_loop_latency_max", open.latencies.at(-1)!, "ms");
    const result = await post(`${app.url}/api/calls/authorize`, body, 32, seconds);
    report("authorize", "saturation_requests_per_second", result.requests.average, "req/s");
    report("authorize", "requests_per_second", result.requests.average, "req/s");
    report("authorize", "latency_p50", result.latency.p50, "ms");
    report("authorize", "latency_p99", result.latency.p99, "ms");
    const health = await autocannon({ url: `${app.url}/api/health`, connections: 32, duration: seconds });
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
