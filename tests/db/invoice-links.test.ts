import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { users } from "@/db/schema";
import { closePeriod } from "@/lib/invoices/close";
import { documentLinkPath, signDocumentLink, verifyDocumentLink } from "@/lib/invoices/document-link";
import { signLink } from "@/lib/exports/signed-link";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { createAccount, subscribe } from "../support/fixtures";
import { pdfText } from "../support/pdf-text";

const SECRET = "s".repeat(32);
let handle: TestDatabase;
let db: Database;
let GET: (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
  process.env.NEXTAUTH_URL ??= "http://localhost:3000";
  process.env.NEXTAUTH_SECRET = SECRET;
  process.env.OIDC_ISSUER ??= "http://localhost:3001";
  process.env.OIDC_CLIENT_ID ??= "test";
  process.env.OIDC_CLIENT_SECRET ??= "test";
  // The route handler, with this file's database behind its singleton.
  Object.assign(globalThis, { billingDatabase: Promise.resolve(handle) });
  ({ GET } = await import("@/app/api/billing/invoices/[id]/pdf/route"));
});

afterAll(async () => {
  await handle?.close();
});

const NOV = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const inAWeek = () => Math.floor(Date.now() / 1000) + 7 * 86_400;

async function issuedInvoice() {
  const { account, admin } = await createAccount(db, { timeZone: "UTC" });
  await subscribe(db, account.id, NOV, 3);
  const outcome = await closePeriod(db, account.id, new Date("2026-12-01T00:00:05Z"));
  if (outcome.status !== "issued") throw new Error("not issued");
  return { account, admin, invoice: outcome.invoice };
}

const open = (path: string) => {
  const url = new URL(path, "http://localhost:3000");
  const id = url.pathname.split("/")[4]!;
  return GET(new Request(url), { params: Promise.resolve({ id }) });
};

describe("signed links to an invoice's PDF", () => {
  it("opens the one document it was made for, without a session", async () => {
    const { account, admin, invoice } = await issuedInvoice();
    const claims = { accountId: account.id, creatorId: admin.id, invoiceId: invoice.id, expires: inAWeek() };
    const response = await open(documentLinkPath(claims, signDocumentLink(claims, SECRET)));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await pdfText(new Uint8Array(await response.arrayBuffer()))).toContain(invoice.number);
  });

  it.each([
    ["another document of the same account", "other-invoice"],
    ["another account's document", "foreign-invoice"],
    ["a changed expiry", "expiry"],
    ["a changed signature", "signature"],
    ["a signature made for a CSV export link", "csv-signature"],
    ["an expired link", "expired"],
    ["a link whose maker is no longer active", "deactivated"],
    ["a link without its account", "no-account"],
    ["a link with a malformed id", "bad-id"],
  ])("refuses %s with a 403 and its reason", async (_label, how) => {
    const { account, admin, invoice } = await issuedInvoice();
    const sibling = await closePeriod(db, account.id, new Date("2027-01-01T00:00:05Z"));
    const foreign = await issuedInvoice();
    let claims = { accountId: account.id, creatorId: admin.id, invoiceId: invoice.id, expires: inAWeek() };
    let signature = signDocumentLink(claims, SECRET);
    let path = documentLinkPath(claims, signature);
    switch (how) {
      case "other-invoice":
        if (sibling.status !== "issued") throw new Error("not issued");
        path = path.replace(invoice.id, sibling.invoice.id);
        break;
      case "foreign-invoice":
        path = path.replace(invoice.id, foreign.invoice.id);
        break;
      case "expiry":
        path = path.replace(`expires=${claims.expires}`, `expires=${claims.expires + 86_400}`);
        break;
      case "signature":
        path = path.replace(/sig=[^&]+/, `sig=${signature.slice(1)}A`);
        break;
      case "csv-signature":
        signature = signLink({ accountId: account.id, creatorId: admin.id, params: { from: "2026-11-01", to: "2026-11-30" }, expires: claims.expires }, SECRET);
        path = documentLinkPath(claims, signature);
        break;
      case "expired":
        claims = { ...claims, expires: Math.floor(Date.now() / 1000) - 1 };
        path = documentLinkPath(claims, signDocumentLink(claims, SECRET));
        break;
      case "deactivated":
        await db.update(users).set({ active: false, deactivatedAt: new Date() }).where(eq(users.id, admin.id));
        break;
      case "no-account":
        path = path.replace(/account=[^&]+&/, "");
        break;
      case "bad-id":
        path = path.replace(invoice.id, "not-an-id");
        break;
    }
    const response = await open(path);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/link|admin/);
  });

  it("verifies only the claims it signed", () => {
    const claims = { accountId: "a", creatorId: "b", invoiceId: "c", expires: 2_000_000_000 };
    const signature = signDocumentLink(claims, SECRET);
    expect(verifyDocumentLink(claims, signature, SECRET).ok).toBe(true);
    expect(verifyDocumentLink({ ...claims, invoiceId: "d" }, signature, SECRET).ok).toBe(false);
    expect(verifyDocumentLink(claims, signature, "t".repeat(32)).ok).toBe(false);
    expect(verifyDocumentLink(claims, signature, SECRET, 2_000_000_000 * 1000).ok, "at its expiry").toBe(false);
  });
});
