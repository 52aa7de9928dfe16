import { eq } from "drizzle-orm";
import { openDatabase } from "../db/client";
import { accounts } from "../db/schema";
import { postMovement } from "../lib/credit/ledger";
import { benchDatabase, load, report, sessionCookie, startApp } from "./support";

/** Loads the page while a ledger posting changes the account every 20 ms. */
async function loadWhileChanging(databaseUrl: string, page: string, seconds: number, headers: Record<string, string>) {
  const handle = await openDatabase({ url: databaseUrl, poolMax: 1 });
  const [account] = await handle.db.select().from(accounts).where(eq(accounts.slug, "bench"));
  let running = true;
  const poster = (async () => {
    while (running) {
      await postMovement(handle.db, account!.id, { type: "adjustment", amount: 1, description: "Benchmark change", actor: "bench" });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    return await load(page, { connections: 16, seconds, headers });
  } finally {
    running = false;
    await poster;
    await handle.close();
  }
}

/**
 * The billing page of the large tenant (1,000,000 movements, 2,000 numbers, 300 users)
 * as a signed-in admin at concurrency 16, against a trivial dynamic route on the same
 * server (/api/health: one `select 1`): loaded as a browser loads it (served by the
 * billing page cache while nothing changed), with Cache-Control: no-cache (rendered
 * every time), and as a browser loads it while the account changes every 20 ms.
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
    // As a browser loads the page: the billing page cache serves it while nothing changed.
    const pageLoad = { cookie, accept: "text/html,application/xhtml+xml" };
    await load(page, { connections: 16, seconds: 2, headers: pageLoad }); // warm-up
    const billing = await load(page, { connections: 16, seconds, headers: pageLoad });
    // A hard reload (Cache-Control: no-cache) renders the page every time.
    const rendered = await load(page, { connections: 16, seconds, headers: { ...pageLoad, "cache-control": "no-cache" } });
    const changing = await loadWhileChanging(databaseUrl, page, seconds, pageLoad);
    await load(`${app.url}/api/health`, { connections: 16, seconds: 2 });
    const trivial = await load(`${app.url}/api/health`, { connections: 16, seconds });
    for (const [name, result] of [["page", billing], ["rendered page", rendered], ["changing page", changing], ["trivial", trivial]] as const) {
      if (result.errors || result.non2xx) throw new Error(`errors under load (${name}): ${JSON.stringify(result)}`);
    }
    report("page", "billing_requests_per_second", billing.requestsPerSecond, "req/s");
    report("page", "billing_latency_p50", billing.p50, "ms");
    report("page", "billing_latency_p99", billing.p99, "ms");
    report("page", "billing_rendered_requests_per_second", rendered.requestsPerSecond, "req/s");
    report("page", "billing_rendered_latency_p50", rendered.p50, "ms");
    report("page", "billing_rendered_latency_p99", rendered.p99, "ms");
    report("page", "billing_changing_every_20ms_requests_per_second", changing.requestsPerSecond, "req/s");
    report("page", "billing_changing_every_20ms_latency_p99", changing.p99, "ms");
    report("page", "trivial_requests_per_second", trivial.requestsPerSecond, "req/s");
    report("page", "trivial_latency_p50", trivial.p50, "ms");
    report("page", "trivial_latency_p99", trivial.p99, "ms");
    report("page", "billing_to_trivial_throughput_ratio", billing.requestsPerSecond / trivial.requestsPerSecond, "ratio");
    report("page", "billing_rendered_to_trivial_throughput_ratio", rendered.requestsPerSecond / trivial.requestsPerSecond, "ratio");
  } finally {
    await app.stop();
  }
}
