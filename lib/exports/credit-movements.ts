import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows, type RowOf } from "@/db/typed-sql";
import { creditMovements, movementType, usageRecords, users } from "@/db/schema";
import { minorUnitsPerMajor } from "@/lib/money";
import { addDays, daysBetween, zoneOffsetMs, zonedMidnight } from "@/lib/time";
import { storedReasonText } from "@/lib/usage/reasons";
import { csvStream, decimal } from "./csv-stream";
import { MAX_RANGE_DAYS, validDate } from "./range";

/**
 * The credit movements CSV: read in keyset pages (account, time, id) as the reader pulls,
 * formatted by @json2csv/node, RFC 4180 quoting, formula-looking cells neutralized.
 */

const emptyAsUnset = (value: unknown) => (value === "" ? undefined : value);

export const exportParamsSchema = z
  .object({
    from: z.string({ message: "from must be a date as YYYY-MM-DD" }).refine(validDate, "from must be a date as YYYY-MM-DD"),
    to: z.string({ message: "to must be a date as YYYY-MM-DD" }).refine(validDate, "to must be a date as YYYY-MM-DD"),
    type: z.preprocess(
      emptyAsUnset,
      z.enum(movementType.enumValues, { message: `type must be one of ${movementType.enumValues.join(", ")}` }).optional(),
    ),
    bom: z.preprocess(emptyAsUnset, z.enum(["1", "0", "true", "false"], { message: "bom must be 1 or 0" }).optional()),
  })
  .refine((p) => !validDate(p.from) || !validDate(p.to) || p.from <= p.to, { message: "from must not be after to", path: ["from"] })
  .refine((p) => !validDate(p.from) || !validDate(p.to) || daysBetween(p.from, p.to) <= MAX_RANGE_DAYS, {
    message: "the range may be at most 5 years",
    path: ["to"],
  });

export type ExportParams = z.output<typeof exportParamsSchema>;

