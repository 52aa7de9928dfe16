import { type ChildProcess, spawn } from "node:child_process";
import { eq } from "drizzle-orm";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { notices } from "@/db/schema";
import { postMovement } from "@/lib/credit/ledger";
import { startQueue } from "@/lib/jobs/queue";
import { smtpMailer } from "@/lib/notices/mailer";
import { startNoticeWorker } from "@/lib/notices/worker";
import { startMailCatcher } from "../../scripts/lib/mail-catcher";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;
let boss: PgBoss;

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 8 });
  db = handle.db;
  boss = await startQueue(handle);
});

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await handle?.close();
});

/** An account whose balance just dropped below its alert: one notice in the outbox. */
async function lowBalanceNotice() {
  const { account } = await createAccount(db);
  await postMovement(db, account.id, { type: "top_up_manual", amount: 1_500, interactionId: `pi_${account.slug}`, description: "Opening", actor: "test" });
  await postMovement(db, account.id, { type: "adjustment", amount: -600, description: "Low", actor: "test" });
  const [notice] = await db.select().from(notices).where(eq(notices.accountId, account.id));
  return notice!;
}

const statusOf = async (id: string) => (await db.select().from(notices).where(eq(notices.id, id)))[0]!;

describe("the notice worker", () => {
  it("sends what the outbox holds through pg-boss", async () => {
    const catcher = await startMailCatcher();
    const worker = await startNoticeWorker(
      db,
      boss,
      smtpMailer(catcher.smtpUrl),
      { from: "Billing <billing@cloudline.test>", appUrl: "http://console.test", messageIdDomain: "console.test" },
      { pollingIntervalSeconds: 0.5, sweepMs: 200 },
    );
    try {
      const notice = await lowBalanceNotice();
      const [mail] = await catcher.waitFor(1);
      expect(mail!.subject).toMatch(/^Credit is running low: €9\.00 left/);
      await expect.poll(async () => (await statusOf(notice.id)).status).toBe("sent");
    } finally {
      await worker.stop();
      await catcher.close();
    }
  });

  // A second process needs a database server; PGlite is one process's.
  it.runIf(!!process.env.DATABASE_URL)("loses nothing and sends nothing twice when the worker is killed in the middle of a send", async () => {
    // The first message is held before the server accepts it, as a slow server would.
    let held = 0;
    let heldNow: () => void = () => {};
    const holding = new Promise<void>((resolve) => (heldNow = resolve));
    const catcher = await startMailCatcher({
      beforeAccept: () => {
        if (++held > 1) return Promise.resolve();
        heldNow();
        return new Promise(() => {});
      },
    });
    const notice = await lowBalanceNotice();
    const worker = (): ChildProcess =>
      spawn(process.execPath, ["--import", "tsx", "tests/support/notice-worker-process.ts"], {
        env: { ...process.env, DATABASE_URL: handle.url, SMTP_URL: catcher.smtpUrl, NOTICE_LEASE_MS: "1500" },
        stdio: ["ignore", "pipe", "inherit"],
      });
    const first = worker();
    try {
      await holding;
      expect((await statusOf(notice.id)).status, "claimed by the first worker").toBe("sending");
      first.kill("SIGKILL");
      await new Promise((resolve) => first.once("exit", resolve));
      expect(catcher.messages, "nothing accepted from the killed worker").toHaveLength(0);

      const second = worker();
      try {
        const [mail] = await catcher.waitFor(1, { timeoutMs: 30_000 });
        expect(mail!.messageId).toBe(`<notice-${notice.id}@console.test>`);
        await expect.poll(async () => (await statusOf(notice.id)).status, { timeout: 10_000 }).toBe("sent");
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(catcher.messages, "sent once").toHaveLength(1);
        expect((await statusOf(notice.id)).attempts, "the killed attempt and the one that sent").toBe(2);
      } finally {
        second.kill("SIGKILL");
      }
    } finally {
      first.kill("SIGKILL");
      await catcher.close();
    }
  });
});
