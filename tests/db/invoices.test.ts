import { execFile } from "node:child_process";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  billingDetails,
  creditBalances,
  invoiceLines,
  invoiceNumberCounters,
  invoices,
  paymentMethods,
  sandboxPaymentIntents,
  subscriptionChanges,
  subscriptions,
} from "@/db/schema";
import { completeSandboxAuthentication } from "@/lib/credit/authentication";
import { startManualTopUp } from "@/lib/credit/top-ups";
import { accountsDue, closeDuePeriods, closePeriod, lineDescription } from "@/lib/invoices/close";
import { issueCreditNote, issueCreditNoteByNumber } from "@/lib/invoices/credit-note";
import { issueDocument, sellerSnapshot } from "@/lib/invoices/issue";
import { REVERSE_CHARGE_NOTE, OUTSIDE_EU_NOTE } from "@/lib/invoices/tax";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import { formatMoney } from "@/lib/money";
import { getStatement } from "@/lib/subscription/statement";
import { refuseUpdates } from "../support/db-fault";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addMovements, addNumber, createAccount, subscribe } from "../support/fixtures";

let handle: TestDatabase;
let db: Database;

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 10 });
  db = handle.db;
});

afterAll(async () => {
  await handle?.close();
});

const NOV = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const AFTER_NOV = new Date("2026-12-01T00:00:05Z");

async function details(accountId: string, country: string, vatNumber: string | null) {
  await db
    .insert(billingDetails)
    .values({ accountId, companyName: `Buyer ${country}`, vatNumber, invoiceEmail: "ap@buyer.test", street: "Main St 1", city: "City", postalCode: "12345", country })
    .onConflictDoUpdate({ target: billingDetails.accountId, set: { country, vatNumber, companyName: `Buyer ${country}` } });
}

/** A tenant with a plan of 5 seats at 25.00 for November, in UTC. */
async function tenant(options: { country?: string; currency?: string; vat?: string | null } = {}) {
  const { account, admin } = await createAccount(db, { country: options.country ?? "DE", currency: options.currency ?? "EUR", timeZone: "UTC" });
  await subscribe(db, account.id, NOV, 5);
  await details(account.id, options.country ?? "DE", options.vat ?? null);
  return { account, admin };
}

const linesOf = (invoiceId: string) =>
  db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoiceId)).orderBy(asc(invoiceLines.position));

/** What the SQL says an invoice adds up to, computed here from its lines. */
async function sums(invoiceId: string) {
  const [row] = await db.execute<{ net: string; lines: string }>(
    sql`select coalesce(sum(net_amount), 0) as net, count(*) as lines from invoice_lines where invoice_id = ${invoiceId}`,
  ).then((r) => (r as unknown as { rows: { net: string; lines: string }[] }).rows);
  return { net: Number(row!.net), lines: Number(row!.lines) };
}

