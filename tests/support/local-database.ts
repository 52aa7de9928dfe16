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
