import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { autoTopUpSettings, billingDetails, creditBalances, paymentMethods, subscriptions, users } from "@/db/schema";
import { queryRows } from "@/db/typed-sql";
import { serveCommand } from "../../scripts/lib/serve-command";
import { waitForOk } from "../../scripts/lib/wait";
import { E2E_SECRET } from "../support/e2e-global-setup";
import { addMovements, addNumber, createAccount, createRateCard, subscribe } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { createDatabase, dropDatabase } from "../support/local-database";
import { appDatabaseUrl, skipReason } from "./browser";

/**
 * Many instances, one truth: two app instances take a storm of usage (every record sent
 * twice, shuffled, several batches in flight, in two waves) while two workers close the
 * tenants' ended periods and charge their automatic top-ups; one worker is killed half-way
 * through the second wave and the other finishes the work. Then the database must say that every record was rated once, every
 * balance is its movements' sum, every threshold crossing bought one top-up, every period
 * and every top-up has one invoice, and every event one notice. Its own database, so the
 * suite's app and worker never see these tenants. The checks are SQL written here.
 */

const PLATFORM_TOKEN = "scale-out-platform-token-0123456789";
const ACCOUNTS = 50;
const CALLS_PER_ACCOUNT = 40;
const BATCH_SIZE = 50;
const IN_FLIGHT = 4;
const QUIET_WITHIN_MS = 300_000;

// Credit in cents. The calls to France cost 0.28 to 1.40 each (about 34.00 a tenant in
// all), so the balance crosses the auto top-up threshold again after a top-up; the
// low-balance alert sits at the same level, so the alert is crossed too. Opening balances
// differ, so the tenants' first crossings come one after another rather than all at once.
const opening = (i: number) => 1_050 + ((i * 397) % 1_500);
const THRESHOLD = 1_000;
const TOP_UP = 1_500;
const ALERT = 1_000;

/** mulberry32: the same storm on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** "12.34" (a positive decimal of the account currency) in cents. */
function cents(decimal: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(decimal);
  if (!match) throw new Error(`not an amount: ${decimal}`);
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
}

interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  let output = "";
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-40_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, child, exited, output: () => output };
}

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Answer {
  id: string;
  status: string;
  amount: string;
  currency: string;
  reason: string;
}

