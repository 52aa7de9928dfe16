import { spawnSync } from "node:child_process";
import http from "node:http";
import { sql } from "drizzle-orm";
import { readFileSync } from "node:fs";
import { benchDatabase, report, sessionCookie, startApp } from "./support";

/** Resident memory of a process in MB (VmRSS), or null when /proc is not there. */
function rssMb(pid: number): number | null {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Exports the large tenant's 1,000,000 movements through the running route, and the same
 * rows with COPY ... TO STDOUT WITH CSV through psql in the same run.
 */
export async function benchCsv() {
  const { url, handle } = await benchDatabase();
  const cookie = await sessionCookie(handle, "admin@bench.test");
  const [{ id: accountId, rows: total }] = (
    (await handle.db.execute(
      sql`select a.id, count(m.*)::int as rows from accounts a join credit_movements m on m.account_id = a.id where a.slug = 'bench' group by a.id`,
    )) as unknown as { rows: { id: string; rows: number }[] }
  ).rows as [{ id: string; rows: number }];
  await handle.close();
  const app = await startApp(url);
  try {
    const from = "2022-01-01";
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    // A first request loads the route and opens connections; a running server has done that.
    const coldStarted = performance.now();
    const warm = await fetch(`${app.url}/api/billing/credit-movements.csv?from=${to}&to=${to}`, { headers: { cookie } });
    await warm.arrayBuffer();
    const coldMs = performance.now() - coldStarted;
    const baseline = rssMb(app.pid) ?? 0;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(app.pid) ?? 0);
    }, 50);
    // node:http and native newline counting: a web-streams client costs as much CPU as
    // the server on this 2-core machine and would halve what is measured.
    const started = performance.now();
    let firstByte = 0;
    let newlines = 0;
    let lastByte = 0;
    await new Promise<void>((resolve, reject) => {
      const request = http.get(`${app.url}/api/billing/credit-movements.csv?from=${from}&to=${to}`, { headers: { cookie } }, (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`export answered ${response.statusCode}`));
          response.resume();
          return;
        }
        response.on("data", (chunk: Buffer) => {
          if (!firstByte) firstByte = performance.now() - started;
          for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines++;
          if (chunk.length) lastByte = chunk[chunk.length - 1]!;
        });
        response.on("end", resolve);
        response.on("error", reject);
      });
      request.on("error", reject);
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    // Lines, the last one possibly without its line end, less the header.
    const rows = newlines + (lastByte === 10 ? 0 : 1) - 1;
    if (rows !== total) throw new Error(`exported ${rows} rows, expected ${total}`);

    const psqlStarted = performance.now();
    const copy = spawnSync(
      "psql",
      [url, "-X", "-q", "-c", `copy (select m.occurred_at, m.id, m.interaction_id, m.type, m.description, m.destination, m.units, m.unit_type, m.rate_micros, m.amount, m.balance_after, u.email, r.rating_reason, r.rating_reason_params from credit_movements m left join users u on u.account_id = m.account_id and u.id = m.actor_user_id left join usage_records r on m.type in ('call', 'sms', 'forwarded_leg', 'toll_free_inbound') and r.account_id = m.account_id and r.external_id = m.interaction_id where m.account_id = '${accountId}' order by m.occurred_at, m.id) to stdout with csv`],
      { maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "inherit"] },
    );
    const psqlSeconds = (performance.now() - psqlStarted) / 1000;
    if (copy.status !== 0) throw new Error("psql copy failed");
    const copyRows = copy.stdout.toString("utf8").split("\n").length - 1;

    report("csv", "route_rows_per_second", rows / seconds, "rows/s");
    report("csv", "route_time_to_first_byte", firstByte, "ms");
    report("csv", "first_request_after_start_ms", coldMs, "ms");
    report("csv", "server_peak_rss", peak, "MB");
    report("csv", "server_rss_growth_during_export", peak - baseline, "MB");
    report("csv", "psql_copy_rows_per_second", copyRows / psqlSeconds, "rows/s");
    report("csv", "route_to_copy_ratio", rows / seconds / (copyRows / psqlSeconds), "ratio");
  } finally {
    await app.stop();
  }
}
