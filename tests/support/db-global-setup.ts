import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { createDatabase, dropDatabase } from "./local-database";

declare module "vitest" {
  export interface ProvidedContext {
    /** Postgres: a migrated template database each test file copies. */
    pgTemplateUrl: string | null;
    /** PGlite: a migrated data folder dump each test file restores. */
    pgliteDumpPath: string | null;
  }
}

/** Migrates once; every test file then gets its own copy in a fraction of a second. */
export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL || undefined;
  if (url) {
    const templateUrl = await createDatabase(url, "billing_tpl");
    const handle = await openDatabase({ url: templateUrl, poolMax: 1 });
    await migrateDatabase(handle);
    await handle.close();
    project.provide("pgTemplateUrl", templateUrl);
    project.provide("pgliteDumpPath", null);
    console.log("database tests: Postgres");
    return () => dropDatabase(templateUrl);
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create();
  const handle = await openDatabase({ pglite });
  await migrateDatabase(handle);
  const dump = await pglite.dumpDataDir("gzip");
  await handle.close();
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "billing-db-")), "migrated.tar.gz");
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide("pgTemplateUrl", null);
  project.provide("pgliteDumpPath", file);
  console.log("database tests: embedded PGlite (set DATABASE_URL for Postgres)");
}
