import { sql } from "drizzle-orm";
import pg from "pg";
import { openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { closePeriod } from "../lib/invoices/close";
import { renderInvoicePdf } from "../lib/invoices/pdf";
import { getInvoiceDocument } from "../lib/invoices/queries";
import { inFlight, report } from "./support";

const ACCOUNTS = Number(process.env.BENCH_INVOICE_ACCOUNTS || 1_000);
/** Closes in flight: they wait on the database while a PDF renders on the CPU. */
const CONCURRENCY = 4;

/**
 * The billing cycle's end for 1,000 accounts: each period is closed (statement, VAT,
 * numbered invoice, the subscription moved on: lib/invoices/close.ts) and the invoice
 * rendered as a PDF, as the worker and the download route do. Measures the whole run,
 * each render, and the process's memory, which must not grow with the number of accounts.
 * A fresh database (BENCH_DATABASE_NAME + "_invoices") on the local Postgres server.
 */
export async function benchInvoices() {
  const server = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `${process.env.BENCH_DATABASE_NAME || "billing_bench"}_invoices`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}" is not a plain name`);
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), poolMax: CONCURRENCY + 2 });
  try {
    await migrateDatabase(handle);
    const db = handle.db;
    const seeded = Date.now();
    // 1,000 German and French companies on a 10-seat plan, each with four numbers (one
    // added mid-period), a calling package, an add-on and usage paid from credit; their
    // November has ended.
    await db.execute(sql`
      with plan as (
        insert into plans (code, name, currency, interval, seat_price, max_seats)
        values ('bench-invoices', 'Professional', 'EUR', 'month', 2900, 100) returning id),
      pkg as (
        insert into calling_packages (code, name, currency, scope, covered_countries, unlimited, monthly_price, fair_use_minutes_per_user)
        values ('bench-europe', 'Europe', 'EUR', 'international', array['DE','FR'], true, 900, 3000) returning id),
      addon as (
        insert into addons (code, name, category, description, currency, unit_price, unit_label)
        values ('bench-ci', 'Conversation Intelligence', 'conversation_intelligence', 'Transcripts', 'EUR', 1500, 'user') returning id),
      acc as (
        insert into accounts (slug, name, country, currency, time_zone)
        select 'inv-' || g, 'Company ' || g, case when g % 4 = 0 then 'FR' else 'DE' end, 'EUR', 'Europe/Berlin'
        from generate_series(1, ${ACCOUNTS}) g returning id, slug, country),
      details as (
        insert into billing_details (account_id, company_name, vat_number, invoice_email, street, city, postal_code, country)
        select id, 'Company ' || slug, case when country = 'FR' then 'FR40303265045' else null end, 'ap@' || slug || '.test',
               'Hauptstraße 1', 'Berlin', '10115', country from acc returning account_id),
      subs as (
        insert into subscriptions (account_id, plan_id, interval, seats_purchased, current_period_start, current_period_end)
        select acc.id, plan.id, 'month', 10, '2026-10-31T23:00:00Z', '2026-11-30T23:00:00Z' from acc, plan returning account_id),
      nums as (
        insert into phone_numbers (account_id, e164, country, type, monthly_price, acquired_at)
        select acc.id, '+4930' || lpad((row_number() over ())::text, 8, '0'), 'DE', 'local', 300,
               case when n = 4 then timestamptz '2026-11-15T00:00:00Z' else timestamptz '2025-01-01T00:00:00Z' end
        from acc, generate_series(1, 4) n returning account_id),
      pkgs as (
        insert into account_packages (account_id, package_id, quantity, unit_price, started_at)
        select acc.id, pkg.id, 10, 900, '2025-01-01T00:00:00Z' from acc, pkg returning account_id),
      addons_held as (
        insert into account_addons (account_id, addon_id, quantity, unit_price, started_at)
        select acc.id, addon.id, 3, 1500, '2025-01-01T00:00:00Z' from acc, addon returning account_id)
      insert into usage_daily_totals (account_id, day, category, records, seconds, fragments, amount)
      select id, '2026-11-20', 'outside_packages', 12, 1800, 0, 1234 from acc`);
    const accountIds = (
      (await db.execute(sql`select id from accounts where slug like 'inv-%' order by slug`)) as unknown as { rows: { id: string }[] }
    ).rows.map((r) => r.id);
    console.error(`bench: ${accountIds.length} accounts seeded in ${Date.now() - seeded} ms`);

    const now = new Date("2026-12-01T00:00:05Z");
    const renders: number[] = [];
    let peakRss = 0;
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    let bytes = 0;
    let done = 0;
    // Memory after the first quarter (warm: fonts loaded, code compiled) and at the end: in
    // constant memory the second is no higher than the first plus noise.
    let rssAfterQuarter = 0;
    let heapAfterQuarter = 0;
    /** Live heap, after a full collection when node runs with --expose-gc (npm run bench does). */
    const liveHeap = () => {
      global.gc?.();
      return process.memoryUsage().heapUsed;
    };
    const seconds = await inFlight(accountIds.length, CONCURRENCY, async (i) => {
      const accountId = accountIds[i]!;
      const outcome = await closePeriod(db, accountId, now);
      if (outcome.status !== "issued") throw new Error(`account ${accountId}: ${outcome.status}`);
      const document = await getInvoiceDocument(db, accountId, outcome.invoice.id);
      const started = performance.now();
      const pdf = await renderInvoicePdf(document!);
      renders.push(performance.now() - started);
      bytes += pdf.length;
      if (++done === Math.floor(accountIds.length / 4)) {
        rssAfterQuarter = process.memoryUsage().rss;
        heapAfterQuarter = liveHeap();
      }
    });
    clearInterval(sampler);
    const rssAtEnd = process.memoryUsage().rss;
    const heapAtEnd = liveHeap();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const [check] = (
      (await db.execute(sql`select count(*)::int as n, count(distinct number)::int as numbers, max(number) as last from invoices`)) as unknown as {
        rows: { n: number; numbers: number; last: string }[];
      }
    ).rows;
    if (check!.n !== accountIds.length || check!.numbers !== accountIds.length) throw new Error(`expected ${accountIds.length} invoices, found ${JSON.stringify(check)}`);
    console.error(`bench: ${check!.n} invoices (last ${check!.last}), ${Math.round(bytes / accountIds.length)} bytes per PDF`);
    renders.sort((a, b) => a - b);
    const pct = (p: number) => renders[Math.min(renders.length - 1, Math.floor((p / 100) * renders.length))]!;
    report("invoices", `close_and_render_${accountIds.length}_accounts_seconds`, seconds, "s");
    report("invoices", "pdf_render_p50", pct(50), "ms");
    report("invoices", "pdf_render_p99", pct(99), "ms");
    report("invoices", "invoices_per_second", accountIds.length / seconds, "invoices/s");
    report("invoices", "pdf_render_total_seconds", renders.reduce((sum, ms) => sum + ms, 0) / 1000, "s");
    report("invoices", "worker_rss_growth", (peakRss - rssBefore) / 1024 / 1024, "MB");
    report("invoices", "worker_rss_growth_after_first_quarter", (rssAtEnd - rssAfterQuarter) / 1024 / 1024, "MB");
    if (global.gc) report("invoices", "worker_live_heap_growth_after_first_quarter", (heapAtEnd - heapAfterQuarter) / 1024 / 1024, "MB");
  } finally {
    await handle.close();
  }
}
