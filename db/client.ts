import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { logFor } from "../lib/observability/log";
import { trackCommits } from "./after-commit";
import * as schema from "./schema";

export type Schema = typeof schema;
/** Either driver's drizzle database; domain code takes this (or a transaction) first. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type Executor = Database | Transaction;

export type Driver = "pg" | "pglite";

export interface DatabaseHandle {
  db: Database;
  driver: Driver;
  /** The postgres:// URL (pg driver), for components that keep their own pool. */
  url?: string;
  /** The embedded instance (PGlite driver): other components must share it. */
  pglite?: PGlite;
  /** The pg pool's connections now: open, idle, and queries waiting for one (pg driver only). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A postgres:// URL selects the `pg` driver; without one PGlite is used. */
  url?: string;
  /** PGlite data folder; omitted means an in-memory database. */
  dataDir?: string;
  /** An already open PGlite instance (tests restore a migrated snapshot into one). */
  pglite?: PGlite;
  /** Connections in the `pg` pool. */
  poolMax?: number;
}

function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/** The one place that picks the driver. */
export async function openDatabase(options: OpenOptions = {}): Promise<DatabaseHandle> {
  if (options.url !== undefined && options.url !== "" && !isPostgresUrl(options.url)) {
    throw new Error("DATABASE_URL must start with postgres:// or postgresql://");
  }
  if (isPostgresUrl(options.url)) {
    const [{ Pool }, { drizzle }] = await Promise.all([
      import("pg"),
      import("drizzle-orm/node-postgres"),
    ]);
    const pool = new Pool({ connectionString: options.url, max: options.poolMax ?? 10 });
    pool.on("error", (error) => logFor("database").error({ err: error }, "postgres pool error"));
    const db = trackCommits(drizzle({ client: pool, schema }) as unknown as Database);
    return {
      db,
      driver: "pg",
      url: options.url,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: () => pool.end(),
    };
  }
  const { drizzle } = await import("drizzle-orm/pglite");
  let client = options.pglite;
  if (!client) {
    const { PGlite } = await import("@electric-sql/pglite");
    client = await PGlite.create(options.dataDir);
  }
  const db = trackCommits(drizzle({ client, schema }) as unknown as Database);
  const owned = client;
  return { db, driver: "pglite", pglite: owned, close: () => owned.close() };
}
