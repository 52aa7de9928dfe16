import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { serveCommand } from "../../scripts/lib/serve-command";
import { freePort } from "../support/free-port";

function collect(child: ChildProcess) {
  const output = { text: "" };
  child.stdout?.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
  return output;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

describe("npm run demo", () => {
  it("seeds the embedded database once, serves app and IdP, and stops both on Ctrl-C", async () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), "billing-demo-")), "pglite");
    const counts: unknown[] = [];
    for (let run = 0; run < 2; run++) {
      const [port, idpPort, inboxPort] = [await freePort(), await freePort(), await freePort()];
      // As `npm run demo` runs it: one Node process with tsx's loader, no relaying parent.
      const demo = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
        env: { ...process.env, DATABASE_URL: "", PGLITE_DIR: dataDir, PORT: String(port), IDP_PORT: String(idpPort), INBOX_PORT: String(inboxPort) },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const output = collect(demo);
      await waitFor(() => output.text.includes("Press Ctrl-C to stop."), 240_000, `demo run ${run + 1}`);
      expect(output.text).toContain(run === 0 ? "migrated and seeded" : "existing data reused");
      expect(output.text).toContain(`http://localhost:${port}/dashboard/account/billing`);
      expect(output.text).toContain(`http://localhost:${idpPort}`);
      expect(output.text).toContain("admin@acme.test");
      expect(output.text).toContain("demo-platform-token");
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
      const discovery = await fetch(`http://127.0.0.1:${idpPort}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(output.text, "the demo inbox").toContain(`http://localhost:${inboxPort}`);
      expect(await (await fetch(`http://127.0.0.1:${inboxPort}/`)).text()).toContain("Demo inbox");

      // Ctrl-C in a terminal signals the whole process group.
      process.kill(-demo.pid!, "SIGINT");
      expect(await exited(demo)).toBe(0);
      expect(await listening(port)).toBe(false);
      expect(await listening(idpPort)).toBe(false);
      expect(await listening(inboxPort)).toBe(false);

      const handle = await openDatabase({ dataDir });
      const result = await handle.db.execute(
        sql`select (select count(*)::int from credit_movements) as movements, (select count(*)::int from users) as users, (select count(*)::int from accounts) as accounts`,
      );
      counts.push((result as unknown as { rows: unknown[] }).rows[0]);
      await handle.close();
    }
    expect(counts[0]).toMatchObject({ accounts: 2 });
    expect(counts[1]).toEqual(counts[0]);
  }, 480_000);
});

describe("server start-up", () => {
  it("stops with the names of missing environment variables", async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
    for (const name of ["NEXTAUTH_URL", "NEXTAUTH_SECRET", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"]) {
      delete env[name];
    }
    env.DATABASE_URL = "mysql://not-postgres";
    const server = serveCommand();
    const app = spawn(server.command, server.args, {
      env: { ...env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = collect(app);
    expect(await exited(app)).toBe(1);
    expect(output.text).toContain("Invalid environment (see .env.example)");
    expect(output.text).toContain("NEXTAUTH_SECRET: is required");
    expect(output.text).toContain("OIDC_ISSUER: is required");
    expect(output.text).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
  }, 60_000);
});
