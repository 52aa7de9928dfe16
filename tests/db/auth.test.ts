import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { accounts, auditLog, users } from "@/db/schema";
import { seedDemo } from "@/db/seed/demo";
import { decideAccess } from "@/lib/auth/access";
import { decideSignIn, type OidcClaims } from "@/lib/auth/options";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";

const ISSUER = "http://localhost:3001";
const policy = { issuer: ISSUER, allowUnverifiedEmail: false };

let handle: TestDatabase;
let db: Database;

const claims = (email: string, extra: Partial<OidcClaims> = {}): OidcClaims => ({
  iss: ISSUER,
  sub: email,
  email,
  email_verified: true,
  ...extra,
});

async function userByEmail(email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email));
  if (!user) throw new Error(`no user ${email}`);
  return user;
}

async function rowCounts() {
  const [row] = await db
    .select({
      users: sql<number>`(select count(*)::int from ${users})`,
      accounts: sql<number>`(select count(*)::int from ${accounts})`,
      audit: sql<number>`(select count(*)::int from ${auditLog})`,
    })
    .from(sql`(select 1) as one`);
  return row;
}

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
  await seedDemo(db);
});

afterAll(async () => {
  await handle?.close();
});

describe("sign-in decision", () => {
  it("lets an active user with a verified email in, whatever the case of the email", async () => {
    expect(await decideSignIn(db, claims("admin@acme.test"), policy)).toBe(true);
    expect(await decideSignIn(db, claims("Admin@ACME.test"), policy)).toBe(true);
    expect(await decideSignIn(db, claims("agent@acme.test"), policy)).toBe(true);
  });

  it("refuses unknown and deactivated users and creates nothing", async () => {
    const before = await rowCounts();
    expect(await decideSignIn(db, claims("outsider@example.test"), policy)).toBe("unknown");
    expect(await decideSignIn(db, claims("former@acme.test"), policy)).toBe("unknown");
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses an unverified or missing email unless the provider is configured not to send it", async () => {
    expect(await decideSignIn(db, claims("admin@acme.test", { email_verified: false }), policy)).toBe("unverified");
    expect(await decideSignIn(db, claims("admin@acme.test", { email_verified: undefined }), policy)).toBe(
      "unverified",
    );
    expect(await decideSignIn(db, { iss: ISSUER, sub: "x" }, policy)).toBe("unverified");
    expect(await decideSignIn(db, undefined, policy)).toBe("unverified");
    expect(
      await decideSignIn(db, claims("admin@acme.test", { email_verified: undefined }), {
        ...policy,
        allowUnverifiedEmail: true,
      }),
    ).toBe(true);
  });

  it("refuses a token from another issuer", async () => {
    expect(await decideSignIn(db, claims("admin@acme.test", { iss: "http://evil.test" }), policy)).toBe("issuer");
    expect(await decideSignIn(db, claims("admin@acme.test", { iss: undefined }), policy)).toBe("issuer");
    expect(await decideSignIn(db, claims("admin@acme.test", { iss: `${ISSUER}/` }), policy)).toBe(true);
  });
});

describe("access decision (read from the database on every request)", () => {
  it("allows an admin to view billing and forbids supervisors and agents", async () => {
    for (const [email, status] of [
      ["admin@acme.test", "allowed"],
      ["supervisor@acme.test", "forbidden"],
      ["agent@acme.test", "forbidden"],
    ] as const) {
      const user = await userByEmail(email);
      const access = await decideAccess(db, { userId: user.id, accountId: user.accountId }, "billing.view");
      expect([email, access.status]).toEqual([email, status]);
    }
  });

  it("lets every active role see the dashboard", async () => {
    const agent = await userByEmail("agent@acme.test");
    const access = await decideAccess(db, { userId: agent.id, accountId: agent.accountId }, "dashboard.view");
    expect(access.status).toBe("allowed");
  });

  it("takes billing away from a demoted admin at once, and gives it back", async () => {
    const finance = await userByEmail("finance@acme.test");
    const identity = { userId: finance.id, accountId: finance.accountId };
    expect((await decideAccess(db, identity, "billing.view")).status).toBe("allowed");
    await db.update(users).set({ role: "supervisor" }).where(eq(users.id, finance.id));
    expect((await decideAccess(db, identity, "billing.view")).status).toBe("forbidden");
    await db.update(users).set({ role: "admin" }).where(eq(users.id, finance.id));
    expect((await decideAccess(db, identity, "billing.view")).status).toBe("allowed");
  });

  it("shuts a deactivated user out of everything", async () => {
    const admin = await userByEmail("admin@globex.test");
    const identity = { userId: admin.id, accountId: admin.accountId };
    await db.update(users).set({ active: false, deactivatedAt: new Date() }).where(eq(users.id, admin.id));
    expect((await decideAccess(db, identity, "billing.view")).status).toBe("no-access");
    expect((await decideAccess(db, identity, "dashboard.view")).status).toBe("no-access");
    await db.update(users).set({ active: true, deactivatedAt: null }).where(eq(users.id, admin.id));
  });

  it("treats a missing, malformed or cross-tenant session as no session or no access", async () => {
    const admin = await userByEmail("admin@acme.test");
    const globex = await userByEmail("admin@globex.test");
    expect((await decideAccess(db, null, "billing.view")).status).toBe("signed-out");
    expect((await decideAccess(db, { userId: admin.id }, "billing.view")).status).toBe("signed-out");
    expect((await decideAccess(db, { userId: "1 or 1=1", accountId: admin.accountId }, "billing.view")).status).toBe(
      "signed-out",
    );
    // An Acme user id paired with Globex's account id matches no user.
    expect(
      (await decideAccess(db, { userId: admin.id, accountId: globex.accountId }, "billing.view")).status,
    ).toBe("no-access");
  });
});
