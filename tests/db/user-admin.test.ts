import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { auditLog, users } from "@/db/schema";
import { deactivateUser } from "@/lib/auth/user-admin";
import { getSubscription } from "@/lib/subscription/queries";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount, subscribe } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;
beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
});
afterAll(async () => {
  await handle?.close();
});

describe("deactivating users", () => {
  it("frees a seat and records who did it", async () => {
    const { account, admin } = await createAccount(db);
    await subscribe(db, account.id, { start: new Date("2026-11-01"), end: new Date("2026-12-01") }, 5);
    const [agent] = await db.insert(users).values({ accountId: account.id, email: `a@${account.slug}.test`, name: "Agent" }).returning();
    expect((await getSubscription(db, account.id))!.seatsUsed).toBe(2);
    expect(await deactivateUser(db, account.id, admin.id, agent!.id), "deactivated").toEqual({ ok: true, value: undefined });
    expect((await getSubscription(db, account.id))!.seatsUsed).toBe(1);
    const [entry] = await db.select().from(auditLog).where(eq(auditLog.accountId, account.id));
    expect(entry).toMatchObject({ action: "user.deactivate", actorUserId: admin.id });
  });

  it("refuses yourself, another tenant's user, the last admin and an inactive user, changing nothing", async () => {
    const { account, admin } = await createAccount(db);
    const other = await createAccount(db);
    const [second] = await db.insert(users).values({ accountId: account.id, email: `s@${account.slug}.test`, name: "Second", role: "admin" }).returning();
    expect(await deactivateUser(db, account.id, admin.id, admin.id), "you cannot deactivate yourself").toEqual({ ok: false, failure: { kind: "refused", message: "You cannot deactivate yourself." } });
    expect(await deactivateUser(db, account.id, admin.id, other.admin.id), "this user is not in your account").toEqual({ ok: false, failure: { kind: "not_found", message: "This user is not in your account." } });
    await deactivateUser(db, account.id, admin.id, second!.id);
    expect(await deactivateUser(db, account.id, admin.id, second!.id), "second is already deactivated").toEqual({ ok: false, failure: { kind: "refused", message: "Second is already deactivated." } });
    // The other tenant's only admin cannot be removed by its own admin's colleague either.
    const [helper] = await db.insert(users).values({ accountId: other.account.id, email: `h@${other.account.slug}.test`, name: "Helper", role: "supervisor" }).returning();
    expect(await deactivateUser(db, other.account.id, helper!.id, other.admin.id), "the last admin cannot be deactivated").toEqual({ ok: false, failure: { kind: "refused", message: "The last admin cannot be deactivated." } });
    const [still] = await db.select().from(users).where(eq(users.id, other.admin.id));
    expect(still!.active).toBe(true);
  });
});
