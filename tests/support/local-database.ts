/** Tests create and drop databases: refuse anything but a server on this machine. */
export function assertLocalDatabaseUrl(url: string): URL {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const socketHost = parsed.searchParams.get("host") ?? "";
  const local = ["localhost", "127.0.0.1", "::1", ""].includes(host) || (host === "" && socketHost.startsWith("/"));
  if (!local) {
    throw new Error(`Tests refuse a non-local DATABASE_URL (host "${parsed.hostname}"); use a local Postgres.`);
  }
  return parsed;
}

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = assertLocalDatabaseUrl(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates a database (optionally as a copy of `template`) on the local server; returns its URL. */
export async function createDatabase(serverUrl: string, prefix: string, template?: string): Promise<string> {
  const name = uniqueName(prefix);
  await adminQuery(serverUrl, `create database "${name}"${template ? ` template "${template}"` : ""}`);
  return withDatabase(serverUrl, name);
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  await adminQuery(databaseUrl, `drop database if exists "${name}" with (force)`);
}