describe("invoice numbers", () => {
  it.skipIf(!process.env.DATABASE_URL)("50 concurrent issues, some rolled back, leave no gap and no duplicate (Postgres)", async () => {
    const { account } = await tenant();
    const seller = { ...sellerSnapshot(), vatNumber: "DE000000050" };
    const issue = (i: number) =>
      db.transaction(async (tx) => {
        const invoice = await issueDocument(tx, {
          accountId: account.id,
          kind: "period",
          status: "open",
          issuedAt: new Date("2026-03-01T00:00:00Z"),
          period: { start: new Date(Date.UTC(2020, 0, 1 + i)), end: new Date(Date.UTC(2020, 0, 2 + i)) },
          currency: "EUR",
          timeZone: "UTC",
          lines: [{ groupKey: "subscription", description: "Seat", quantity: 1, unitPrice: 100, netAmount: 100 }],
          seller,
          buyer: seller,
          tax: { rule: "domestic", rateBasisPoints: 1900, note: null },
        });
        // Every fifth issue fails after taking its number: the number must come back.
        if (i % 5 === 0) throw new Error("rolled back on purpose");
        return invoice.number;
      });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => issue(i)));
    const numbers = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(numbers, "40 committed").toHaveLength(40);
    const stored = await db
      .select({ number: invoices.number })
      .from(invoices)
      .where(eq(invoices.issuer, "DE000000050"))
      .orderBy(asc(invoices.number));
    expect(stored.map((r) => r.number)).toEqual(Array.from({ length: 40 }, (_, i) => `INV-2026-${String(i + 1).padStart(6, "0")}`));
    expect(new Set(numbers).size, "no duplicate").toBe(40);
    const [counter] = await db
      .select()
      .from(invoiceNumberCounters)
      .where(and(eq(invoiceNumberCounters.issuer, "DE000000050"), eq(invoiceNumberCounters.series, "INV")));
    expect(counter?.lastValue, "the counter says the last number issued").toBe(40);
  });

  it("runs per series and year: credit notes have their own", async () => {
    const seller = { ...sellerSnapshot(), vatNumber: "DE000000051" };
    const { account } = await tenant();
    const issue = (kind: "period" | "credit_note", issuedAt: string, day: number) =>
      db.transaction(async (tx) => {
        let correctsInvoiceId: string | undefined;
        if (kind === "credit_note") {
          const [first] = await tx.select({ id: invoices.id }).from(invoices).where(eq(invoices.issuer, "DE000000051")).limit(1);
          correctsInvoiceId = first!.id;
        }
        return issueDocument(tx, {
          accountId: account.id,
          kind,
          status: kind === "credit_note" ? "paid" : "open",
          issuedAt: new Date(issuedAt),
          period: { start: new Date(Date.UTC(2019, 0, day)), end: new Date(Date.UTC(2019, 0, day + 1)) },
          currency: "EUR",
          timeZone: "UTC",
          lines: [],
          seller,
          buyer: seller,
          tax: { rule: "domestic", rateBasisPoints: 1900, note: null },
          correctsInvoiceId,
        });
      });
    expect((await issue("period", "2026-12-31T23:00:00Z", 1)).number).toBe("INV-2026-000001");
    expect((await issue("period", "2027-01-01T00:00:00Z", 2)).number).toBe("INV-2027-000001");
    expect((await issue("credit_note", "2027-01-02T00:00:00Z", 3)).number).toBe("CN-2027-000001");
    expect((await issue("period", "2027-01-03T00:00:00Z", 4)).number).toBe("INV-2027-000002");
  });
});

