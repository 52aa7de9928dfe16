import { sql } from "drizzle-orm";
import pg from "pg";
import { accounts, phoneNumbers } from "../db/schema";
import { postMovement } from "../lib/credit/ledger";
import { benchDatabase, inFlight, report, startApp } from "./support";

const TOKEN = "bench-platform-token-0123456789";
const BATCH = 1_000;
const BATCHES = Number(process.env.BENCH_USAGE_BATCHES ?? 30);
const SPREAD_ACCOUNTS = 1_000;
/** The hot account's lines: its records come from these (each spread account has one). */
const HOT_LINES = 50;
const IN_FLIGHT = 2;

const DESTINATIONS = [
  ["+81312345678", "call"],
  ["+12125550100", "call"],
  ["+33123456789", "call"],
  ["+4990012345", "call"],
  ["+447700900123", "sms"],
] as const;

/** The benchmark accounts' own numbers, by slug: the hot account's lines, one per spread account. */
function linesOf(slugs: string[]): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  lines.set("usage-hot", Array.from({ length: HOT_LINES }, (_, i) => `+4930100${String(i).padStart(4, "0")}`));
  slugs.forEach((slug, i) => lines.set(slug, [`+4930200${String(i).padStart(4, "0")}`]));
  return lines;
}

/** A batch of records: one hot account, or one record per account over `slugs`; each from one of its account's numbers. */
function batch(run: string, b: number, slugs: string[], lines: Map<string, string[]>) {
  const startedAt = new Date(Date.now() - 3_600_000).toISOString();
  return Array.from({ length: BATCH }, (_, i) => {
    const [to, kind] = DESTINATIONS[i % DESTINATIONS.length]!;
    const account = slugs[i % slugs.length]!;
    const own = lines.get(account)!;
    const common = { id: `${run}-${b}-${i}`, account, direction: "outbound", from: own[i % own.length]!, to, startedAt };
    return kind === "call" ? { ...common, kind, durationSeconds: 30 + (i % 300) } : { ...common, kind, fragments: 1 + (i % 3) };
  });
}

/** Sends the batches with IN_FLIGHT requests at a time; returns events per second. */
async function ingest(url: string, batches: unknown[][]): Promise<number> {
  const seconds = await inFlight(batches.length, IN_FLIGHT, async (b) => {
    const response = await fetch(`${url}/api/usage/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ records: batches[b] }),
    });
    const body = (await response.json()) as { results?: { status: string; reason: string }[] };
    const rejected = body.results?.find((r) => r.status !== "rated");
    if (response.status !== 200 || rejected) {
      throw new Error(`ingestion answered ${response.status}: ${JSON.stringify(rejected ?? body).slice(0, 300)}`);
    }
  });
  return (batches.length * BATCH) / seconds;
}

/** The same records with a plain multi-row INSERT (no rating, ledger, index or trigger). */
async function plainInsert(url: string, batches: unknown[][]): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: IN_FLIGHT });
  try {
    const seconds = await inFlight(batches.length, IN_FLIGHT, (b) =>
      pool.query(
        `insert into bench_plain_usage (external_id, account, kind, direction, from_number, to_number, started_at, duration_seconds, fragments)
         select x.id, x.account, x.kind, x.direction, x."from", x."to", x."startedAt", x."durationSeconds", x.fragments
         from json_to_recordset($1::json) as x(id text, account text, kind text, direction text, "from" text, "to" text,
           "startedAt" timestamptz, "durationSeconds" int, fragments int)`,
        [JSON.stringify(batches[b])],
      ),
    );
    return (batches.length * BATCH) / seconds;
  } finally {
    await pool.end();
  }
}

/**
 * Usage ingestion through the running route, batches of 1,000 records, two in flight: on
 * one hot account, and spread over 1,000 accounts (one record each per batch); against a
 * plain INSERT of the same records on the same server, in the same run.
 */
export async function benchUsage() {
  const { url, handle } = await benchDatabase();
  const slugs = Array.from({ length: SPREAD_ACCOUNTS }, (_, i) => `usage-bench-${i}`);
  await handle.db
    .insert(accounts)
    .values(["usage-hot", ...slugs].map((slug) => ({ slug, name: slug, country: "DE", currency: "EUR", timeZone: "Europe/Berlin" })))
    .onConflictDoNothing();
  const ids = await handle.db.select({ id: accounts.id, slug: accounts.slug }).from(accounts);
  const lines = linesOf(slugs);
  const numbers = ids.flatMap(({ id, slug }) =>
    (lines.get(slug) ?? []).map((e164) => ({ accountId: id, e164, country: "DE", type: "local" as const, monthlyPrice: 300, acquiredAt: new Date("2020-01-01T00:00:00Z") })),
  );
  await handle.db.insert(phoneNumbers).values(numbers).onConflictDoNothing();
  // Enough credit that no run reaches an auto top-up threshold.
  for (const { id } of ids.filter((a) => a.slug === "usage-hot" || a.slug.startsWith("usage-bench-"))) {
    await postMovement(handle.db, id, { type: "adjustment", amount: 1_000_000, interactionId: `bench-credit-${Date.now()}`, description: "Benchmark credit", actor: "bench" });
  }
  await handle.db.execute(sql`
    create table if not exists bench_plain_usage (
      id bigint generated always as identity primary key, external_id text not null, account text not null,
      kind text not null, direction text not null, from_number text not null, to_number text not null,
      started_at timestamptz not null, duration_seconds int, fragments int)`);
  await handle.close();

  const app = await startApp(url);
  try {
    const run = Date.now().toString(36);
    await ingest(app.url, [batch(`${run}-warm`, 0, ["usage-hot"], lines), batch(`${run}-warm`, 1, slugs, lines)]);
    const hotBatches = Array.from({ length: BATCHES }, (_, b) => batch(`${run}-hot`, b, ["usage-hot"], lines));
    const spreadBatches = Array.from({ length: BATCHES }, (_, b) => batch(`${run}-spread`, b, slugs, lines));
    const hot = await ingest(app.url, hotBatches);
    const spread = await ingest(app.url, spreadBatches);
    const ceiling = await plainInsert(url, spreadBatches);
    report("usage", "hot_account_events_per_second", hot, "events/s");
    report("usage", "spread_1000_accounts_events_per_second", spread, "events/s");
    report("usage", "plain_insert_rows_per_second", ceiling, "rows/s");
    report("usage", "hot_account_to_insert_ratio", hot / ceiling, "ratio");
    report("usage", "spread_to_insert_ratio", spread / ceiling, "ratio");
  } finally {
    await app.stop();
  }
}
