import type { Metadata } from "next";
import Link from "next/link";
import { requirePageAccess } from "@/lib/auth/access";
import { getDb } from "@/lib/db";
import { accountFormat } from "@/lib/format";
import { type InvoiceRow, invoiceFilterSchema, invoiceYears, listInvoices } from "@/lib/invoices/queries";
import { loadAccount } from "../_data";
import { PayNowForm } from "./pay-button";
import { ShareLinkForm } from "./share-link";

export const metadata: Metadata = { title: "Invoices" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const STATUS_LABELS: Record<InvoiceRow["status"], string> = {
  draft: "Draft",
  open: "Open",
  paid: "Paid",
  void: "Void",
  uncollectible: "Past due",
};

const STATUS_STYLES: Record<InvoiceRow["status"], string> = {
  draft: "bg-slate-100 text-slate-700",
  open: "bg-amber-100 text-amber-900",
  paid: "bg-emerald-100 text-emerald-900",
  void: "bg-slate-100 text-slate-600",
  uncollectible: "bg-red-100 text-red-900",
};

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Invoices and credit notes of the account: filter by status and year, download, pay what is open. */
export default async function InvoicesPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageAccess("billing.view", "/dashboard/account/billing/invoices");
  const query = await searchParams;
  const parsed = invoiceFilterSchema.safeParse({ status: single(query.status) || undefined, year: single(query.year) || undefined });
  // A bad filter is said in words and filters nothing.
  const filter = parsed.success ? parsed.data : invoiceFilterSchema.parse({});
  const filterError = parsed.success ? null : parsed.error.issues.map((i) => i.message).join(" ");
  const db = await getDb();
  const [account, rows, years] = await Promise.all([
    loadAccount(user.accountId),
    listInvoices(db, user.accountId, filter),
    invoiceYears(db, user.accountId),
  ]);
  const f = accountFormat(account);
  const due = rows.filter((r) => r.kind !== "credit_note" && (r.status === "open" || r.status === "uncollectible"));
  const period = (row: InvoiceRow) =>
    row.kind === "top_up"
      ? "Credit purchase"
      : `${f.date(row.periodStart)} – ${f.date(new Date(Math.max(row.periodEnd.getTime() - 1, row.periodStart.getTime())))}`;

  return (
    <main className="mx-auto max-w-5xl px-4 py-8">
      <Link href="/dashboard/account/billing" className="inline-flex min-h-11 items-center text-sm text-indigo-700 underline">
        ‹ Back to billing
      </Link>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">Invoices</h1>
      <p className="mt-2 text-sm text-slate-600">
        Invoices for each billing period and each credit purchase, and credit notes that correct them. Amounts in{" "}
        {account.currency}, including VAT. Company details apply to invoices issued after a change.
      </p>

      {due.length > 0 ? (
        <p className="mt-4 rounded-md bg-amber-50 p-3 text-sm text-amber-950 ring-1 ring-amber-200" data-testid="due-banner">
          {due.length === 1 ? "1 invoice is" : `${due.length} invoices are`} waiting for payment:{" "}
          {f.money(due.reduce((sum, r) => sum + r.grossTotal, 0))}.
        </p>
      ) : null}

      <form method="get" className="mt-6 flex flex-wrap items-end gap-3" aria-label="Filter invoices">
        <label className="flex flex-col text-sm text-slate-700">
          Status
          <select name="status" defaultValue={filter.status} className="mt-1 min-h-11 rounded-md border border-slate-300 bg-white px-3">
            <option value="all">All</option>
            <option value="open">Open</option>
            <option value="paid">Paid</option>
            <option value="uncollectible">Past due</option>
            <option value="void">Void</option>
          </select>
        </label>
        <label className="flex flex-col text-sm text-slate-700">
          Year
          <select name="year" defaultValue={String(filter.year)} className="mt-1 min-h-11 rounded-md border border-slate-300 bg-white px-3">
            <option value="all">All years</option>
            {years.map((y) => (
              <option key={y} value={y}>
                {y}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="min-h-11 rounded-md bg-slate-800 px-4 text-sm font-semibold text-white hover:bg-slate-700">
          Filter
        </button>
      </form>
      {filterError ? (
        <p role="alert" className="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200">
          {filterError} Showing all invoices.
        </p>
      ) : null}

      <section aria-label="Invoices and credit notes" className="mt-4 rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
        {rows.length === 0 ? (
          <p className="p-6 text-sm text-slate-600">No invoices match these filters.</p>
        ) : (
          <ul role="list" className="divide-y divide-slate-100" data-testid="invoices">
            <li aria-hidden className="hidden gap-3 px-4 py-2 text-xs font-medium uppercase tracking-wide text-slate-500 md:grid md:grid-cols-[10rem_6.5rem_1fr_7rem_6.5rem_11rem]">
              <span>Number</span>
              <span>Date</span>
              <span>Period</span>
              <span className="text-right">Total</span>
              <span>Status</span>
              <span className="text-right">Document</span>
            </li>
            {rows.map((row) => {
              const payable = row.kind !== "credit_note" && (row.status === "open" || row.status === "uncollectible");
              return (
                <li
                  key={row.id}
                  data-invoice={row.number}
                  data-status={row.status}
                  className={`grid grid-cols-2 gap-x-3 gap-y-1 px-4 py-3 text-sm md:grid-cols-[10rem_6.5rem_1fr_7rem_6.5rem_11rem] md:items-center ${
                    payable ? "border-l-4 border-amber-400 bg-amber-50/60" : "border-l-4 border-transparent"
                  }`}
                >
                  <span className="font-medium text-slate-900">
                    {row.number}
                    {row.kind === "credit_note" ? (
                      <span className="block text-xs font-normal text-slate-500">Credit note{row.correctsNumber ? ` for ${row.correctsNumber}` : ""}</span>
                    ) : null}
                  </span>
                  <span className="text-right text-slate-700 md:text-left">{f.date(row.issuedAt)}</span>
                  <span className="col-span-2 text-slate-600 md:col-span-1">{period(row)}</span>
                  <span className="font-medium tabular-nums text-slate-900 md:text-right" data-total={row.grossTotal}>
                    {f.money(row.grossTotal)}
                  </span>
                  <span className="text-right md:text-left">
                    <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-semibold ${STATUS_STYLES[row.status]}`} data-testid="status">
                      {STATUS_LABELS[row.status]}
                    </span>
                  </span>
                  <span className="col-span-2 flex flex-wrap items-start gap-x-5 gap-y-1 md:col-span-1 md:justify-end">
                    <a
                      href={`/api/billing/invoices/${row.id}/pdf`}
                      download
                      className="inline-flex min-h-11 min-w-11 items-center justify-start text-sm text-indigo-700 underline md:justify-end"
                    >
                      PDF<span className="sr-only"> of {row.number}</span>
                    </a>
                    <ShareLinkForm invoiceId={row.id} number={row.number} />
                    {row.kind !== "credit_note" ? (
                      <span className="ml-auto md:ml-0 md:flex md:basis-full md:justify-end">
                        <PayNowForm invoiceId={row.id} number={row.number} payable={payable} />
                      </span>
                    ) : null}
                  </span>
                  {payable && row.paymentFailure ? (
                    <span className="col-span-2 text-xs text-red-800 md:col-span-6">Last payment failed: {row.paymentFailure}</span>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </main>
  );
}