describe("closing a period", () => {
  it("invoices the period's statement, less usage paid from credit, and moves the subscription on", async () => {
    const { account } = await tenant();
    await addNumber(db, account.id, "+4930111111", { acquiredAt: new Date("2026-11-16T00:00:00Z") });
    await addNumber(db, account.id, "+4930222222");
    await db.insert(subscriptionChanges).values({
      accountId: account.id,
      kind: "seats",
      fromQuantity: 5,
      toQuantity: 7,
      effectiveAt: new Date("2026-11-11T00:00:00Z"),
      prorationAmount: 3333,
      currency: "EUR",
    });
    await db.update(subscriptions).set({ seatsPurchased: 7 }).where(eq(subscriptions.accountId, account.id));
    // Usage charged from credit this period (through the rollups the summary reads).
    await addMovements(db, account.id, [{ type: "top_up_manual", amount: 10_000, interactionId: "seed-credit" }]);
    await db.execute(sql`insert into usage_daily_totals (account_id, day, category, records, seconds, fragments, amount)
      values (${account.id}, '2026-11-20', 'outside_packages', 3, 300, 0, 456)`);

    const expected = await getStatement(db, account, new Date(NOV.end.getTime() - 1));
    const outcome = await closePeriod(db, account.id, AFTER_NOV);
    expect(outcome.status).toBe("issued");
    if (outcome.status !== "issued") return;
    const invoice = outcome.invoice;
    expect(invoice).toMatchObject({ kind: "period", status: "open", currency: "EUR", taxRule: "domestic" });
    expect(invoice.periodStart).toEqual(NOV.start);
    expect(invoice.periodEnd).toEqual(NOV.end);
    // The invoice equals the summary: its total less what credit paid.
    expect(invoice.netTotal, "net = the summary's total less credit").toBe(expected!.summary.total - expected!.summary.paidFromCredit);
    expect(invoice.paidFromCredit, "usage paid from credit: a note, not a line").toBe(456);
    expect(expected!.summary.paidFromCredit).toBe(456);
    expect(invoice.note).toContain("€4.56");
    const lines = await linesOf(invoice.id);
    expect(lines.map((l) => [l.description, l.netAmount])).toEqual(
      expected!.summary.groups.flatMap((g) =>
        g.lines.filter((l) => !l.paidFromCredit).map((l) => [lineDescription(l), l.total]),
      ),
    );
    // Checked by SQL written here: 5 seats x 25.00, +2 seats prorated as charged, one number
    // all month, one from the 16th (15 of 30 days).
    expect(await sums(invoice.id)).toEqual({ net: 5 * 2500 + 3333 + 300 + 150, lines: 4 });
    expect(invoice.taxTotal, "19 % of the net, rounded once").toBe(Math.round((5 * 2500 + 3333 + 450) * 0.19));
    expect(invoice.grossTotal).toBe(invoice.netTotal + invoice.taxTotal);
    expect(invoice.number).toMatch(/^INV-2026-\d{6}$/);
    const [subscription] = await db.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    expect(subscription!.currentPeriodStart).toEqual(NOV.end);
    expect(subscription!.currentPeriodEnd).toEqual(new Date("2027-01-01T00:00:00Z"));
  });

  it("is not due before the period's end", async () => {
    const { account } = await tenant();
    expect((await closePeriod(db, account.id, new Date("2026-11-30T23:59:59Z"))).status).toBe("not_due");
    expect(await db.select().from(invoices).where(eq(invoices.accountId, account.id))).toHaveLength(0);
  });

  it("issues one invoice when run twice, and when two workers run it at once", async () => {
    const { account } = await tenant();
    const first = await closePeriod(db, account.id, AFTER_NOV);
    const again = await closePeriod(db, account.id, AFTER_NOV);
    expect(first.status).toBe("issued");
    expect(again.status, "the period moved on: nothing is due").toBe("not_due");

    const other = await tenant();
    const both = await Promise.all([closePeriod(db, other.account.id, AFTER_NOV), closePeriod(db, other.account.id, AFTER_NOV)]);
    expect(both.map((o) => o.status).sort()).toEqual(["issued", "not_due"]);
    for (const id of [account.id, other.account.id]) {
      expect(await db.select().from(invoices).where(eq(invoices.accountId, id)), "one invoice").toHaveLength(1);
    }
  });

  it("leaves nothing when interrupted mid-transaction, and issues the invoice on the next run with the next number", async () => {
    const { account } = await tenant();
    const before = await db.select({ value: invoiceNumberCounters.lastValue }).from(invoiceNumberCounters);
    // The subscription cannot move on: the transaction fails after the invoice was written.
    const restore = await refuseUpdates(db, "subscriptions", `new.account_id = '${account.id}'`);
    await expect(closePeriod(db, account.id, AFTER_NOV)).rejects.toThrow();
    expect(await db.select().from(invoices).where(eq(invoices.accountId, account.id)), "no invoice").toHaveLength(0);
    expect(await db.select().from(invoiceLines).where(eq(invoiceLines.accountId, account.id)), "no line").toHaveLength(0);
    expect(await db.select({ value: invoiceNumberCounters.lastValue }).from(invoiceNumberCounters), "no number spent").toEqual(before);
    await restore();
    const outcome = await closePeriod(db, account.id, AFTER_NOV);
    expect(outcome.status).toBe("issued");
  });

  it("after downtime, the sweep finds every period that ended and closes each, oldest first", async () => {
    const { account } = await tenant();
    const threeMonthsLater = new Date("2027-02-15T00:00:00Z");
    expect(await accountsDue(db, threeMonthsLater)).toContain(account.id);
    const issued = await closeDuePeriods(db, account.id, threeMonthsLater);
    expect(issued.map((i) => i.periodStart.toISOString())).toEqual([
      "2026-11-01T00:00:00.000Z",
      "2026-12-01T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
    ]);
    expect(await accountsDue(db, threeMonthsLater)).not.toContain(account.id);
  });
});

