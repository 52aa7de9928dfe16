import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postMovement } from "@/lib/credit/ledger";
import { startQueue } from "@/lib/jobs/queue";
import { scrape } from "@/lib/observability/exposition";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount } from "../support/fixtures";

const TOKEN = "metrics-token-0123456789";
let handle: TestDatabase;
let boss: PgBoss;

beforeAll(async () => {
  handle = await freshDatabase();
  boss = await startQueue(handle);
  process.env.NEXTAUTH_URL ??= "http://localhost:3000";
  process.env.NEXTAUTH_SECRET ??= "s".repeat(32);
  process.env.OIDC_ISSUER ??= "http://localhost:3001";
  process.env.OIDC_CLIENT_ID ??= "test";
  process.env.OIDC_CLIENT_SECRET ??= "test";
  process.env.METRICS_TOKEN = TOKEN;
  // The route handler, with this file's database behind its singleton.
  Object.assign(globalThis, { billingDatabase: Promise.resolve(handle) });
});

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await handle?.close();
});

const open = async () => handle;

/** A sample's value in the text format, by metric name and labels as written. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /api/metrics", () => {
  it.each([
    ["without a header", null, TOKEN, 401],
    ["with another scheme", `Basic ${TOKEN}`, TOKEN, 401],
    ["with a wrong token", "Bearer metrics-token-9876543210", TOKEN, 401],
    ["when the server has no token", `Bearer ${TOKEN}`, undefined, 503],
  ])("refuses %s and reads nothing", async (_, header, serverToken, status) => {
    let opened = false;
    const response = await scrape(header, serverToken, async () => {
      opened = true;
      return handle;
    });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(/METRICS_TOKEN|invalid metrics token/);
    if (status === 401) expect(response.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
    expect(opened, "the database was not read").toBe(false);
  });

  it("answers the Prometheus text format through the route with the token", async () => {
    const { GET } = await import("@/app/api/metrics/route");
    const refused = await GET(new Request("http://localhost/api/metrics"));
    expect(refused.status).toBe(401);
    const response = await GET(new Request("http://localhost/api/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const name of [
      "http_request_duration_seconds",
      "billing_usage_events_total",
      "billing_ledger_movements_total",
      "billing_top_up_outcomes_total",
      "billing_queue_jobs",
      "billing_job_failures_total",
      "billing_db_pool_connections",
      "process_cpu_seconds_total",
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it("counts ledger movements by type as they are posted", async () => {
    const { account } = await createAccount(handle.db);
    const before = sample(await (await scrape(`Bearer ${TOKEN}`, TOKEN, open)).text(), 'billing_ledger_movements_total{type="adjustment"}') ?? 0;
    await postMovement(handle.db, account.id, { type: "adjustment", amount: 500, description: "Goodwill", actor: "test" });
    await postMovement(handle.db, account.id, { type: "adjustment", amount: -200, description: "Correction", actor: "test" });
    const after = sample(await (await scrape(`Bearer ${TOKEN}`, TOKEN, open)).text(), 'billing_ledger_movements_total{type="adjustment"}');
    expect(after).toBe(before + 2);
  });

  it("reads the queue's depth by queue and state from the database at scrape time", async () => {
    await boss.createQueue("metrics-probe", { name: "metrics-probe" });
    await boss.send("metrics-probe", { n: 1 });
    await boss.send("metrics-probe", { n: 2 });
    const text = await (await scrape(`Bearer ${TOKEN}`, TOKEN, open)).text();
    expect(sample(text, 'billing_queue_jobs{queue="metrics-probe",state="created"}')).toBe(2);
    expect(sample(text, "billing_queue_reachable")).toBe(1);
    if (handle.driver === "pg") {
      expect(sample(text, 'billing_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'billing_db_pool_connections{state="waiting"}')).toBe(0);
    } else {
      expect(sample(text, 'billing_db_pool_connections{state="total"}')).toBe(1);
    }
  });
});
