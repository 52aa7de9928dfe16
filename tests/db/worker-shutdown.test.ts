import { type ChildProcess, spawn } from "node:child_process";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notices } from "@/db/schema";
import { queryRows } from "@/db/typed-sql";
import { postMovement } from "@/lib/credit/ledger";
import { startMailCatcher } from "../../scripts/lib/mail-catcher";
import { createAccount } from "../support/fixtures";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { freePort } from "../support/free-port";

// `npm run worker` is a process of its own beside Postgres; PGlite is one process's.
const onPostgres = !!process.env.DATABASE_URL;
let handle: TestDatabase;

beforeAll(async () => {
  if (onPostgres) handle = await freshDatabase();
});

afterAll(async () => {
  await handle?.close();
});

/** An account whose balance just dropped below its alert: one notice in the outbox, one job for the worker. */
async function lowBalanceNotice() {
  const { account } = await createAccount(handle.db);
  await postMovement(handle.db, account.id, { type: "top_up_manual", amount: 1_500, interactionId: `pi_${account.slug}`, description: "Opening", actor: "test" });
  await postMovement(handle.db, account.id, { type: "adjustment", amount: -600, description: "Low", actor: "test" });
  const [notice] = await handle.db.select().from(notices).where(eq(notices.accountId, account.id));
  return notice!;
}

function startWorker(
  smtpUrl: string,
  graceMs: number,
  extraEnv: Record<string, string> = {},
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: handle.url,
      SMTP_URL: smtpUrl,
      SHUTDOWN_GRACE_MS: String(graceMs),
      STRIPE_SECRET_KEY: "",
      STRIPE_WEBHOOK_SECRET: "",
      LOG_LEVEL: "info",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The states of a notice's jobs, as pg-boss keeps them. */
const jobStates = async (noticeId: string) =>
  (
    await queryRows(
      handle.db,
      { state: sql<string>`state::text` },
      sql`from pgboss.job where name = 'notice-email' and data->>'noticeId' = ${noticeId}`,
    )
  ).map((r) => r.state);

/** What the stopped worker left behind in the database: open transactions and advisory locks of other sessions. */
async function leftBehind() {
  const [row] = await queryRows(
    handle.db,
    {
      idleInTransaction: sql<number>`(select count(*)::int from pg_stat_activity where datname = current_database() and state like 'idle in transaction%')`,
      advisoryLocks: sql<number>`(select count(*)::int from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where a.datname = current_database() and l.locktype = 'advisory' and a.pid <> pg_backend_pid())`,
    },
    sql``,
  );
  return row!;
}

describe.runIf(onPostgres)("npm run worker on SIGTERM", () => {
  it("finishes the job in flight, then exits 0", async () => {
    // The mail server takes two seconds to accept the first message: the job is in flight when the signal comes.
    let heldNow: () => void = () => {};
    const holding = new Promise<void>((resolve) => (heldNow = resolve));
    const catcher = await startMailCatcher({
      beforeAccept: () => {
        heldNow();
        return new Promise((resolve) => setTimeout(resolve, 2_000));
      },
    });
    const worker = startWorker(catcher.smtpUrl, 20_000);
    try {
      const notice = await lowBalanceNotice();
      await holding;
      expect(await jobStates(notice.id), "the job is being worked").toEqual(["active"]);
      worker.child.kill("SIGTERM");
      expect(await worker.exited, worker.output()).toBe(0);
      expect(await jobStates(notice.id)).toEqual(["completed"]);
      const [sent] = await handle.db.select().from(notices).where(eq(notices.id, notice.id));
      expect(sent!.status).toBe("sent");
      expect(catcher.messages).toHaveLength(1);
      expect(await leftBehind()).toEqual({ idleInTransaction: 0, advisoryLocks: 0 });
      expect(worker.output()).toMatch(/"msg":"stopping: no new jobs; finishing those in flight"/);
    } finally {
      worker.child.kill("SIGKILL");
      await catcher.close();
    }
  }, 60_000);

  it("returns a job still running at the end of the grace period to the queue, then exits 0", async () => {
    let heldNow: () => void = () => {};
    const holding = new Promise<void>((resolve) => (heldNow = resolve));
    const catcher = await startMailCatcher({
      beforeAccept: () => {
        heldNow();
        return new Promise(() => {});
      },
    });
    const worker = startWorker(catcher.smtpUrl, 1_000);
    try {
      const notice = await lowBalanceNotice();
      await holding;
      worker.child.kill("SIGTERM");
      expect(await worker.exited, worker.output()).toBe(0);
      const states = await jobStates(notice.id);
      expect(states, "not left active: to be retried").toEqual(["retry"]);
      expect(await leftBehind()).toEqual({ idleInTransaction: 0, advisoryLocks: 0 });
    } finally {
      worker.child.kill("SIGKILL");
      await catcher.close();
    }
  }, 60_000);

  it("serves its own metrics on WORKER_METRICS_PORT, only with the token", async () => {
    const catcher = await startMailCatcher();
    const port = await freePort();
    const token = "worker-metrics-token-0123";
    const worker = startWorker(catcher.smtpUrl, 5_000, { WORKER_METRICS_PORT: String(port), METRICS_TOKEN: token });
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      await expect.poll(() => fetch(url).then((r) => r.status, () => 0), { timeout: 30_000 }).toBe(401);
      expect((await fetch(url, { headers: { authorization: "Bearer worker-metrics-token-9999" } })).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/other`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
      const scraped = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      const text = await scraped.text();
      expect(text).toMatch(/^billing_queue_reachable 1$/m);
      expect(text).toMatch(/^billing_db_pool_connections\{state="total"\} \d+$/m);
      expect(text).toContain("# TYPE billing_job_failures_total counter");
      worker.child.kill("SIGTERM");
      expect(await worker.exited, worker.output()).toBe(0);
    } finally {
      worker.child.kill("SIGKILL");
      await catcher.close();
    }
  }, 60_000);
});