describe("VAT on issued invoices", () => {
  it.each([
    ["domestic", "DE", "DE811907980", "domestic", 1900, null],
    ["an EU business elsewhere", "FR", "FR40303265045", "reverse_charge", 0, REVERSE_CHARGE_NOTE],
    ["an EU consumer elsewhere", "AT", null, "eu_consumer", 2000, null],
    ["outside the EU", "US", null, "outside_eu", 0, OUTSIDE_EU_NOTE],
  ] as const)("%s", async (_label, country, vat, rule, rate, note) => {
    const { account } = await tenant({ country, vat });
    const outcome = await closePeriod(db, account.id, AFTER_NOV);
    if (outcome.status !== "issued") throw new Error("not issued");
    const invoice = outcome.invoice;
    expect(invoice).toMatchObject({ taxRule: rule, taxNote: note, netTotal: 12_500 });
    expect(invoice.taxBreakdown).toEqual([{ rateBasisPoints: rate, net: 12_500, tax: (12_500 * rate) / 10_000 }]);
    expect(invoice.buyer).toMatchObject({ country, vatNumber: vat });
    expect(invoice.seller).toMatchObject({ name: sellerSnapshot().name, vatNumber: sellerSnapshot().vatNumber });
  });

  it("keeps the old invoice's buyer and VAT when the company moves country", async () => {
    const { account } = await tenant({ country: "DE", vat: "DE811907980" });
    const november = await closePeriod(db, account.id, AFTER_NOV);
    await details(account.id, "FR", "FR40303265045");
    const december = await closePeriod(db, account.id, new Date("2027-01-01T00:00:05Z"));
    if (november.status !== "issued" || december.status !== "issued") throw new Error("not issued");
    const [old] = await db.select().from(invoices).where(eq(invoices.id, november.invoice.id));
    expect(old!.buyer).toMatchObject({ country: "DE", vatNumber: "DE811907980", name: "Buyer DE" });
    expect(old).toMatchObject({ taxRule: "domestic", taxTotal: 2375 });
    expect(december.invoice).toMatchObject({ taxRule: "reverse_charge", taxTotal: 0 });
    expect(december.invoice.buyer).toMatchObject({ country: "FR", name: "Buyer FR" });
  });
});

describe("an issued invoice is immutable", () => {
  it("refuses changes of its amounts, number or buyer, and its deletion; allows its status to move on", async () => {
    const { account } = await tenant();
    const outcome = await closePeriod(db, account.id, AFTER_NOV);
    if (outcome.status !== "issued") throw new Error("not issued");
    const id = outcome.invoice.id;
    const refused = [
      sql`update invoices set gross_total = gross_total + 1, net_total = net_total + 1 where id = ${id}`,
      sql`update invoices set number = 'INV-2026-999999' where id = ${id}`,
      sql`update invoices set buyer = jsonb_set(buyer, '{name}', '"Someone else"') where id = ${id}`,
      sql`update invoices set issued_at = now() where id = ${id}`,
      sql`delete from invoices where id = ${id}`,
      sql`update invoice_lines set net_amount = 1 where invoice_id = ${id}`,
      sql`delete from invoice_lines where invoice_id = ${id}`,
      sql`insert into invoice_lines (account_id, invoice_id, position, group_key, description, quantity, unit_price, net_amount, tax_rate_basis_points)
          values (${account.id}, ${id}, 99, 'addons', 'Slipped in', 1, 100, 100, 1900)`,
      sql`truncate invoice_lines`,
    ];
    for (const statement of refused) {
      await expect(db.execute(statement), statement.queryChunks.map(String).join("")).rejects.toThrow();
    }
    const [unchanged] = await db.select().from(invoices).where(eq(invoices.id, id));
    expect(unchanged).toEqual(outcome.invoice);
    expect(await linesOf(id)).toHaveLength(1);

    await db.update(invoices).set({ status: "paid", paidAt: new Date() }).where(eq(invoices.id, id));
    // Paid is final.
    await expect(db.update(invoices).set({ status: "open" }).where(eq(invoices.id, id))).rejects.toThrow();
    await expect(db.update(invoices).set({ status: "void" }).where(eq(invoices.id, id))).rejects.toThrow();
  });
});

