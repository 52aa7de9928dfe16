import { readFileSync } from "node:fs";
import { inject } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../db/client";
import { createDatabase, dropDatabase } from "./local-database";

export interface TestDatabase extends DatabaseHandle {
  /** postgres:// URL of this database, when on Postgres. */
  url: string | undefined;
}

/** A new, migrated, empty database for one test file: a copy of the template. */
export async function freshDatabase(options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const templateUrl = inject("pgTemplateUrl");
  if (templateUrl) {
    const template = new URL(templateUrl).pathname.slice(1);
    const url = await createDatabase(templateUrl, "billing_test", template);
    const handle = await openDatabase({ url, poolMax: options.poolMax ?? 5 });
    return {
      ...handle,
      url,
      async close() {
        await handle.close();
        await dropDatabase(url);
      },
    };
  }
  const dumpPath = inject("pgliteDumpPath");
  if (!dumpPath) throw new Error("db global setup did not run");
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(dumpPath)]) });
  const handle = await openDatabase({ pglite });
  return { ...handle, url: undefined };
}
