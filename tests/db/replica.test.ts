import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { creditMovementsCsv } from "@/lib/exports/credit-movements";
import { linkQuery, signLink } from "@/lib/exports/signed-link";
import { getAccount } from "@/lib/auth/account";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addMovements, createAccount } from "../support/fixtures";

/**
 * CSV exports read from a streaming replica when DATABASE_REPLICA_URL is set. Needs a
 * real replica of the test server: TEST_REPLICA_URL names it (CI starts one with
 * pg_basebackup; see .ci/run). REPLICA=required makes its absence a failure.
 */
const replicaBase = process.env.TEST_REPLICA_URL || undefined;
const onPostgres = !!process.env.DATABASE_URL;
if (process.env.REPLICA === "required" && (!replicaBase || !onPostgres)) {
  throw new Error("REPLICA=required: set DATABASE_URL and TEST_REPLICA_URL (a streaming replica of it)");
}

const SECRET = "r".repeat(32);
let primary: TestDatabase;
let replica: DatabaseHandle;
let replicaAdmin: pg.Client;
let primaryAdmin: pg.Client;
let GET: (request: Request) => Promise<Response>;

/** The same database on the replica's server. */
function onReplica(url: string): string {
  const target = new URL(url);
  const base = new URL(replicaBase!);
  target.host = base.host;
  return target.toString();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Until the replica has replayed everything the primary has written so far. */
async function caughtUp() {
  const { rows } = await primaryAdmin.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn");
  const target = rows[0]!.lsn;
  await waitFor("the replica to catch up", async () => {
    const replayed = await replicaAdmin.query<{ behind: boolean }>("select pg_last_wal_replay_lsn() < $1::pg_lsn as behind", [target]);
    return replayed.rows[0]!.behind === false;
  });
}

describe.skipIf(!replicaBase || !onPostgres)("CSV exports on a read replica", () => {
  beforeAll(async () => {
    primary = await freshDatabase();
    primaryAdmin = new pg.Client({ connectionString: primary.url });
    await primaryAdmin.connect();
    const replicaUrl = onReplica(primary.url!);
    // The new database reaches the replica by replication, like everything else.
    await waitFor("the database on the replica", async () => {
      const client = new pg.Client({ connectionString: replicaUrl });
      try {
        await client.connect();
        await client.end();
        return true;
      } catch {
        return false;
      }
    });
    replicaAdmin = new pg.Client({ connectionString: replicaUrl });
    await replicaAdmin.connect();
    const recovery = await replicaAdmin.query<{ standby: boolean }>("select pg_is_in_recovery() as standby");
    expect(recovery.rows[0]!.standby, "TEST_REPLICA_URL is a standby").toBe(true);
    replica = await openDatabase({ url: replicaUrl, poolMax: 2 });
    process.env.NEXTAUTH_URL ??= "http://localhost:3000";
    process.env.NEXTAUTH_SECRET = SECRET;
    process.env.OIDC_ISSUER ??= "http://localhost:3001";
    process.env.OIDC_CLIENT_ID ??= "test";
    process.env.OIDC_CLIENT_SECRET ??= "test";
    // The route handler, with this file's primary and replica behind its singletons.
    Object.assign(globalThis, { billingDatabase: Promise.resolve(primary), billingReplica: Promise.resolve(replica) });
    ({ GET } = await import("@/app/api/billing/credit-movements.csv/route"));
  });

  afterAll(async () => {
    // Never leave the replica paused for whoever uses it next.
    await replicaAdmin?.query("select pg_wal_replay_resume()").catch(() => undefined);
    await replicaAdmin?.end();
    await replica?.close();
    await primaryAdmin?.end();
    delete (globalThis as { billingReplica?: unknown }).billingReplica;
    await primary?.close();
  });

  const today = () => new Date().toISOString().slice(0, 10);
  const exportLink = (accountId: string, adminId: string) => {
    const claims = { accountId, creatorId: adminId, params: { from: today(), to: today() }, expires: Math.floor(Date.now() / 1000) + 3600 };
    return new Request(`http://localhost:3000/api/billing/credit-movements.csv?${linkQuery(claims, signLink(claims, SECRET))}`);
  };
  const rowsOf = (csv: string) => csv.trim().split("\n").slice(1);
  const csvFrom = async (db: DatabaseHandle["db"], accountId: string) => {
    const account = await getAccount(primary.db, accountId);
    return new Response(creditMovementsCsv(db, account, { from: today(), to: today() })).text();
  };

  it("streams the rows from the replica, and they match the primary's once it has caught up", async () => {
    const { account, admin } = await createAccount(primary.db, { timeZone: "UTC" });
    await addMovements(primary.db, account.id, [
      { type: "top_up_manual", amount: 10_000 },
      { type: "call", amount: -125 },
    ]);
    await caughtUp();

    // Replay stops: what the primary writes now is not on the replica yet.
    await replicaAdmin.query("select pg_wal_replay_pause()");
    await waitFor("replay to pause", async () => {
      const { rows } = await replicaAdmin.query<{ state: string }>("select pg_get_wal_replay_pause_state() as state");
      return rows[0]!.state === "paused";
    });
    await addMovements(primary.db, account.id, [
      { type: "call", amount: -300 },
      { type: "call", amount: -45 },
    ]);
    // An admin added while replay is paused exists on the primary only: access is checked there.
    const [late] = await primaryAdmin
      .query<{ id: string }>("insert into users (account_id, email, name, role) values ($1, $2, 'Late Admin', 'admin') returning id", [account.id, `late@${account.slug}.test`])
      .then((r) => r.rows);

    const lagging = await GET(exportLink(account.id, late!.id));
    expect(lagging.status).toBe(200);
    const laggingRows = rowsOf(await lagging.text());
    expect(laggingRows, "the replica's two rows, not the primary's four").toHaveLength(2);
    expect(rowsOf(await csvFrom(primary.db, account.id))).toHaveLength(4);

    await replicaAdmin.query("select pg_wal_replay_resume()");
    await caughtUp();
    const settled = await GET(exportLink(account.id, admin.id));
    expect(await settled.text(), "the same file as the primary's, byte for byte").toBe(await csvFrom(primary.db, account.id));
  });

  it("reads the primary without a replica configured", async () => {
    const { account, admin } = await createAccount(primary.db, { timeZone: "UTC" });
    const saved = (globalThis as { billingReplica?: unknown }).billingReplica;
    delete (globalThis as { billingReplica?: unknown }).billingReplica;
    const env = process.env.DATABASE_REPLICA_URL;
    delete process.env.DATABASE_REPLICA_URL;
    try {
      await replicaAdmin.query("select pg_wal_replay_pause()");
      await addMovements(primary.db, account.id, [{ type: "top_up_manual", amount: 5_000 }]);
      const response = await GET(exportLink(account.id, admin.id));
      expect(rowsOf(await response.text()), "the row just written, from the primary").toHaveLength(1);
    } finally {
      await replicaAdmin.query("select pg_wal_replay_resume()");
      Object.assign(globalThis, { billingReplica: saved });
      if (env !== undefined) process.env.DATABASE_REPLICA_URL = env;
    }
  });
});