describe("credit purchases are invoiced when bought", () => {
  async function withSandboxCard(accountId: string, last4 = "4242") {
    await db.insert(paymentMethods).values({
      accountId,
      provider: "sandbox",
      type: "card",
      providerPaymentMethodId: `pm_sandbox_succeeds_${last4}_${accountId.slice(0, 8)}`,
      cardBrand: "visa",
      cardLast4: last4,
      cardExpMonth: 12,
      cardExpYear: 2034,
    });
  }

  const chargedBySandbox = async (accountId: string) =>
    (await db.select({ amount: sandboxPaymentIntents.amount }).from(sandboxPaymentIntents).where(eq(sandboxPaymentIntents.accountId, accountId))).map(
      (row) => row.amount,
    );

  it("charges VAT on top of the credit, issues one paid invoice for it, and the ledger adds the credit alone", async () => {
    const { account, admin } = await tenant();
    await withSandboxCard(account.id);
    const gateway = createSandboxGateway(db);
    const request = { accountId: account.id, userId: admin.id, amount: 5000, idempotencyKey: "inv-top-up-1" };
    expect(await startManualTopUp(db, gateway, request)).toMatchObject({ status: "succeeded", amount: 5000, charged: 5950 });
    expect((await startManualTopUp(db, gateway, request)).status, "the same form again").toBe("succeeded");
    expect(await chargedBySandbox(account.id), "one payment: €50.00 credit + €9.50 VAT").toEqual([5950]);
    const [balance] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, account.id));
    expect(balance!.balance, "the credit, not the VAT").toBe(5000);
    const topUps = await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "top_up")));
    expect(topUps).toHaveLength(1);
    expect(topUps[0]).toMatchObject({ status: "paid", netTotal: 5000, taxTotal: 950, grossTotal: 5950, taxRule: "domestic", currency: "EUR" });
    expect(topUps[0]!.taxBreakdown).toEqual([{ rateBasisPoints: 1900, net: 5000, tax: 950 }]);
    expect(topUps[0]!.number).toMatch(/^INV-/);
    expect(await sums(topUps[0]!.id)).toEqual({ net: 5000, lines: 1 });
  });

  it("charges no VAT to an EU business abroad, and its invoice carries the reverse-charge note", async () => {
    const { account, admin } = await tenant({ country: "FR", vat: "FR40303265045" });
    await withSandboxCard(account.id);
    const outcome = await startManualTopUp(db, createSandboxGateway(db), {
      accountId: account.id,
      userId: admin.id,
      amount: 2500,
      idempotencyKey: "inv-top-up-rc",
    });
    expect(outcome).toMatchObject({ status: "succeeded", amount: 2500, charged: 2500 });
    expect(await chargedBySandbox(account.id)).toEqual([2500]);
    const [invoice] = await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "top_up")));
    expect(invoice).toMatchObject({ netTotal: 2500, taxTotal: 0, grossTotal: 2500, taxRule: "reverse_charge", taxNote: REVERSE_CHARGE_NOTE });
  });

  it("invoices the VAT that was charged, even when the company details change before the payment settles", async () => {
    const { account, admin } = await tenant();
    // A card the bank asks the cardholder to confirm: the payment settles later.
    await db.insert(paymentMethods).values({
      accountId: account.id,
      provider: "sandbox",
      type: "card",
      providerPaymentMethodId: "pm_sandbox_authentication_required_inv",
      cardBrand: "visa",
      cardLast4: "3184",
      cardExpMonth: 12,
      cardExpYear: 2034,
    });
    const gateway = createSandboxGateway(db);
    const outcome = await startManualTopUp(db, gateway, { accountId: account.id, userId: admin.id, amount: 10_000, idempotencyKey: "inv-top-up-sca" });
    expect(outcome.status).toBe("requires_action");
    // The buyer moves abroad and becomes a registered EU business before confirming.
    await details(account.id, "FR", "FR40303265045");
    const confirmed = await completeSandboxAuthentication(db, gateway, { accountId: account.id, userId: admin.id, attemptId: outcome.attemptId, approve: true });
    expect(confirmed.ok).toBe(true);
    expect(await chargedBySandbox(account.id)).toEqual([11_900]);
    const [invoice] = await db.select().from(invoices).where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "top_up")));
    expect(invoice, "the rule and VAT charged, the buyer as of now").toMatchObject({
      netTotal: 10_000,
      taxTotal: 1900,
      grossTotal: 11_900,
      taxRule: "domestic",
      taxNote: null,
    });
    expect(invoice!.buyer.country).toBe("FR");
  });

  it("does not invoice a failed top-up", async () => {
    const { account, admin } = await tenant();
    await db.insert(paymentMethods).values({
      accountId: account.id,
      provider: "sandbox",
      type: "card",
      providerPaymentMethodId: "pm_sandbox_insufficient_funds_inv",
      cardBrand: "visa",
      cardLast4: "9995",
      cardExpMonth: 12,
      cardExpYear: 2034,
    });
    const outcome = await startManualTopUp(db, createSandboxGateway(db), {
      accountId: account.id,
      userId: admin.id,
      amount: 5000,
      idempotencyKey: "inv-top-up-fail",
    });
    expect(outcome.status).toBe("failed");
    expect(await db.select().from(invoices).where(eq(invoices.accountId, account.id))).toHaveLength(0);
  });
});

