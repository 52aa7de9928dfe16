import autocannon from "autocannon";
import { benchDatabase, report, startApp } from "./support";

const TOKEN = "bench-platform-token-0123456789";

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
 * and /api/health on the same server for comparison.
 */
export async function benchAuthorize() {
  const { url, handle } = await benchDatabase();
  await handle.close();
  const app = await startApp(url);
  try {
    const body = { account: "acme", direction: "outbound", from: "+4930111111", to: "+33612345678" };
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
}
