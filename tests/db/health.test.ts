import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "@/db/client";
import { checkDatabase } from "@/lib/health";
import { runShutdownHooks } from "@/lib/shutdown";
import { freshDatabase } from "../support/fresh-database";

const savedEnv = { ...process.env };

afterEach(async () => {
  // The route opened the app's database and queue: close them as a stopping server would.
  await runShutdownHooks();
  process.env = { ...savedEnv };
  delete (globalThis as { billingDatabase?: unknown }).billingDatabase;
  delete (globalThis as { billingQueue?: unknown }).billingQueue;
  vi.resetModules();
});

async function callHealthRoute() {
  const { GET } = await import("@/app/api/health/route");
  const response = await GET();
  return { status: response.status, body: (await response.json()) as { status: string } };
}

describe("database health", () => {
  it("is ok when the database answers", async () => {
    const handle = await freshDatabase();
    expect(await checkDatabase(async () => handle.db)).toEqual({ ok: true });
    await handle.close();
  });

  it("is unavailable when the server refuses connections", async () => {
    const handle = await openDatabase({ url: "postgres://postgres@127.0.0.1:1/none" });
    expect(await checkDatabase(async () => handle.db)).toEqual({ ok: false, error: "unreachable" });
    await handle.close();
  });

  it("answers 200 on GET /api/health with a reachable database and queue", async () => {
    const handle = await freshDatabase();
    if (handle.url) {
      process.env.DATABASE_URL = handle.url;
    } else {
      delete process.env.DATABASE_URL;
      process.env.PGLITE_DIR = path.join(mkdtempSync(path.join(os.tmpdir(), "health-")), "pglite");
    }
    // The process has opened its database and started its queue, as a running server has
    // (creating and migrating a new embedded database can take longer than the check's
    // two seconds on a busy machine; the check is about a running one).
    const { getDb } = await import("@/lib/db");
    const { getQueue } = await import("@/lib/jobs/app-queue");
    await getDb();
    await getQueue();
    expect(await callHealthRoute()).toEqual({ status: 200, body: { status: "ok", database: "reachable", queue: "reachable" } });
    await handle.close();
  });

  it("answers 503 on GET /api/health when the database is down", async () => {
    process.env.DATABASE_URL = "postgres://postgres@127.0.0.1:1/none";
    expect(await callHealthRoute()).toEqual({
      status: 503,
      body: { status: "unavailable", database: "unreachable", queue: "unreachable" },
    });
  });
});
