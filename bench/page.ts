import { benchDatabase, load, report, sessionCookie, startApp } from "./support";

/**
 * The billing page of the large tenant (1,000,000 movements, 2,000 numbers, 300 users)
 * as a signed-in admin at concurrency 16, against a trivial dynamic route on the same
 * server (/api/health: a `select 1` and a read of the queue's version table). The page is rendered on every load; its size is
 * the HTML of one full load, which carries the RSC payload inline.
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
    const pageLoad = { cookie, accept: "text/html,application/xhtml+xml" };
    await load(page, { connections: 16, seconds: 2, headers: pageLoad }); // warm-up
    const rendered = await load(page, { connections: 16, seconds, headers: pageLoad });
    await load(`${app.url}/api/health`, { connections: 16, seconds: 2 });
    const trivial = await load(`${app.url}/api/health`, { connections: 16, seconds });
    for (const [name, result] of [["rendered page", rendered], ["trivial", trivial]] as const) {
      if (result.errors || result.non2xx) throw new Error(`errors under load (${name}): ${JSON.stringify(result)}`);
    }
    const flight = [...html.matchAll(/self\.__next_f\.push\((.*?)\)<\/script>/gs)].reduce((sum, m) => sum + Buffer.byteLength(m[1]!), 0);
    report("page", "billing_page_bytes", Buffer.byteLength(html), "bytes");
    report("page", "billing_page_inline_rsc_bytes", flight, "bytes");
    report("page", "billing_rendered_requests_per_second", rendered.requestsPerSecond, "req/s");
    report("page", "billing_rendered_latency_p50", rendered.p50, "ms");
    report("page", "billing_rendered_latency_p99", rendered.p99, "ms");
    report("page", "trivial_requests_per_second", trivial.requestsPerSecond, "req/s");
    report("page", "trivial_latency_p50", trivial.p50, "ms");
    report("page", "trivial_latency_p99", trivial.p99, "ms");
    report("page", "billing_rendered_to_trivial_throughput_ratio", rendered.requestsPerSecond / trivial.requestsPerSecond, "ratio");
  } finally {
    await app.stop();
  }
}
