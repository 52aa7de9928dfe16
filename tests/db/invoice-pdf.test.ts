import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { billingDetails, paymentMethods } from "@/db/schema";
import { startManualTopUp } from "@/lib/credit/top-ups";
import { closePeriod } from "@/lib/invoices/close";
import { issueCreditNote } from "@/lib/invoices/credit-note";
import { renderInvoicePdf } from "@/lib/invoices/pdf";
import { getInvoiceDocument } from "@/lib/invoices/queries";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";
import { addNumber, createAccount, subscribe } from "../support/fixtures";
import { compact, pdfText, printed } from "../support/pdf-text";

let handle: TestDatabase;
let db: Database;

beforeAll(async () => {
  handle = await freshDatabase();
  db = handle.db;
});
afterAll(async () => {
  await handle?.close();
});

const NOV = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** Every figure of the stored document, read by SQL written here, must be printed on its PDF. */
async function expectPdfMatchesDatabase(accountId: string, invoiceId: string) {
  const document = await getInvoiceDocument(db, accountId, invoiceId);
  const pdf = await renderInvoicePdf(document!);
  expect(Buffer.from(pdf.subarray(0, 5)).toString(), "a PDF").toBe("%PDF-");
  const text = compact(await pdfText(pdf));
  const [stored] = await rows<{ number: string; currency: string; net: string; tax: string; gross: string; tax_note: string | null; buyer_name: string; buyer_vat: string | null; seller_vat: string }>(sql`
    select number, currency, net_total as net, tax_total as tax, gross_total as gross, tax_note,
           buyer->>'name' as buyer_name, buyer->>'vatNumber' as buyer_vat, seller->>'vatNumber' as seller_vat
    from invoices where id = ${invoiceId}`);
  const money = (v: string | number) => printed(Number(v), stored!.currency);
  expect(text).toContain(compact(stored!.number));
  expect(text, "net total").toContain(compact(`Net total ${money(stored!.net)}`));
  expect(text, "VAT total").toContain(compact(`VAT total ${money(stored!.tax)}`));
  expect(text, "gross total").toContain(compact(`${Number(stored!.gross) < 0 ? "Totalcredited" : "Total"}${money(stored!.gross)}`));
  for (const b of await rows<{ rate: number; net: string; tax: string }>(sql`
    select (b->>'rateBasisPoints')::int as rate, b->>'net' as net, b->>'tax' as tax
    from invoices, jsonb_array_elements(tax_breakdown) b where id = ${invoiceId}`)) {
    expect(text, `VAT at ${b.rate}`).toContain(compact(`on ${money(b.net)} ${money(b.tax)}`));
  }
  const lines = await rows<{ description: string; net: string }>(sql`select description, net_amount as net from invoice_lines where invoice_id = ${invoiceId} order by position`);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(text, line.description).toContain(compact(line.description));
    expect(text, `${line.description}: net`).toContain(compact(money(line.net)));
  }
  expect(text).toContain(compact(stored!.buyer_name));
  expect(text).toContain(compact(`VAT number: ${stored!.buyer_vat ?? "none"}`));
  expect(text).toContain(compact(stored!.seller_vat));
  if (stored!.tax_note) expect(text).toContain(compact(stored!.tax_note));
  return text;
}

describe("invoice PDFs show the database's figures to the minor unit", () => {
  it("a domestic period invoice, a top-up invoice and a credit note", async () => {
    const { account, admin } = await createAccount(db, { timeZone: "UTC" });
    await subscribe(db, account.id, NOV, 7);
    await addNumber(db, account.id, "+4930333333", { acquiredAt: new Date("2026-11-09T00:00:00Z") });
    await db.insert(billingDetails).values({ accountId: account.id, companyName: "Müller & Söhne GmbH", vatNumber: "DE811907980", invoiceEmail: "ap@mueller.test", street: "Königsallee 1", city: "Düsseldorf", postalCode: "40212", country: "DE" });
    const closed = await closePeriod(db, account.id, new Date("2026-12-01T00:00:01Z"));
    if (closed.status !== "issued") throw new Error("not issued");
    const text = await expectPdfMatchesDatabase(account.id, closed.invoice.id);
    expect(text).toContain(compact("Supply period 1 Nov 2026 to 30 Nov 2026"));
    expect(text).toContain(compact("Issue date 1 Dec 2026"));
    expect(text).toContain(compact("Königsallee 1"));

    await db.insert(paymentMethods).values({ accountId: account.id, provider: "sandbox", type: "card", providerPaymentMethodId: "pm_sandbox_succeeds_pdf", cardBrand: "visa", cardLast4: "4242", cardExpMonth: 12, cardExpYear: 2034 });
    await startManualTopUp(db, createSandboxGateway(db), { accountId: account.id, userId: admin.id, amount: 2500, idempotencyKey: "pdf-top-up" });
    const [topUp] = await rows<{ id: string }>(sql`select id from invoices where account_id = ${account.id} and kind = 'top_up'`);
    const topUpText = await expectPdfMatchesDatabase(account.id, topUp!.id);
    expect(topUpText).toContain(compact("Prepaid calling credit"));

    const note = await issueCreditNote(db, { accountId: account.id, invoiceId: closed.invoice.id, reason: "Wrong seat count", actorUserId: admin.id });
    if (!note.ok) throw new Error(note.failure.message);
    const noteText = await expectPdfMatchesDatabase(account.id, note.value.id);
    expect(noteText).toContain(compact("Credit note"));
    expect(noteText).toContain(compact(`Corrects invoice ${closed.invoice.number}`));
  });

  it("a reverse-charge invoice in another EU country and a US invoice in dollars", async () => {
    for (const [country, currency, vat] of [["FR", "EUR", "FR40303265045"], ["US", "USD", null]] as const) {
      const { account } = await createAccount(db, { timeZone: "UTC", country, currency });
      await subscribe(db, account.id, NOV, 3);
      await db.insert(billingDetails).values({ accountId: account.id, companyName: `Buyer ${country}`, vatNumber: vat, invoiceEmail: "ap@buyer.test", street: "1 Rue", city: "Paris", postalCode: "75001", country });
      const closed = await closePeriod(db, account.id, new Date("2026-12-01T00:00:01Z"));
      if (closed.status !== "issued") throw new Error("not issued");
      const text = await expectPdfMatchesDatabase(account.id, closed.invoice.id);
      expect(text).toContain(compact(country === "FR" ? "Reverse charge" : "Outside the scope of EU VAT"));
    }
  });

  it("another account's invoice is not found", async () => {
    const a = await createAccount(db, { timeZone: "UTC" });
    const b = await createAccount(db, { timeZone: "UTC" });
    await subscribe(db, a.account.id, NOV, 1);
    const closed = await closePeriod(db, a.account.id, new Date("2026-12-01T00:00:01Z"));
    if (closed.status !== "issued") throw new Error("not issued");
    expect(await getInvoiceDocument(db, b.account.id, closed.invoice.id)).toBeNull();
    expect(await getInvoiceDocument(db, a.account.id, closed.invoice.id)).not.toBeNull();
  });
});
