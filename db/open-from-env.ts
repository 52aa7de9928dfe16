import { mkdirSync } from "node:fs";
import path from "node:path";
import { type DatabaseHandle, openDatabase } from "./client";

/** Default folder of the embedded database. */
export const DEFAULT_PGLITE_DIR = ".data/pglite";

/** Opens the database that the environment names: DATABASE_URL, or PGlite in PGLITE_DIR. */
export function openDatabaseFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<DatabaseHandle> {
  const url = env.DATABASE_URL || undefined;
  const dataDir = path.resolve(/*turbopackIgnore: true*/ env.PGLITE_DIR || DEFAULT_PGLITE_DIR);
  if (url) return openDatabase({ url, poolMax: Number(env.DATABASE_POOL_MAX) || 10 });
  mkdirSync(dataDir, { recursive: true });
  return openDatabase({ dataDir });
}
