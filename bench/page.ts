import { benchDatabase, load, report, sessionCookie, startApp } from "./support";

/**
 * The billing page of the large tenant (1,000,000 movements, 2,000 numbers, 300 users)
 * as a signed-in admin at concurrency 16, against a trivial dynamic route on the same
 * server (/api/health: one `select 1`).
 */
export async function benchPage() {
  const { url: databaseUrl, handle } = await benchDatabase();
  const cookie = await sessionCookie(handle, "admin@bench.test");
  await handle.close();
  const app = await startApp(databaseUrl);
  try {
    const page = `${app.url}/dashboard/account/billing`;
    const check = await fetch(page, { headers: { cookie } });
    const html = await check.text();
    if (check.status !== 200 || !html.includes("Bench Industries")) {
      throw new Error(`the billing page did not render for the bench admin (HTTP ${check.status})`);
    }
    const seconds = Number(process.env.BENCH_SECONDS ?? 10);
    await load(page, { connections: 16, seconds: 2, headers: { cookie } }); // warm-up
    const billing = await load(page, { connections: 16, seconds, headers: { cookie } });
    await load(`${app.url}/api/health`, { connections: 16, seconds: 2 });
    const trivial = await load(`${app.url}/api/health`, { connections: 16, seconds });
    if (billing.errors || billing.non2xx || trivial.errors || trivial.non2xx) {
      throw new Error(`errors under load: page ${JSON.stringify(billing)}, trivial ${JSON.stringify(trivial)}`);
    }
    report("page", "billing_requests_per_second", billing.requestsPerSecond, "req/s");
    report("page", "billing_latency_p50", billing.p50, "ms");
    report("page", "billing_latency_p99", billing.p99, "ms");
    report("page", "trivial_requests_per_second", trivial.requestsPerSecond, "req/s");
    report("page", "trivial_latency_p50", trivial.p50, "ms");
    report("page", "trivial_latency_p99", trivial.p99, "ms");
    report("page", "billing_to_trivial_throughput_ratio", billing.requestsPerSecond / trivial.requestsPerSecond, "ratio");
  } finally {
    await app.stop();
  }
}