describe("credit notes", () => {
  it("credit an invoice in full with their own number, void an open invoice, and only once", async () => {
    const { account, admin } = await tenant();
    const outcome = await closePeriod(db, account.id, AFTER_NOV);
    if (outcome.status !== "issued") throw new Error("not issued");
    const invoice = outcome.invoice;
    const result = await issueCreditNote(db, { accountId: account.id, invoiceId: invoice.id, reason: "Seats billed twice", actorUserId: admin.id });
    if (!result.ok) throw new Error(result.failure.message);
    const note = result.value;
    expect(note.number).toMatch(/^CN-\d{4}-\d{6}$/);
    expect(note).toMatchObject({
      kind: "credit_note",
      correctsInvoiceId: invoice.id,
      netTotal: -invoice.netTotal,
      taxTotal: -invoice.taxTotal,
      grossTotal: -invoice.grossTotal,
    });
    expect(note.buyer).toEqual(invoice.buyer);
    expect(await sums(note.id)).toEqual({ net: -invoice.netTotal, lines: 1 });
    const [original] = await db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(original!.status, "an open invoice credited in full is void").toBe("void");
    const twice = await issueCreditNote(db, { accountId: account.id, invoiceId: invoice.id, reason: "again", actorUserId: admin.id });
    expect(twice.ok).toBe(false);
  });

  it.each([
    ["a reason too short", { reason: "x" }, "invalid"],
    ["another tenant's invoice", { foreign: true }, "not_found"],
  ] as const)("refuses %s and changes nothing", async (_label, change, kind) => {
    const { account, admin } = await tenant();
    const outcome = await closePeriod(db, account.id, AFTER_NOV);
    if (outcome.status !== "issued") throw new Error("not issued");
    const other = await tenant();
    const result = await issueCreditNote(db, {
      accountId: "foreign" in change ? other.account.id : account.id,
      invoiceId: outcome.invoice.id,
      reason: "reason" in change ? change.reason : "A fair reason",
      actorUserId: "foreign" in change ? other.admin.id : admin.id,
    });
    expect(result.ok ? null : result.failure.kind).toBe(kind);
    expect(await db.select().from(invoices).where(eq(invoices.kind, "credit_note")).then((r) => r.filter((n) => n.correctsInvoiceId === outcome.invoice.id))).toHaveLength(0);
  });
});


