import { sql } from "drizzle-orm";
import { openDatabase } from "../db/client";
import { accounts } from "../db/schema";
import { postMovement, postMovements } from "../lib/credit/ledger";
import { benchDatabase, inFlight, report } from "./support";

const CONCURRENCY = 16;
const OPERATIONS = Number(process.env.BENCH_LEDGER_OPERATIONS ?? 6_000);
const SPREAD_ACCOUNTS = 1_000;

/** Runs `count` operations with `CONCURRENCY` in flight; returns operations per second. */
async function throughput(count: number, operation: (i: number) => Promise<unknown>): Promise<number> {
  return count / (await inFlight(count, CONCURRENCY, operation));
}

/**
 * Debit throughput through the ledger (one posting = one statement) on one hot account,
 * spread over 1,000 accounts, and on the hot account in postings of 100 debits, against a plain single-row INSERT of the same width on
 * the same server, driver and pool, measured in the same run.
 */
export async function benchLedger() {
  const { url, handle: setup } = await benchDatabase();
  const slugs = Array.from({ length: SPREAD_ACCOUNTS }, (_, i) => `ledger-bench-${i}`);
  await setup.db
    .insert(accounts)
    .values(slugs.map((slug) => ({ slug, name: slug, country: "DE", currency: "EUR", timeZone: "Europe/Berlin" })))
    .onConflictDoNothing();
  const rows = await setup.db.select({ id: accounts.id, slug: accounts.slug }).from(accounts);
  const spread = rows.filter((r) => r.slug.startsWith("ledger-bench-")).map((r) => r.id);
  const hot = spread[0]!;
  await setup.db.execute(sql`
    create table if not exists bench_plain_inserts (
      id bigint generated always as identity primary key, account_id uuid not null,
      occurred_at timestamptz not null default now(), interaction_id text, description text not null,
      amount bigint not null, balance_after bigint not null)`);
  await setup.close();

  const { db, close } = await openDatabase({ url, poolMax: CONCURRENCY });
  const run = `${Date.now().toString(36)}`;
  const debit = (accountId: string, i: number, tag: string) =>
    postMovement(db, accountId, {
      type: "call",
      amount: -1,
      interactionId: `bench-${run}-${tag}-${i}`,
      description: "Benchmark call",
      units: 60,
      unitType: "seconds",
      rateMicros: 10_000,
      actor: "bench",
    });
  try {
    await throughput(500, (i) => debit(hot, i, "warm"));
    const ceiling = await throughput(OPERATIONS, (i) =>
      db.execute(sql`insert into bench_plain_inserts (account_id, interaction_id, description, amount, balance_after)
        values (${hot}, ${`plain-${run}-${i}`}, 'Benchmark call', -1, ${i})`),
    );
    const hotRate = await throughput(OPERATIONS, (i) => debit(hot, i, "hot"));
    const spreadRate = await throughput(OPERATIONS, (i) => debit(spread[i % spread.length]!, i, "spread"));
    // The same hot account, with debits applied 100 to a posting (how usage batches post).
    const BATCH = 100;
    const batches = Math.ceil(OPERATIONS / BATCH);
    const batchedRate =
      (await throughput(batches, (b) =>
        postMovements(
          db,
          hot,
          Array.from({ length: BATCH }, (_, j) => ({
            type: "call" as const,
            amount: -1,
            interactionId: `bench-${run}-batch-${b}-${j}`,
            description: "Benchmark call",
            actor: "bench",
          })),
        ),
      )) * BATCH;
    report("ledger", "plain_insert_per_second", ceiling, "rows/s");
    report("ledger", "hot_account_debits_per_second", hotRate, "movements/s");
    report("ledger", "spread_1000_accounts_debits_per_second", spreadRate, "movements/s");
    report("ledger", "hot_account_batched_debits_per_second", batchedRate, "movements/s");
    report("ledger", "hot_to_plain_insert_ratio", hotRate / ceiling, "ratio");
    report("ledger", "hot_batched_to_plain_insert_ratio", batchedRate / ceiling, "ratio");
    report("ledger", "spread_to_plain_insert_ratio", spreadRate / ceiling, "ratio");
  } finally {
    await close();
  }
}
