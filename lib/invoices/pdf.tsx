import path from "node:path";
import { Document, Font, Page, renderToBuffer, StyleSheet, Text, View } from "@react-pdf/renderer";
import type { PartySnapshot } from "@/db/schema";
import { addressLines } from "@/lib/company/address";
import { countryName } from "@/lib/format";
import { formatMoney } from "@/lib/money";
import { fontDataUrl } from "./font";
import type { InvoiceDocument } from "./queries";
import { formatRate } from "./tax";

/**
 * An invoice or credit note as a PDF (A4), with what EU VAT Directive art. 226 asks for:
 * number, issue date, supply period, seller and buyer with addresses and VAT numbers,
 * lines with quantity, unit price and net amount, VAT per rate, net, VAT and gross totals
 * and the legal note of the VAT rule. The figures are the stored ones, formatted only.
 * The font (Inter, from @fontsource/inter) ships with the app: nothing is fetched.
 */

const fontFile = (weight: 400 | 700) =>
  path.join(process.cwd(), "node_modules", "@fontsource", "inter", "files", `inter-latin-${weight}-normal.woff`);

let fontsRegistered = false;
function registerFonts() {
  if (fontsRegistered) return;
  Font.register({
    family: "Inter",
    fonts: [
      { src: fontDataUrl(fontFile(400)), fontWeight: 400 },
      { src: fontDataUrl(fontFile(700)), fontWeight: 700 },
    ],
  });
  // Words are never split with hyphens: amounts and numbers stay whole.
  Font.registerHyphenationCallback((word) => [word]);
  fontsRegistered = true;
}

const styles = StyleSheet.create({
  // Inter's contextual alternates (calt) change nothing in these texts and cost most of the shaping time.
  page: { fontFamily: "Inter", fontFeatureSettings: { calt: false }, fontSize: 9, padding: 40, color: "#0f172a", lineHeight: 1.35 },
  header: { flexDirection: "row", justifyContent: "space-between", marginBottom: 24 },
  title: { fontSize: 18, fontWeight: 700, lineHeight: 1.3 },
  muted: { color: "#475569" },
  parties: { flexDirection: "row", justifyContent: "space-between", marginBottom: 20 },
  party: { width: "48%" },
  label: { fontSize: 8, color: "#475569", marginBottom: 2 },
  bold: { fontWeight: 700 },
  facts: { flexDirection: "row", flexWrap: "wrap", marginBottom: 16 },
  fact: { width: "33%", marginBottom: 6 },
  tableHead: { flexDirection: "row", borderBottom: "1pt solid #94a3b8", paddingBottom: 3, fontWeight: 700 },
  row: { flexDirection: "row", borderBottom: "0.5pt solid #e2e8f0", paddingVertical: 3 },
  description: { width: "46%", paddingRight: 6 },
  quantity: { width: "14%", textAlign: "right" },
  unit: { width: "14%", textAlign: "right" },
  rate: { width: "10%", textAlign: "right" },
  amount: { width: "16%", textAlign: "right" },
  totals: { marginTop: 12, marginLeft: "45%" },
  totalRow: { flexDirection: "row", justifyContent: "space-between", paddingVertical: 2 },
  grand: { flexDirection: "row", justifyContent: "space-between", borderTop: "1pt solid #0f172a", marginTop: 2, paddingTop: 3, fontWeight: 700, fontSize: 11, lineHeight: 1.3 },
  notes: { marginTop: 18 },
  note: { marginBottom: 4 },
  footer: { position: "absolute", bottom: 24, left: 40, right: 40, fontSize: 7, color: "#64748b", textAlign: "center" },
});

const dateFormats = new Map<string, Intl.DateTimeFormat>();
/** A date as printed on the document: in the account's time zone at issue. */
function dateIn(timeZone: string) {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone });
    dateFormats.set(timeZone, format);
  }
  return (d: Date) => format.format(d);
}