describe("the operator's credit note command", () => {
  async function issuedFor() {
    const { account } = await tenant();
    const outcome = await closePeriod(db, account.id, AFTER_NOV);
    if (outcome.status !== "issued") throw new Error("not issued");
    return { account, invoice: outcome.invoice };
  }

  it("finds the invoice by the account's slug and the printed number, and refuses what it cannot find, changing nothing", async () => {
    const { account, invoice } = await issuedFor();
    const other = await issuedFor();
    const countNotes = async () => (await db.select().from(invoices).where(eq(invoices.kind, "credit_note"))).length;
    const before = await countNotes();
    expect(await issueCreditNoteByNumber(db, { accountSlug: "no-such-account", invoiceNumber: invoice.number, reason: "Wrong seats" })).toMatchObject({
      ok: false,
      failure: { kind: "not_found", message: 'No account with the slug "no-such-account".' },
    });
    // Another account's number is not found in this one: numbers are looked up per account.
    expect(
      await issueCreditNoteByNumber(db, { accountSlug: account.slug, invoiceNumber: other.invoice.number, reason: "Wrong seats" }),
    ).toMatchObject({ ok: false, failure: { kind: "not_found" } });
    expect(await issueCreditNoteByNumber(db, { accountSlug: account.slug, invoiceNumber: invoice.number, reason: " " })).toMatchObject({
      ok: false,
      failure: { kind: "invalid" },
    });
    expect(await countNotes()).toBe(before);
    expect((await db.select().from(invoices).where(eq(invoices.id, invoice.id)))[0]!.status).toBe("open");

    const result = await issueCreditNoteByNumber(db, { accountSlug: ` ${account.slug} `, invoiceNumber: ` ${invoice.number}`, reason: "Seats billed twice" });
    expect(result).toMatchObject({ ok: true, value: { kind: "credit_note", correctsInvoiceId: invoice.id, grossTotal: -invoice.grossTotal } });
    expect((await db.select().from(invoices).where(eq(invoices.id, other.invoice.id)))[0]!.status, "the other account's invoice").toBe("open");
  });

  it.skipIf(!process.env.DATABASE_URL)("runs as npm run credit-note, saying what it issued or why not, with an exit status (Postgres)", async () => {
    const { account, invoice } = await issuedFor();
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        execFile("npx", ["tsx", "scripts/credit-note.ts", ...args], { env: { ...process.env, DATABASE_URL: handle.url } }, (error, out, err) =>
          resolve({ code: error ? (error.code as number) : 0, out, err }),
        );
      });
    const usage = await run("--account", account.slug);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("Missing --invoice, --reason.");
    const issued = await run("--account", account.slug, "--invoice", invoice.number, "--reason", "Seats billed twice");
    expect(issued.err).toBe("");
    expect(issued.out).toMatch(new RegExp(`^Issued credit note CN-\\d{4}-\\d{6} for invoice ${invoice.number}: `));
    expect(issued.out.trim(), "credits the gross in full; the open invoice is void, so nothing is owed back").toMatch(
      `: ${formatMoney(-invoice.grossTotal, "EUR")} (paid).`,
    );
    const again = await run("--account", account.slug, "--invoice", invoice.number, "--reason", "Seats billed twice");
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/is void; there is nothing to credit/);
  });
});
