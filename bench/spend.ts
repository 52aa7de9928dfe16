import { sql } from "drizzle-orm";
import { seedBenchUsage } from "../db/seed/bench";
import { benchDatabase, load, report, sessionCookie, startApp } from "./support";

/**
 * The spend breakdown of the large tenant (300,000 rated records over 60 days, 300 users,
 * 1,000 numbers in use) as a signed-in admin at concurrency 16: by number (its longest
 * breakdown, with the package-fit advice) and one user's charges, against /api/health on the
 * same server, as the billing page's bench measures it.
 */
export async function benchSpend() {
  // Its own database: the 300,000 usage records would otherwise weigh on the billing page's bench.
  const { url: databaseUrl, handle } = await benchDatabase({ suffix: "_spend" });
  const started = Date.now();
  const seeded = await seedBenchUsage(handle.db);
  if (seeded.seeded) console.error(`bench: seeded the large account's usage in ${Date.now() - started} ms`);
  const cookie = await sessionCookie(handle, "admin@bench.test");
  const [user] = (
    (await handle.db.execute(sql`
      select u.id from users u join accounts a on a.id = u.account_id where a.slug = 'bench' and u.email = 'user7@bench.test'`)) as unknown as {
      rows: { id: string }[];
    }
  ).rows;
  await handle.close();
  const app = await startApp(databaseUrl);
  try {
    const seconds = Number(process.env.BENCH_SECONDS ?? 10);
    const headers = { cookie, accept: "text/html,application/xhtml+xml" };
    await load(`${app.url}/api/health`, { connections: 16, seconds: 2 });
    const trivial = await load(`${app.url}/api/health`, { connections: 16, seconds });
    for (const [name, path] of [
      ["by_number", "/dashboard/account/billing/spend?by=number"],
      ["user_charges", `/dashboard/account/billing/spend?by=user&row=${user!.id}`],
    ] as const) {
      const page = `${app.url}${path}`;
      const check = await fetch(page, { headers: { cookie } });
      const html = await check.text();
      if (check.status !== 200 || !html.includes("Where the money goes") || html.includes('role="alert"')) {
        throw new Error(`the spend page did not render for the bench admin (HTTP ${check.status})`);
      }
      await load(page, { connections: 16, seconds: 2, headers }); // warm-up
      const rendered = await load(page, { connections: 16, seconds, headers });
      if (rendered.errors || rendered.non2xx) throw new Error(`errors under load (${name}): ${JSON.stringify(rendered)}`);
      report("spend", `spend_${name}_page_bytes`, Buffer.byteLength(html), "bytes");
      report("spend", `spend_${name}_requests_per_second`, rendered.requestsPerSecond, "req/s");
      report("spend", `spend_${name}_latency_p50`, rendered.p50, "ms");
      report("spend", `spend_${name}_latency_p99`, rendered.p99, "ms");
      report("spend", `spend_${name}_to_trivial_throughput_ratio`, rendered.requestsPerSecond / trivial.requestsPerSecond, "ratio");
    }
    report("spend", "trivial_requests_per_second", trivial.requestsPerSecond, "req/s");
  } finally {
    await app.stop();
  }
}
