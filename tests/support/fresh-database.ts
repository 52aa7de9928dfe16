import { readFileSync } from "node:fs";
import pg from "pg";
import { inject } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../db/client";
import { uniqueName, withDatabase } from "./local-database";

export interface TestDatabase extends DatabaseHandle {
  /** postgres:// URL of this database, when on Postgres. */
  url: string | null;
}

/** A new, migrated, empty database for one test file: a copy of the template. */
export async function freshDatabase(options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const templateUrl = inject("pgTemplateUrl");
  if (templateUrl) {
    const template = new URL(templateUrl).pathname.slice(1);
    const name = uniqueName("billing_test");
    const admin = new pg.Client({ connectionString: withDatabase(templateUrl, "postgres") });
    await admin.connect();
    try {
      await admin.query(`create database "${name}" template "${template}"`);
    } finally {
      await admin.end();
    }
    const url = withDatabase(templateUrl, name);
    const handle = await openDatabase({ url, poolMax: options.poolMax ?? 5 });
    return {
      ...handle,
      url,
      async close() {
        await handle.close();
        const dropper = new pg.Client({ connectionString: withDatabase(templateUrl, "postgres") });
        await dropper.connect();
        await dropper.query(`drop database if exists "${name}" with (force)`);
        await dropper.end();
      },
    };
  }
  const dumpPath = inject("pgliteDumpPath");
  if (!dumpPath) throw new Error("db global setup did not run");
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(dumpPath)]) });
  const handle = await openDatabase({ pglite });
  return { ...handle, url: null };
}
