import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { invoiceNumberCounters } from "@/db/schema";
import { zonedParts } from "@/lib/time";

/**
 * Invoice numbers: one series per issuer, kind of document and year, e.g. INV-2026-000123
 * and CN-2026-000001, with no gaps and no duplicates.
 *
 * Not a Postgres sequence: a sequence's value is spent even when the transaction that took
 * it rolls back, which leaves gaps. The counter row is incremented inside the issuing
 * transaction; the increment locks the row (as SELECT ... FOR UPDATE would) until that
 * transaction ends, so concurrent issuers wait their turn, and a rollback gives the
 * number back.
 */

export type Series = "INV" | "CN";

/** The year of a document's number: the year of its issue date, as printed (in the account's time zone). */
export function numberYear(issuedAt: Date, timeZone: string): number {
  return zonedParts(issuedAt, timeZone).year;
}

export function formatNumber(series: Series, year: number, value: number): string {
  return `${series}-${year}-${String(value).padStart(6, "0")}`;
}

/** Takes the next number of the series, in the caller's (issuing) transaction. */
export async function nextNumber(tx: Executor, issuer: string, series: Series, issuedAt: Date, timeZone: string): Promise<string> {
  const year = numberYear(issuedAt, timeZone);
  const [row] = await tx
    .insert(invoiceNumberCounters)
    .values({ issuer, series, year, lastValue: 1 })
    .onConflictDoUpdate({
      target: [invoiceNumberCounters.issuer, invoiceNumberCounters.series, invoiceNumberCounters.year],
      set: { lastValue: sql`${invoiceNumberCounters.lastValue} + 1` },
    })
    .returning({ lastValue: invoiceNumberCounters.lastValue });
  if (!row) throw new Error(`no number for ${issuer} ${series} ${year}`);
  return formatNumber(series, year, row.lastValue);
}