describe.skipIf(!!skipReason)("scale-out", () => {
  let handle: DatabaseHandle | undefined;
  let databaseUrl: string | undefined;
  const processes: Proc[] = [];

  afterAll(async () => {
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
    }
    await Promise.all(processes.map((p) => p.exited));
    await handle?.close();
    if (databaseUrl) await dropDatabase(databaseUrl);
  }, 60_000);

  it.skipIf(!appDatabaseUrl)(
    "two apps and two workers, one of them killed mid-storm: every record rated once, one top-up per crossing, one invoice and one notice per event",
    async () => {
      databaseUrl = await createDatabase(appDatabaseUrl!, "storm");
      handle = await openDatabase({ url: databaseUrl, poolMax: 4 });
      await migrateDatabase(handle);
      const db = handle.db;

      // 50 tenants, each with its number, agent, sandbox card that pays, opening credit,
      // auto top-up, low-balance alert, and a monthly period that ended an hour ago.
      const now = Date.now();
      const periodEnd = new Date(now - 3_600_000);
      const periodStart = new Date(periodEnd.getTime() - 30 * 86_400_000);
      const rateCard = await createRateCard(db);
      const tenants: { id: string; slug: string; number: string }[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        const slug = `storm-${String(i).padStart(2, "0")}`;
        const { account } = await createAccount(db, { slug, name: `Storm ${i} GmbH` });
        const number = `+4930700${String(i).padStart(4, "0")}`;
        await subscribe(db, account.id, { start: periodStart, end: periodEnd });
        await db.update(subscriptions).set({ rateCardId: rateCard.id }).where(eq(subscriptions.accountId, account.id));
        await addNumber(db, account.id, number);
        await db.insert(users).values({ accountId: account.id, email: `agent@${slug}.test`, name: "Agent", role: "agent" });
        await db.insert(billingDetails).values({
          accountId: account.id, companyName: `Storm ${i} GmbH`, invoiceEmail: `ap@${slug}.test`, billingEmails: [`ap@${slug}.test`],
          street: "Hauptstr. 1", city: "Berlin", postalCode: "10115", country: "DE",
        });
        await db.insert(paymentMethods).values({
          accountId: account.id, provider: "sandbox", type: "card", providerPaymentMethodId: `pm_sandbox_succeeds_${slug}`,
          cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034,
        });
        await addMovements(db, account.id, [{ type: "top_up_manual", amount: opening(i), interactionId: `pi_${slug}_opening` }]);
        await db.update(creditBalances).set({ lowBalanceThreshold: ALERT }).where(eq(creditBalances.accountId, account.id));
        await db.insert(autoTopUpSettings).values({ accountId: account.id, enabled: true, threshold: THRESHOLD, amount: TOP_UP, monthlyCap: null });
        tenants.push({ id: account.id, slug, number });
      }

      // The storm: 40 calls per tenant to French fixed lines, each sent twice, shuffled, in two waves of
      // 20 calls a tenant. The first wave takes every tenant below the threshold; once its top-ups are
      // in, the second takes most of them below it again, so tenants cross a second time whatever the
      // timing of the workers (a top-up still queued when the last debit lands would leave no second
      // crossing to count).
      const random = prng(20261129);
      const records = tenants.flatMap((t) =>
        Array.from({ length: CALLS_PER_ACCOUNT }, (_, n) => ({
          id: `storm-call-${t.slug}-${n}`,
          account: t.slug,
          kind: "call",
          direction: "outbound",
          from: t.number,
          to: `+3314${String(Math.floor(random() * 1e7)).padStart(7, "0")}`,
          startedAt: new Date(now - 300_000 - Math.floor(random() * 3 * 86_400_000)).toISOString(),
          durationSeconds: 1_200 + Math.floor(random() * 4_800),
          forwarded: false,
          user: `agent@${t.slug}.test`,
        })),
      );
      const wave = (half: 0 | 1) => {
        const sends = records.filter((r) => Number(r.id.slice(r.id.lastIndexOf("-") + 1)) % 2 === half).flatMap((r) => [r, r]);
        for (let i = sends.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [sends[i], sends[j]] = [sends[j]!, sends[i]!];
        }
        return Array.from({ length: Math.ceil(sends.length / BATCH_SIZE) }, (_, k) => sends.slice(k * BATCH_SIZE, (k + 1) * BATCH_SIZE));
      };
      const waves = [wave(0), wave(1)];

      // Two app instances and two workers on the storm's database.
      const apps: string[] = [];
      for (const name of ["app-a", "app-b"]) {
        const port = await freePort();
        const server = serveCommand();
        processes.push(start(name, server.command, server.args, {
          ...process.env,
          PORT: String(port),
          NODE_ENV: "production",
          NEXT_TELEMETRY_DISABLED: "1",
          DATABASE_URL: databaseUrl,
          NEXTAUTH_URL: `http://localhost:${port}`,
          NEXTAUTH_SECRET: E2E_SECRET,
          OIDC_ISSUER: "http://localhost:1",
          OIDC_CLIENT_ID: "e2e",
          OIDC_CLIENT_SECRET: "e2e",
          PLATFORM_API_TOKEN: PLATFORM_TOKEN,
          SMTP_URL: "",
        }));
        apps.push(`http://127.0.0.1:${port}`);
      }
      const workers = ["worker-1", "worker-2"].map((name) =>
        // Node itself with tsx's loader (not the tsx command, whose child would outlive a SIGKILL).
        start(name, process.execPath, ["--import", "tsx", path.join("scripts", "worker.ts")], {
          ...process.env,
          DATABASE_URL: databaseUrl,
          STRIPE_SECRET_KEY: "",
          STRIPE_WEBHOOK_SECRET: "",
          SMTP_URL: "",
          NEXTAUTH_URL: apps[0],
        }),
      );
      processes.push(...workers);
      try {
        await Promise.all(apps.map((url) => waitForOk(`${url}/api/ready`, 90_000)));
        for (const worker of workers) await until(`${worker.name} started`, 60_000, async () => worker.output().includes('"msg":"worker: '));
      } catch (error) {
        for (const p of processes) console.error(`${p.name} output:\n${p.output()}`);
        throw error;
      }

      const count = async (query: ReturnType<typeof sql>) => (await queryRows(db, { n: sql<number>`count(*)::int` }, query))[0]!.n;
      const duePeriods = () => count(sql`from subscriptions where current_period_end <= now() and status <> 'canceled'`);
      const jobsWaiting = (queues: string[], states: string[]) =>
        count(sql`from pgboss.job where name = any(${`{${queues.join(",")}}`}::text[]) and state::text = any(${`{${states.join(",")}}`}::text[])`);

      const answers = new Map<string, Answer[]>();
      const posted = [0, 0];
      const post = async (w: 0 | 1) => {
        const batches = waves[w]!;
        let next = 0;
        const lane = async () => {
          while (next < batches.length) {
            const k = next++;
            const response = await fetch(`${apps[k % 2]}/api/usage/events`, {
              method: "POST",
              headers: { authorization: `Bearer ${PLATFORM_TOKEN}`, "content-type": "application/json" },
              body: JSON.stringify({ records: batches[k] }),
            });
            expect(response.status, `wave ${w} batch ${k}: ${response.status}`).toBe(200);
            const { results } = (await response.json()) as { results: Answer[] };
            expect(results.map((r) => r.id), `wave ${w} batch ${k} answers in order`).toEqual(batches[k]!.map((r) => r.id));
            for (const result of results) answers.set(result.id, [...(answers.get(result.id) ?? []), result]);
            posted[w]!++;
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
      };
      const settled = async () =>
        (await count(sql`from top_up_attempts where status in ('pending', 'requires_action')`)) === 0 &&
        (await duePeriods()) === 0 &&
        (await jobsWaiting(["auto-top-up", "close-period"], ["created", "retry", "active"])) === 0;

      // The first wave, with both workers: the periods close and the first top-ups are bought.
      const stormStarted = Date.now();
      await post(0);
      await until("the first wave's top-ups and the period closes", QUIET_WITHIN_MS, settled);
      const firstWaveMs = Date.now() - stormStarted;

      // The second wave. Half-way through it, a worker dies without a word while top-ups wait in the
      // queue: both workers are then charging, so the one killed leaves a job active that only its
      // expiry gives back.
      let killedAfter = -1;
      let backlogAtKill = -1;
      const kill = async () => {
        await until("half of the second wave posted", QUIET_WITHIN_MS, async () => posted[1]! >= waves[1]!.length / 2);
        const backlog = () => jobsWaiting(["auto-top-up"], ["created"]);
        await until("top-ups waiting", 20_000, async () => (await backlog()) > 0).catch(() => undefined);
        backlogAtKill = await backlog();
        killedAfter = posted[1]!;
        workers[0]!.child.kill("SIGKILL");
        await workers[0]!.exited;
      };
      let stormMs = 0;
      let killedAt = 0;
      await Promise.all([
        post(1).then(() => (stormMs = Date.now() - stormStarted)),
        kill().then(() => (killedAt = Date.now())),
      ]);
      const stormEnded = Date.now();
      expect(workers[0]!.child.signalCode, "the first worker was killed").toBe("SIGKILL");
      expect(workers[1]!.child.exitCode, "the second worker still runs").toBeNull();

      // Quiet: no top-up in flight, no period due, no job waiting or running, every period invoice collected.
      try {
        await until("the surviving worker finishes the work", QUIET_WITHIN_MS, async () =>
          (await settled()) && (await count(sql`from invoices where kind = 'period' and status <> 'paid'`)) === 0);
      } catch (error) {
        console.error(`${workers[1]!.name} output:\n${workers[1]!.output()}`);
        throw error;
      }
      const quietAfterStormMs = Date.now() - stormEnded;

      // 1. Every balance is the sum of its movements, and each movement's running balance follows the one before.
      const balances = await queryRows(
        db,
        { accountId: sql<string>`b.account_id::text`, balance: sql<number>`b.balance::bigint`.mapWith(Number), sum: sql<number>`coalesce(sum(m.amount), 0)::bigint`.mapWith(Number) },
        sql`from credit_balances b left join credit_movements m on m.account_id = b.account_id group by b.account_id, b.balance`,
      );
      expect(balances).toHaveLength(ACCOUNTS);
      for (const b of balances) expect(b.balance, `balance of ${b.accountId}`).toBe(b.sum);
      const movements = await queryRows(
        db,
        {
          accountId: sql<string>`account_id::text`,
          id: sql<number>`id`.mapWith(Number),
          tx: sql<string>`xmin::text`,
          type: sql<string>`type::text`,
          interactionId: sql<string | null>`interaction_id`,
          amount: sql<number>`amount`.mapWith(Number),
          balanceAfter: sql<number>`balance_after`.mapWith(Number),
        },
        sql`from credit_movements order by account_id, id`,
      );
      const byAccount = new Map<string, typeof movements>();
      for (const m of movements) byAccount.set(m.accountId, [...(byAccount.get(m.accountId) ?? []), m]);
      for (const [accountId, list] of byAccount) {
        list.forEach((m, i) => {
          if (i > 0) expect(m.balanceAfter - m.amount, `movement ${m.id} of ${accountId} starts where the one before ended`).toBe(list[i - 1]!.balanceAfter);
        });
      }

      // 2. 2,000 records, each rated once: one "rated" answer and one "duplicate" with the same amount,
      //    one usage record, one debit named by its id.
      const usage = await queryRows(
        db,
        {
          externalId: sql<string>`r.external_id`,
          amount: sql<number>`r.amount`.mapWith(Number),
          movementId: sql<number | null>`r.movement_id`.mapWith(Number),
          debits: sql<number>`(select count(*)::int from credit_movements m where m.account_id = r.account_id and m.interaction_id = r.external_id)`,
          debitId: sql<number | null>`(select min(m.id) from credit_movements m where m.account_id = r.account_id and m.interaction_id = r.external_id)`.mapWith(Number),
          debitAmount: sql<number | null>`(select min(m.amount) from credit_movements m where m.account_id = r.account_id and m.interaction_id = r.external_id)`.mapWith(Number),
        },
        sql`from usage_records r`,
      );
      expect(usage, "usage records").toHaveLength(records.length);
      expect(new Set(usage.map((u) => u.externalId)).size, "distinct platform ids").toBe(records.length);
      expect(new Set(usage.map((u) => u.externalId)), "the records sent").toEqual(new Set(records.map((r) => r.id)));
      const charged = usage.filter((u) => u.amount > 0);
      expect(charged.length, "records charged").toBe(records.length);
      for (const u of charged) {
        expect([u.debits, u.debitId, u.debitAmount], `the debit of ${u.externalId}`).toEqual([1, u.movementId, -u.amount]);
      }
      const usageDebits = movements.filter((m) => m.interactionId?.startsWith("storm-call-"));
      expect(usageDebits.length, "debits of the storm's calls").toBe(charged.length);
      const amountOf = new Map(usage.map((u) => [u.externalId, u.amount]));
      for (const record of records) {
        const got = answers.get(record.id) ?? [];
        expect(got.map((a) => a.status).sort(), `answers for ${record.id}`).toEqual(["duplicate", "rated"]);
        for (const a of got) expect([cents(a.amount), a.currency], `${a.status} amount of ${record.id}`).toEqual([amountOf.get(record.id), "EUR"]);
      }

      // 3. One automatic top-up per crossing of the threshold. A usage batch posts an account's debits in one
      //    ledger statement, which records the top-up for the statement that crossed (naming one of its
      //    debits); a transaction (xmin) is one statement here, as a top-up's credit is posted alone.
      interface Statement { accountId: string; tx: string; ids: number[]; before: number; after: number; debit: boolean }
      const statements: Statement[] = [];
      for (const [accountId, list] of byAccount) {
        for (const m of list) {
          const last = statements[statements.length - 1];
          if (last && last.accountId === accountId && last.tx === m.tx) {
            last.ids.push(m.id);
            last.after = m.balanceAfter;
          } else {
            statements.push({ accountId, tx: m.tx, ids: [m.id], before: m.balanceAfter - m.amount, after: m.balanceAfter, debit: m.amount < 0 });
          }
        }
      }
      expect(new Set(statements.map((s) => `${s.accountId}|${s.tx}`)).size, "each statement's movements are consecutive").toBe(statements.length);
      const crossings = statements.filter((s) => s.debit && s.before >= THRESHOLD && s.after < THRESHOLD);
      const attempts = await queryRows(
        db,
        {
          id: sql<string>`t.id::text`,
          accountId: sql<string>`t.account_id::text`,
          kind: sql<string>`t.kind::text`,
          status: sql<string>`t.status::text`,
          amount: sql<number>`t.amount`.mapWith(Number),
          trigger: sql<number | null>`t.triggered_by_movement_id`.mapWith(Number),
          paymentId: sql<string | null>`t.provider_payment_intent_id`,
          invoices: sql<number>`(select count(*)::int from invoices i where i.top_up_attempt_id = t.id and i.kind = 'top_up')`,
        },
        sql`from top_up_attempts t`,
      );
      const auto = attempts.filter((a) => a.kind === "auto");
      expect(attempts.length, "only automatic top-ups were made").toBe(auto.length);
      const statementOf = new Map(statements.flatMap((s) => s.ids.map((id) => [id, s] as const)));
      const attemptsPerCrossing = new Map(crossings.map((c) => [c, 0]));
      for (const a of auto) {
        const statement = a.trigger === null ? undefined : statementOf.get(a.trigger);
        expect(statement?.accountId, `attempt ${a.id} names a debit of its account`).toBe(a.accountId);
        expect(attemptsPerCrossing.has(statement!), `attempt ${a.id} follows a crossing`).toBe(true);
        attemptsPerCrossing.set(statement!, attemptsPerCrossing.get(statement!)! + 1);
      }
      for (const [c, n] of attemptsPerCrossing) expect(n, `top-ups for the crossing of ${c.accountId} from ${c.before} to ${c.after}`).toBe(1);
      expect(auto.map((a) => a.status).filter((s) => s !== "succeeded"), "top-ups not succeeded").toEqual([]);
      const credits = new Map(movements.filter((m) => m.type === "top_up_auto").map((m) => [m.interactionId, m]));
      expect(credits.size, "auto top-up credits").toBe(auto.length);
      for (const a of auto) expect(credits.get(a.paymentId)?.amount, `credit of top-up ${a.id}`).toBe(a.amount);
      // The storm was sized for this: every tenant crossed, and tenants crossed again after a top-up.
      const crossed = new Map<string, number>();
      for (const c of crossings) crossed.set(c.accountId, (crossed.get(c.accountId) ?? 0) + 1);
      expect(crossed.size, "tenants that crossed the threshold").toBe(ACCOUNTS);
      expect(crossings.length, "crossings in all").toBeGreaterThan(ACCOUNTS);

      // 4. One period invoice per tenant, for the period that ended, paid; one invoice per top-up bought.
      const periodInvoices = await queryRows(
        db,
        { accountId: sql<string>`account_id::text`, start: sql<Date>`period_start`, end: sql<Date>`period_end`, status: sql<string>`status::text` },
        sql`from invoices where kind = 'period'`,
      );
      expect(periodInvoices.length, "period invoices").toBe(ACCOUNTS);
      expect(new Set(periodInvoices.map((i) => i.accountId)).size, "tenants with a period invoice").toBe(ACCOUNTS);
      for (const i of periodInvoices) {
        expect([new Date(i.start).getTime(), new Date(i.end).getTime(), i.status]).toEqual([periodStart.getTime(), periodEnd.getTime(), "paid"]);
      }
      for (const a of auto) expect(a.invoices, `invoices of top-up ${a.id}`).toBe(1);
      expect(await count(sql`from invoices where kind = 'top_up'`), "top-up invoices").toBe(auto.length);
      expect(await count(sql`from invoices where kind not in ('period', 'top_up')`), "other documents").toBe(0);

      // 5. One notice per event: per invoice issued, and per statement that took the balance below the
      //    alert (or to zero, which says credit ran out instead).
      const invoiceCount = await count(sql`from invoices`);
      expect(await count(sql`from notices where kind = 'invoice_issued'`), "invoice notices").toBe(invoiceCount);
      expect(await count(sql`from (select distinct data->>'invoiceId' from notices where kind = 'invoice_issued' and data->>'invoiceId' in (select id::text from invoices)) x`), "invoices notified").toBe(invoiceCount);
      const expected = new Map<string, number>();
      for (const s of statements.filter((s) => s.debit)) {
        const kind = s.before > 0 && s.after <= 0 ? "credit_ran_out" : s.before >= ALERT && s.after < ALERT ? "low_balance" : null;
        if (kind) expected.set(`${s.accountId}|${kind}`, (expected.get(`${s.accountId}|${kind}`) ?? 0) + 1);
      }
      const noticed = await queryRows(
        db,
        { accountId: sql<string>`account_id::text`, kind: sql<string>`kind::text`, n: sql<number>`count(*)::int` },
        sql`from notices where kind in ('low_balance', 'credit_ran_out') group by account_id, kind`,
      );
      expect(new Map(noticed.map((r) => [`${r.accountId}|${r.kind}`, r.n])), "balance notices per tenant and kind").toEqual(expected);
      expect([...expected.values()].reduce((a, b) => a + b, 0), "balance notices in all").toBeGreaterThanOrEqual(ACCOUNTS);
      expect(await count(sql`from notices where kind not in ('invoice_issued', 'low_balance', 'credit_ran_out')`), "other notices").toBe(0);
      expect(await jobsWaiting(["auto-top-up", "close-period"], ["failed"]), "jobs that gave up").toBe(0);

      const expiredJobs = await count(sql`from (select retry_count from pgboss.job where name = 'auto-top-up' union all select retry_count from pgboss.archive where name = 'auto-top-up') j where retry_count > 0`);
      const latency = (await queryRows(db, { ms: sql<number>`(extract(epoch from settled_at - created_at) * 1000)::int` }, sql`from top_up_attempts order by 1`)).map((r) => r.ms);
      console.info(JSON.stringify({
        storm: "scale-out", firstWaveMs, stormMs, topUpMsMedian: latency[Math.floor(latency.length / 2)], topUpMsMax: latency[latency.length - 1],
        crossingsPerTenant: [...crossed.values()].sort(), killedAfterSecondWaveBatches: killedAfter, backlogAtKill, topUpJobsRetried: expiredJobs, quietAfterKillMs: Date.now() - killedAt, quietAfterStormMs,
        crossings: crossings.length, topUps: auto.length, invoices: invoiceCount,
        balanceNotices: [...expected.values()].reduce((a, b) => a + b, 0),
      }));

      // The survivor and the apps stop cleanly.
      for (const p of processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null)) p.child.kill("SIGTERM");
      for (const p of processes.filter((p) => p !== workers[0])) expect(await p.exited, `${p.name} exit code`).toBe(0);
    },
    600_000,
  );
});
