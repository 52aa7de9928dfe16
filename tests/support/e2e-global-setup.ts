import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import type { TestProject } from "vitest/node";
import { type Database, openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import {
  accountPackages,
  accounts,
  autoTopUpSettings,
  callingPackages,
  creditBalances,
  paymentMethods,
  plans,
  subscriptions,
  topUpAttempts,
  users,
} from "../../db/schema";
import { seedBenchAccount } from "../../db/seed/bench";
import { seedDemo } from "../../db/seed/demo";
import { demoDirectory } from "../../scripts/dev-idp/directory";
import { startDevIdp } from "../../scripts/dev-idp/server";
import { ensureBuild } from "../../scripts/lib/build";
import { startMailCatcher } from "../../scripts/lib/mail-catcher";
import { serveCommand } from "../../scripts/lib/serve-command";
import { waitForOk } from "../../scripts/lib/wait";
import { findChromium } from "./chromium";
import { addMovements, addNumber, createAccount, subscribe } from "./fixtures";
import { freePort } from "./free-port";
import { createDatabase, dropDatabase } from "./local-database";

export const E2E_CLIENT = { clientId: "billing-console-e2e", clientSecret: "e2e-client-secret" };
export const E2E_SECRET = "e2e-secret-0123456789abcdef0123456789abcdef";
export const E2E_METRICS_TOKEN = "e2e-metrics-token-0123456789";

/** Figures read from the database before the app starts (PGlite is single-process). */
export interface AcmeFigures {
  accountId: string;
  balance: number;
  seatsUsed: number;
  seatsPurchased: number;
  /** Subtotal per summary group, and the grand total, in minor units. */
  subtotals: Record<string, number>;
  grandTotal: number;
}

/** People of the edge-case tenants the browser tests add (brand-new, overdrawn). */
export const E2E_PEOPLE = [
  { email: "admin@fresh.test", name: "Fresh Admin", password: "demo" },
  { email: "admin@overdrawn.test", name: "Overdrawn Admin", password: "demo" },
  { email: "admin@wallet.test", name: "Wallet Admin", password: "demo" },
  { email: "agent@wallet.test", name: "Wallet Agent", password: "demo" },
  { email: "admin@inputs.test", name: "Inputs Admin", password: "demo" },
  { email: "admin@team.test", name: "Team Admin", password: "demo" },
  { email: "agent@team.test", name: "Team Agent", password: "demo" },
  { email: "agent@inputs.test", name: "Inputs Agent", password: "demo" },
  { email: "admin@calls.test", name: "Calls Admin", password: "demo" },
  { email: "admin@guard.test", name: "Guard Admin", password: "demo" },
  { email: "admin@retry.test", name: "Retry Admin", password: "demo" },
  { email: "admin@capped.test", name: "Capped Admin", password: "demo" },
  { email: "admin@nearcap.test", name: "Nearcap Admin", password: "demo" },
  { email: "admin@desk.test", name: "Desk Admin", password: "demo" },
  { email: "admin@phone.test", name: "Phone Admin", password: "demo" },
  { email: "admin@crowd.test", name: "Crowd Admin", password: "demo" },
  { email: "admin@notify.test", name: "Notify Admin", password: "demo" },
  { email: "agent@notify.test", name: "Notify Agent", password: "demo" },
  { email: "admin@starter.test", name: "Starter Admin", password: "demo" },
  { email: "admin@planner.test", name: "Planner Admin", password: "demo" },
  { email: "agent@planner.test", name: "Agent", password: "demo" },
];

/** A tenant whose credit a test file changes: an admin, an agent, a plan, a sandbox card that pays. */
async function addMoneyTenant(db: Database, slug: string, account: Partial<typeof accounts.$inferInsert> = {}, seats = 5) {
  const tenant = await createAccount(db, { slug, name: `${slug[0]!.toUpperCase()}${slug.slice(1)} Ltd`, ...account });
  await db.insert(users).values({ accountId: tenant.account.id, email: `agent@${slug}.test`, name: "Agent", role: "agent" });
  await subscribe(db, tenant.account.id, { start: new Date(Date.now() - 5 * 86_400_000), end: new Date(Date.now() + 25 * 86_400_000) }, seats);
  await db.insert(paymentMethods).values({
    accountId: tenant.account.id,
    provider: "sandbox",
    type: "card",
    providerPaymentMethodId: `pm_sandbox_succeeds_${slug}`,
    cardBrand: "visa",
    cardLast4: "4242",
    cardExpMonth: 12,
    cardExpYear: 2034,
  });
  await addMovements(db, tenant.account.id, [{ type: "top_up_manual", amount: 5_000, interactionId: `pi_${slug}_opening` }]);
  return tenant;
}

/**
 * A tenant whose automatic top-ups this month leave the monthly cap no room for the next
 * one, with a balance below its auto top-up threshold and its low-balance alert.
 */
async function addCappedTenant(db: Database, slug: string, topUps: number, monthlyCap: number) {
  await addMoneyTenant(db, slug);
  const [tenant] = await db.select().from(accounts).where(eq(accounts.slug, slug));
  const id = tenant!.id;
  await addMovements(db, id, [
    ...Array.from({ length: topUps }, (_, i) => ({ type: "top_up_auto" as const, amount: 10_000, interactionId: `pi_${slug}_auto_${i}` })),
    { type: "call" as const, amount: -(5_000 + topUps * 10_000 - 1_134) },
  ]);
  await db.update(creditBalances).set({ lowBalanceThreshold: 2_000 }).where(eq(creditBalances.accountId, id));
  await db.insert(autoTopUpSettings).values({ accountId: id, enabled: true, threshold: 2_000, amount: 10_000, monthlyCap });
  await db.insert(topUpAttempts).values(
    Array.from({ length: topUps }, (_, i) => ({
      accountId: id,
      kind: "auto" as const,
      status: "succeeded" as const,
      amount: 10_000,
      currency: "EUR",
      idempotencyKey: `auto-${i}`,
      providerPaymentIntentId: `pi_${slug}_auto_${i}`,
      settledAt: new Date(),
    })),
  );
}

declare module "vitest" {
  export interface ProvidedContext {
    e2eSkipReason: string | null;
    chromiumPath: string;
    appUrl: string;
    idpUrl: string;
    idpPort: number;
    /** The app's database on Postgres, for tests that check what was (not) written. */
    appDatabaseUrl: string | null;
    acme: AcmeFigures;
    globexId: string;
    /** The inbox every email of the app lands in (its JSON at /api/messages). */
    inboxUrl: string;
  }
}

async function readAcmeFigures(db: Database): Promise<AcmeFigures> {
  const [acme] = await db.select().from(accounts).where(eq(accounts.slug, "acme"));
  if (!acme) throw new Error("acme not seeded");
  const [[balance], [seats], [subscription]] = await Promise.all([
    db.select().from(creditBalances).where(eq(creditBalances.accountId, acme.id)),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(users)
      .where(sql`${users.accountId} = ${acme.id} and ${users.active}`),
    db.select().from(subscriptions).where(eq(subscriptions.accountId, acme.id)),
  ]);
  const subtotals = await expectedSubtotals(db, acme.id);
  return {
    accountId: acme.id,
    balance: balance!.balance,
    seatsUsed: seats!.n,
    seatsPurchased: subscription!.seatsPurchased,
    subtotals,
    grandTotal: Object.values(subtotals).reduce((sum, subtotal) => sum + subtotal, 0),
  };
}

/**
 * What the summary's groups should add up to, worked out here in SQL from the rows, not
 * by the code that renders the page: the period is the subscription's; a day is 24 hours
 * from its start; what was held only part of it is prorated by day and rounded once,
 * half away from zero; usage counts by day in the account's time zone.
 */
async function expectedSubtotals(db: Database, accountId: string): Promise<Record<string, number>> {
  const result = await db.execute(sql`
    with p as (
      select s.account_id, s.current_period_start as ps, s.current_period_end as pe, s.seats_purchased,
             case s.interval when 'year' then 12 else 1 end as months, pl.seat_price, a.time_zone,
             greatest(1, round(extract(epoch from s.current_period_end - s.current_period_start) / 86400))::bigint as total_days
      from subscriptions s join plans pl on pl.id = s.plan_id join accounts a on a.id = s.account_id
      where s.account_id = ${accountId}::uuid
    ),
    held as (
      -- numbers and add-ons held in the period: their price for the period, prorated when partial
      select 'numbers' as grp, n.monthly_price as monthly, 1 as quantity, n.acquired_at as from_at, n.released_at as to_at
      from phone_numbers n, p where n.account_id = p.account_id
        and n.acquired_at < p.pe and (n.released_at is null or n.released_at > p.ps)
      union all
      select 'addons', x.unit_price, x.quantity, x.started_at, x.ended_at
      from account_addons x, p where x.account_id = p.account_id
        and x.started_at < p.pe and (x.ended_at is null or x.ended_at > p.ps)
    ),
    held_days as (
      select h.*, p.months, p.total_days,
             (h.from_at <= p.ps and (h.to_at is null or h.to_at >= p.pe)) as whole,
             greatest(
               case when h.to_at is null then p.total_days
                    else least(greatest(floor(extract(epoch from h.to_at - p.ps) / 86400), 0), p.total_days) end
               - least(greatest(floor(extract(epoch from h.from_at - p.ps) / 86400), 0), p.total_days),
               1)::bigint as days
      from held h, p
    ),
    first_change as (
      select c.from_quantity from subscription_changes c, p
      where c.account_id = p.account_id and c.kind = 'seats' and c.effective_at >= p.ps and c.effective_at < p.pe
      order by c.effective_at, c.created_at limit 1
    )
    select 'subscription' as grp,
           (coalesce((select from_quantity from first_change), p.seats_purchased) * p.seat_price
            + coalesce((select sum(c.proration_amount) from subscription_changes c
                        where c.account_id = p.account_id and c.kind = 'seats' and c.effective_at >= p.ps and c.effective_at < p.pe), 0))::bigint as subtotal
    from p
    union all
    select grp, coalesce(sum(case when whole then quantity * monthly * months
                                  else round((quantity * monthly * months * days)::numeric / total_days) end), 0)::bigint
    from held_days group by grp
    union all
    select 'calls',
           (coalesce((select sum(ap.quantity * ap.unit_price * p.months) from account_packages ap
                      where ap.account_id = p.account_id and ap.started_at < now() and (ap.ended_at is null or ap.ended_at > now())), 0)
            + coalesce((select sum(b.price) from prepaid_bundles b
                        where b.account_id = p.account_id and b.expires_at > now() and b.purchased_at >= p.ps and b.purchased_at < p.pe), 0)
            + coalesce((select sum(r.amount) from usage_records r
                        where r.account_id = p.account_id
                          and r.category in ('outside_packages', 'premium', 'forwarded', 'toll_free_inbound', 'sms')
                          and (r.started_at at time zone p.time_zone)::date >= (p.ps at time zone p.time_zone)::date
                          and (r.started_at at time zone p.time_zone)::date < (p.pe at time zone p.time_zone)::date), 0))::bigint
    from p`);
  const rows = (result as unknown as { rows: { grp: string; subtotal: string | number }[] }).rows;
  const subtotals: Record<string, number> = { subscription: 0, numbers: 0, calls: 0, addons: 0 };
  for (const row of rows) subtotals[row.grp] = Number(row.subtotal);
  if (subtotals.subscription === 0) throw new Error("acme has no subscription to check the summary against");
  return subtotals;
}

/**
 * Brand-new tenants (nothing but their admin: "fresh", and "guard", whose details the
 * cross-site tests try to change), one whose calls took the balance below zero,
 * "wallet", "inputs", "team", "calls" and "retry", whose credit the money, usage and
 * unknown-outcome tests change, and "capped" and "nearcap", whose auto top-up the monthly
 * cap holds back.
 */
async function addEdgeTenants(db: Database) {
  await addMoneyTenant(db, "wallet");
  await addMoneyTenant(db, "inputs");
  await addMoneyTenant(db, "team");
  const calls = await addMoneyTenant(db, "calls");
  await addMoneyTenant(db, "retry");
  await addCappedTenant(db, "capped", 5, 50_000);
  await addCappedTenant(db, "nearcap", 4, 45_000);
  // Saves and refusals on a laptop ("desk") and on a phone ("phone", in the US), and a
  // company whose 25 users hold its seats ("crowd").
  await addMoneyTenant(db, "desk");
  await addMoneyTenant(db, "phone", { country: "US", currency: "USD", timeZone: "America/New_York" });
  const crowd = await addMoneyTenant(db, "crowd", {}, 30);
  await db.insert(users).values(
    Array.from({ length: 23 }, (_, i) => ({ accountId: crowd.account.id, email: `user${i + 1}@crowd.test`, name: `Crowd User ${String(i + 1).padStart(2, "0")}` })),
  );
  // The numbers the platform's records name as theirs (see tests/e2e/usage-api.test.ts).
  await addNumber(db, calls.account.id, "+4930222222");
  await addNumber(db, calls.account.id, "+4980022222", { type: "toll_free" });
  // Email notices (tests/e2e/notices.test.ts): the office line its records come from.
  const notify = await addMoneyTenant(db, "notify");
  await addNumber(db, notify.account.id, "+4930444444");
  await addPlanTenants(db);
  await createAccount(db, { slug: "fresh", name: "Fresh Start Ltd" });
  await createAccount(db, { slug: "guard", name: "Guard GmbH" });
  const { account } = await createAccount(db, { slug: "overdrawn", name: "Overdrawn AG" });
  await addNumber(db, account.id, "+4930333333");
  await addNumber(db, account.id, "+4980012345", { type: "toll_free" });
  await addMovements(db, account.id, [
    { type: "top_up_manual", amount: 1000, occurredAt: new Date(Date.now() - 3 * 86_400_000) },
    { type: "call", amount: -1310, occurredAt: new Date(Date.now() - 86_400_000) },
  ]);
}

/**
 * "starter", brand-new with only a saved card, chooses its first plan; "planner" is on the
 * catalogue's Expert plan with the Europe package, and changes it.
 */
async function addPlanTenants(db: Database) {
  const starter = await createAccount(db, { slug: "starter", name: "Starter Ltd" });
  await db.insert(paymentMethods).values({
    accountId: starter.account.id,
    provider: "sandbox",
    type: "card",
    providerPaymentMethodId: "pm_sandbox_succeeds_starter",
    cardBrand: "visa",
    cardLast4: "4242",
    cardExpMonth: 12,
    cardExpYear: 2034,
  });
  const planner = await createAccount(db, { slug: "planner", name: "Planner GmbH" });
  await db.insert(users).values({ accountId: planner.account.id, email: "agent@planner.test", name: "Agent", role: "agent" });
  const [expert] = await db.select().from(plans).where(and(eq(plans.code, "expert"), eq(plans.currency, "EUR"), eq(plans.interval, "month")));
  const [europe] = await db.select().from(callingPackages).where(and(eq(callingPackages.code, "europe"), eq(callingPackages.currency, "EUR")));
  const start = new Date(Date.now() - 5 * 86_400_000);
  await db.insert(subscriptions).values({
    accountId: planner.account.id,
    planId: expert!.id,
    interval: "month",
    seatsPurchased: 5,
    currentPeriodStart: start,
    currentPeriodEnd: new Date(start.getTime() + 30 * 86_400_000),
  });
  await db.insert(accountPackages).values({ accountId: planner.account.id, packageId: europe!.id, quantity: 5, unitPrice: europe!.monthlyPrice, startedAt: start });
}

/** Builds the app if needed, and starts it with the development IdP on free ports. */
export default async function setup(project: TestProject) {
  const chromiumPath = findChromium();
  const required = process.env.E2E === "required";
  if (!chromiumPath) {
    const reason =
      "Browser tests skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH).";
    if (required) throw new Error(`E2E=required but ${reason}`);
    console.warn(`\n  ${reason}\n`);
    project.provide("e2eSkipReason", reason);
    return;
  }
  project.provide("e2eSkipReason", null);
  project.provide("chromiumPath", chromiumPath);

  await ensureBuild((line) => console.log(`e2e: ${line}`));

  const cleanups: (() => Promise<void>)[] = [];
  const serverUrl = process.env.DATABASE_URL || undefined;
  const appEnv: Record<string, string> = {};
  let appDatabaseUrl: string | null = null;
  if (serverUrl) {
    const url = await createDatabase(serverUrl, "billing_e2e");
    appDatabaseUrl = url;
    appEnv.DATABASE_URL = url;
    cleanups.push(() => dropDatabase(url));
  } else {
    appEnv.DATABASE_URL = "";
    appEnv.PGLITE_DIR = path.join(mkdtempSync(path.join(os.tmpdir(), "billing-e2e-")), "pglite");
  }
  const handle = await openDatabase(
    appDatabaseUrl ? { url: appDatabaseUrl, poolMax: 2 } : { dataDir: appEnv.PGLITE_DIR },
  );
  await migrateDatabase(handle);
  await seedDemo(handle.db);
  await addEdgeTenants(handle.db);
  // A tenant large enough that an export is still running when its reader goes away.
  if (appDatabaseUrl) await seedBenchAccount(handle.db, { movements: 200_000, numbers: 10, users: 3 });
  project.provide("acme", await readAcmeFigures(handle.db));
  project.provide("globexId", (await handle.db.select().from(accounts).where(eq(accounts.slug, "globex")))[0]!.id);
  await handle.close();
  project.provide("appDatabaseUrl", appDatabaseUrl);

  const [appPort, idpPort] = [await freePort(), await freePort()];
  const appUrl = `http://localhost:${appPort}`;
  const inbox = await startMailCatcher({ webPort: 0 });
  cleanups.push(() => inbox.close());
  appEnv.SMTP_URL = inbox.smtpUrl;
  const idp = await startDevIdp({
    port: idpPort,
    clients: [{ ...E2E_CLIENT, redirectUris: [`${appUrl}/api/auth/callback/oidc`] }],
    directory: [...demoDirectory(), ...E2E_PEOPLE],
    env: { NODE_ENV: "test" },
  });
  cleanups.push(() => idp.close());

  const server = serveCommand();
  const app: ChildProcess = spawn(
    server.command,
    server.args,
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        ...appEnv,
        PORT: String(appPort),
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        NEXTAUTH_URL: appUrl,
        NEXTAUTH_SECRET: E2E_SECRET,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: E2E_CLIENT.clientId,
        OIDC_CLIENT_SECRET: E2E_CLIENT.clientSecret,
        PLATFORM_API_TOKEN: "e2e-platform-token-0123456789",
        METRICS_TOKEN: E2E_METRICS_TOKEN,
        // No load balancer to wait for at teardown.
        SHUTDOWN_READY_DELAY_MS: "0",
      },
    },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  app.stdout?.on("data", keep);
  app.stderr?.on("data", keep);
  cleanups.push(async () => {
    if (app.exitCode === null) {
      app.kill("SIGTERM");
      await new Promise((resolve) => app.once("exit", resolve));
    }
  });
  if (appDatabaseUrl) {
    // With Postgres the background worker is its own process, as in production.
    const worker = spawn(path.resolve("node_modules", ".bin", "tsx"), ["scripts/worker.ts"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DATABASE_URL: appDatabaseUrl, STRIPE_SECRET_KEY: "", STRIPE_WEBHOOK_SECRET: "", SMTP_URL: inbox.smtpUrl, NEXTAUTH_URL: appUrl },
    });
    worker.stdout?.on("data", keep);
    worker.stderr?.on("data", keep);
    cleanups.push(async () => {
      if (worker.exitCode === null) {
        worker.kill("SIGTERM");
        await new Promise((resolve) => worker.once("exit", resolve));
      }
    });
  }
  try {
    await waitForOk(`${appUrl}/api/health`, 60_000);
  } catch (error) {
    console.error(`app output:\n${output}`);
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw error;
  }
  project.provide("appUrl", appUrl);
  project.provide("idpUrl", idp.issuer);
  project.provide("idpPort", idpPort);
  project.provide("inboxUrl", inbox.inboxUrl!);

  return async () => {
    if (process.env.E2E_SHOW_APP_OUTPUT) console.log(output);
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
}
