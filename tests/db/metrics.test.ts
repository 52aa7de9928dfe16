import { eq } from "drizzle-orm";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoTopUpSettings, subscriptions, topUpAttempts, users } from "@/db/schema";
import { postMovement } from "@/lib/credit/ledger";
import { applyChargeResult } from "@/lib/credit/top-ups";
import { startQueue } from "@/lib/jobs/queue";
import { scrape } from "@/lib/observability/exposition";
import { metrics } from "@/lib/observability/metrics";
import { ingestUsage } from "@/lib/usage/ingest";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addNumber, createAccount, createRateCard, subscribe } from "../support/fixtures";

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

/** A counter's total over all its labels, read from the registry. */
async function total(counter: "ledgerMovements" | "topUpOutcomes"): Promise<number> {
  return (await metrics()[counter].get()).values.reduce((sum, v) => sum + v.value, 0);
}

class RolledBack extends Error {}

describe("counters of what the database holds", () => {
  it("count ledger movements only once their transaction commits, never when it or their savepoint rolls back", async () => {
    const { account } = await createAccount(handle.db);
    const post = (db: Parameters<typeof postMovement>[0], description: string) =>
      postMovement(db, account.id, { type: "adjustment", amount: 100, description, actor: "test" });
    const before = await total("ledgerMovements");

    await expect(
      handle.db.transaction(async (tx) => {
        await post(tx, "Rolled back");
        throw new RolledBack();
      }),
    ).rejects.toBeInstanceOf(RolledBack);
    expect(await total("ledgerMovements"), "a rolled-back transaction").toBe(before);

    await handle.db.transaction(async (tx) => {
      await tx
        .transaction(async (savepoint) => {
          await post(savepoint, "Rolled back to the savepoint");
          throw new RolledBack();
        })
        .catch(() => undefined);
      await post(tx, "Kept");
      expect(await total("ledgerMovements"), "not before the commit").toBe(before);
    });
    expect(await total("ledgerMovements"), "the committed one only").toBe(before + 1);
  });

  it("count a top-up outcome only once the change commits", async () => {
    const { account } = await createAccount(handle.db);
    const [attempt] = await handle.db
      .insert(topUpAttempts)
      .values({ accountId: account.id, kind: "auto", amount: 10_000, currency: "EUR", idempotencyKey: `metrics-${account.slug}` })
      .returning();
    const declined = {
      paymentIntentId: `pi_declined_${attempt!.id}`,
      status: "failed" as const,
      amount: 10_000,
      currency: "EUR",
      clientSecret: null,
      failureCode: "card_declined",
      failureMessage: "Your card was declined.",
    };
    const before = await total("topUpOutcomes");
    await expect(
      handle.db.transaction(async (tx) => {
        expect(await applyChargeResult(tx, attempt!, declined)).toBe(true);
        throw new RolledBack();
      }),
    ).rejects.toBeInstanceOf(RolledBack);
    expect(await total("topUpOutcomes"), "a rolled-back outcome").toBe(before);
    await handle.db.transaction((tx) => applyChargeResult(tx, attempt!, declined));
    expect(await total("topUpOutcomes"), "the committed outcome").toBe(before + 1);
  });

  it("count no ledger movement of a usage batch whose transaction rolls back", async () => {
    const { account } = await createAccount(handle.db);
    const now = new Date();
    await subscribe(handle.db, account.id, { start: new Date(now.getTime() - 5 * 86_400_000), end: new Date(now.getTime() + 25 * 86_400_000) });
    await handle.db.update(subscriptions).set({ rateCardId: (await createRateCard(handle.db)).id }).where(eq(subscriptions.accountId, account.id));
    await handle.db.insert(users).values({ accountId: account.id, email: `agent@${account.slug}.test`, name: "Agent", role: "agent" });
    const office = (await addNumber(handle.db, account.id, "+493077700001")).e164;
    await postMovement(handle.db, account.id, { type: "top_up_manual", amount: 1_000, interactionId: `pi_open_${account.slug}`, description: "Opening", actor: "test" });
    await handle.db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: 500, amount: 2_000 });
    // Premium minutes cross the auto top-up threshold; enqueueing its job fails, so the
    // whole batch rolls back.
    const batch = Array.from({ length: 10 }, (_, i) => ({
      id: `metrics-call-${account.slug}-${i}`,
      account: account.slug,
      kind: "call",
      direction: "outbound",
      from: office,
      to: "+4990012345",
      startedAt: new Date(now.getTime() - 3_600_000).toISOString(),
      durationSeconds: 60,
      user: `agent@${account.slug}.test`,
    }));
    const before = await total("ledgerMovements");
    const failing = { onAutoTopUp: async () => Promise.reject(new RolledBack()) };
    await expect(ingestUsage(handle.db, batch, failing)).rejects.toBeInstanceOf(RolledBack);
    expect(await total("ledgerMovements"), "a rolled-back batch").toBe(before);
    const results = await ingestUsage(handle.db, batch, { onAutoTopUp: async () => undefined });
    expect(results.map((r) => r.status)).toEqual(batch.map(() => "rated"));
    expect(await total("ledgerMovements"), "the committed batch").toBe(before + 10);
  });
});