function PartyBlock({ label, party }: { label: string; party: PartySnapshot }) {
  return (
    <View style={styles.party}>
      <Text style={styles.label}>{label}</Text>
      <Text style={styles.bold}>{party.name}</Text>
      {addressLines(party).map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
      <Text>VAT number: {party.vatNumber ?? "none"}</Text>
    </View>
  );
}

const STATUS_WORDS = { open: "Due", paid: "Paid", void: "Void", uncollectible: "Uncollectible", draft: "Draft" } as const;

export function InvoicePdf({ document: doc }: { document: InvoiceDocument }) {
  const { invoice, lines } = doc;
  const money = (minor: number) => formatMoney(minor, invoice.currency);
  const date = dateIn(invoice.timeZone);
  const isCreditNote = invoice.kind === "credit_note";
  const lastDay = new Date(Math.max(invoice.periodEnd.getTime() - 1, invoice.periodStart.getTime()));
  const supply =
    invoice.kind === "top_up" ? date(invoice.periodStart) : `${date(invoice.periodStart)} to ${date(lastDay)}`;
  return (
    <Document title={`${isCreditNote ? "Credit note" : "Invoice"} ${invoice.number}`} author={invoice.seller.name} creator={invoice.seller.name} producer={invoice.seller.name}>
      <Page size="A4" style={styles.page}>
        <View style={styles.header}>
          <View>
            <Text style={styles.title}>{isCreditNote ? "Credit note" : "Invoice"}</Text>
            <Text style={styles.muted}>{invoice.number}</Text>
          </View>
          <View>
            <Text style={styles.bold}>{invoice.seller.name}</Text>
            {invoice.seller.email ? <Text style={styles.muted}>{invoice.seller.email}</Text> : null}
          </View>
        </View>

        <View style={styles.parties}>
          <PartyBlock label="From" party={invoice.seller} />
          <PartyBlock label="Bill to" party={invoice.buyer} />
        </View>

        <View style={styles.facts}>
          <View style={styles.fact}>
            <Text style={styles.label}>Number</Text>
            <Text>{invoice.number}</Text>
          </View>
          <View style={styles.fact}>
            <Text style={styles.label}>Issue date</Text>
            <Text>{date(invoice.issuedAt)}</Text>
          </View>
          <View style={styles.fact}>
            <Text style={styles.label}>{invoice.kind === "top_up" ? "Date of supply" : "Supply period"}</Text>
            <Text>{supply}</Text>
          </View>
          <View style={styles.fact}>
            <Text style={styles.label}>Currency</Text>
            <Text>{invoice.currency}</Text>
          </View>
          <View style={styles.fact}>
            <Text style={styles.label}>Status</Text>
            <Text>
              {STATUS_WORDS[invoice.status]}
              {invoice.status === "paid" && invoice.paidAt ? ` on ${date(invoice.paidAt)}` : ""}
            </Text>
          </View>
          {doc.correctsNumber ? (
            <View style={styles.fact}>
              <Text style={styles.label}>Corrects invoice</Text>
              <Text>{doc.correctsNumber}</Text>
            </View>
          ) : null}
        </View>

        <View style={styles.tableHead} fixed>
          <Text style={styles.description}>Description</Text>
          <Text style={styles.quantity}>Quantity</Text>
          <Text style={styles.unit}>Unit price</Text>
          <Text style={styles.rate}>VAT</Text>
          <Text style={styles.amount}>Net amount</Text>
        </View>
        {lines.map((line) => (
          <View style={styles.row} key={line.id} wrap={false}>
            <Text style={styles.description}>{line.description}</Text>
            <Text style={styles.quantity}>{line.quantityLabel ?? String(line.quantity)}</Text>
            <Text style={styles.unit}>{line.unitPrice === null ? "varies" : money(line.unitPrice)}</Text>
            <Text style={styles.rate}>{formatRate(line.taxRateBasisPoints)}</Text>
            <Text style={styles.amount}>{money(line.netAmount)}</Text>
          </View>
        ))}

        <View style={styles.totals} wrap={false}>
          <View style={styles.totalRow}>
            <Text>Net total</Text>
            <Text>{money(invoice.netTotal)}</Text>
          </View>
          {invoice.taxBreakdown.map((b) => (
            <View style={styles.totalRow} key={b.rateBasisPoints}>
              <Text>
                VAT {formatRate(b.rateBasisPoints)} on {money(b.net)}
              </Text>
              <Text>{money(b.tax)}</Text>
            </View>
          ))}
          <View style={styles.totalRow}>
            <Text>VAT total</Text>
            <Text>{money(invoice.taxTotal)}</Text>
          </View>
          <View style={styles.grand}>
            <Text>{isCreditNote ? "Total credited" : "Total"}</Text>
            <Text>{money(invoice.grossTotal)}</Text>
          </View>
        </View>

        <View style={styles.notes} wrap={false}>
          {invoice.taxNote ? <Text style={[styles.note, styles.bold]}>{invoice.taxNote}</Text> : null}
          {invoice.note ? <Text style={styles.note}>{invoice.note}</Text> : null}
          {invoice.status === "open" ? (
            <Text style={styles.note}>Charged to the payment method on file; or pay from the Invoices page of the billing console.</Text>
          ) : null}
        </View>

        <Text style={styles.footer} fixed>
          {invoice.seller.name}, {invoice.seller.street}, {invoice.seller.postalCode} {invoice.seller.city}, {countryName(invoice.seller.country)} · VAT number {invoice.seller.vatNumber}
        </Text>
      </Page>
    </Document>
  );
}

export async function renderInvoicePdf(document: InvoiceDocument): Promise<Buffer> {
  registerFonts();
  return renderToBuffer(<InvoicePdf document={document} />);
}

/** "INV-2026-000123.pdf" */
export function pdfFileName(document: InvoiceDocument): string {
  return `${document.invoice.number}.pdf`;
}