/** OWASP: a cell starting with = + - @ tab or CR is prefixed with ' so it is not a formula. */
export function neutralize(value: string | null): string | null {
  if (value === null) return null;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export interface ExportAccount {
  id: string;
  slug: string;
  currency: string;
  timeZone: string;
}

/** The first page is small so the first bytes leave at once; the rest are larger. */
const FIRST_PAGE = 100;
const PAGE = 1_000;

/**
 * A movement as the export reads it: numbers as Postgres sends them (text), no Date
 * parsing. Numbers come as text because the pg driver checks 64-bit integers with a
 * regular expression, a cost per cell; the cursor keeps the exact timestamp as text,
 * since a Date would drop the microseconds.
 */
const m = creditMovements;
const movementColumns = {
  id: sql<string>`${m.id}::text`,
  /** Milliseconds since the epoch (the export writes whole seconds). */
  at_ms: sql<string>`floor(extract(epoch from ${m.occurredAt}) * 1000)::text`,
  cursor_at: sql<string>`${m.occurredAt}::text`,
  interaction_id: sql<string | null>`${m.interactionId}`,
  type: sql<string>`${m.type}::text`,
  description: sql<string>`${m.description}`,
  destination: sql<string | null>`${m.destination}`,
  units: sql<number | null>`${m.units}`,
  unit_type: sql<string | null>`${m.unitType}::text`,
  rate_micros: sql<string | null>`${m.rateMicros}::text`,
  amount: sql<string>`${m.amount}::text`,
  balance_after: sql<string>`${m.balanceAfter}::text`,
  user: sql<string | null>`coalesce(${users.email}, ${m.actor})`,
  reason_code: sql<string | null>`${usageRecords.ratingReason}`,
  reason_params: sql<unknown>`${usageRecords.ratingReasonParams}`,
};
type MovementRow = RowOf<typeof movementColumns>;

/**
 * Rows of the range, a page at a time. The next page is asked for as soon as a page
 * arrives, so Postgres reads it while the reader formats this one; when the reader stops,
 * the page already asked for is the last.
 */
async function* movementPages(db: Executor, account: ExportAccount, params: ExportParams) {
  const [fy, fm, fd] = params.from.split("-").map(Number) as [number, number, number];
  const [ty, tm, td] = addDays(params.to, 1).split("-").map(Number) as [number, number, number];
  const start = zonedMidnight(fy, fm, fd, account.timeZone).toISOString();
  const end = zonedMidnight(ty, tm, td, account.timeZone).toISOString();
  const page = (after: { at: string; id: string } | null, limit: number) =>
    queryRows(
      db,
      movementColumns,
      sql`
      from ${m}
      left join ${users} on ${users.accountId} = ${m.accountId} and ${users.id} = ${m.actorUserId}
      left join ${usageRecords} on ${m.type} in ('call', 'sms', 'forwarded_leg', 'toll_free_inbound')
        and ${usageRecords.accountId} = ${m.accountId} and ${usageRecords.startedAt} = ${m.occurredAt}
        and ${usageRecords.externalId} = ${m.interactionId}
      where ${m.accountId} = ${account.id}
        and ${m.occurredAt} < ${end}::timestamptz
        ${
          // After the first page the cursor is the lower bound. Postgres seeks the index to
          // it only when it is the one bound on (time, id): with a second lower bound on the
          // time (or the whole key in the row) it scans from the range's start every page.
          after
            ? sql`and (${m.occurredAt}, ${m.id}) > (${after.at}::timestamptz, ${after.id}::bigint)`
            : sql`and ${m.occurredAt} >= ${start}::timestamptz`
        }
        ${params.type ? sql`and ${m.type} = ${params.type}` : sql``}
      order by ${m.occurredAt}, ${m.id}
      limit ${limit}`,
    );
  // A page read ahead may fail before the reader asks for it: mark its failure handled
  // now (it is still thrown where the page is awaited).
  const ahead = (promise: Promise<MovementRow[]>) => {
    promise.catch(() => undefined);
    return promise;
  };
  let limit = FIRST_PAGE;
  let pending: Promise<MovementRow[]> | null = ahead(page(null, limit));
  try {
    for (;;) {
      const rows: MovementRow[] = await pending;
      pending = null;
      if (rows.length < limit) {
        if (rows.length > 0) yield rows;
        return;
      }
      const last = rows[rows.length - 1]!;
      limit = PAGE;
      pending = ahead(page({ at: last.cursor_at, id: String(last.id) }, limit));
      yield rows;
    }
  } finally {
    // A reader that stopped early leaves one page in flight: let it finish (its rows are
    // dropped) so its connection is back in the pool when the export ends.
    await pending?.catch(() => undefined);
  }
}

/**
 * The zone's offset at an instant, worked out once per UTC day: when the offset is the
 * same at both ends of the day, it holds all day (zones change at most once a day);
 * otherwise, on the day of a change, per instant.
 */
function offsetFinder(timeZone: string) {
  const days = new Map<number, number | null>();
  return (ms: number): number => {
    const day = Math.floor(ms / 86_400_000);
    let offset = days.get(day);
    if (offset === undefined) {
      const start = zoneOffsetMs(new Date(day * 86_400_000), timeZone);
      const end = zoneOffsetMs(new Date((day + 1) * 86_400_000 - 1000), timeZone);
      offset = start === end ? start : null;
      days.set(day, offset);
    }
    return offset ?? zoneOffsetMs(new Date(ms), timeZone);
  };
}

/** A zone offset in ISO 8601: +01:00. */
export function formatOffset(offset: number): string {
  const sign = offset < 0 ? "-" : "+";
  const minutes = Math.abs(offset) / 60_000;
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * The columns, each reading the row as Postgres sent it. No object is built per row: json2csv
 * calls these per cell. Text cells are neutralized; amounts and rates are Decimals, which
 * the object formatter writes unquoted; an absent value (null) is an empty cell.
 */
function csvFields(account: ExportAccount) {
  const perMajor = minorUnitsPerMajor(account.currency);
  const offsetAt = offsetFinder(account.timeZone);
  // Local calendar days as text, once per day; the time of day by arithmetic.
  const dayTexts = new Map<number, string>();
  const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  const localText = (localMs: number) => {
    const day = Math.floor(localMs / 86_400_000);
    let date = dayTexts.get(day);
    if (date === undefined) {
      date = new Date(day * 86_400_000).toISOString().slice(0, 10);
      dayTexts.set(day, date);
    }
    const seconds = Math.floor((localMs - day * 86_400_000) / 1000);
    return `${date}T${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
  };
  const dateTime = (row: MovementRow) => {
    const ms = Number(row.at_ms);
    const offset = offsetAt(ms);
    return `${localText(Math.floor(ms / 1000) * 1000 + offset)}${formatOffset(offset)}`;
  };
  const field = (label: string, value: (row: MovementRow) => unknown) => ({ label, value });
  return [
    field(`date_time (${account.timeZone})`, dateTime),
    field("movement_id", (row) => Number(row.id)),
    field("interaction_id", (row) => neutralize(row.interaction_id)),
    field("type", (row) => row.type),
    field("description", (row) => neutralize(row.description)),
    field("destination", (row) => neutralize(row.destination)),
    field("units", (row) => row.units),
    field("unit_type", (row) => row.unit_type),
    // Rates are micros of the major unit per minute or per fragment.
    field("rate", (row) => (row.rate_micros === null ? null : decimal(Number(row.rate_micros), 1_000_000))),
    field("amount", (row) => decimal(Number(row.amount), perMajor)),
    field("currency", () => account.currency),
    field("balance_after", (row) => decimal(Number(row.balance_after), perMajor)),
    field("user", (row) => neutralize(row.user)),
    // Why a usage charge was made, as rated; empty for top-ups, adjustments and refunds.
    field("reason", (row) => (row.reason_code === null ? null : neutralize(storedReasonText(row.reason_code, row.reason_params)))),
  ];
}

/** The credit movements of the range as CSV, a pull-based web stream (`csvStream`). */
export function creditMovementsCsv(db: Executor, account: ExportAccount, params: ExportParams): ReadableStream<Uint8Array> {
  return csvStream(movementPages(db, account, params), csvFields(account), params.bom === "1" || params.bom === "true");
}

export function exportFileName(account: ExportAccount, params: ExportParams): string {
  return `${account.slug}-credit-movements-${params.from}-to-${params.to}${params.type ? `-${params.type}` : ""}.csv`;
}
