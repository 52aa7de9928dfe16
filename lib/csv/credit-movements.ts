import { Readable } from "node:stream";
import { Transform as Json2CsvTransform } from "@json2csv/node";
import { and, asc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { creditMovements, movementType, users } from "@/db/schema";
import { minorUnitsPerMajor } from "@/lib/money";
import { addDays, daysBetween, zoneOffsetMs, zonedMidnight } from "@/lib/time";

/**
 * The credit movements CSV: read in keyset pages (account, time, id) as the reader pulls,
 * formatted by @json2csv/node, RFC 4180 quoting, formula-looking cells neutralized.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (value: string) => {
  if (!DATE.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
};
export const MAX_RANGE_DAYS = 5 * 366;
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

/** A decimal written as is (never through a float), unquoted so spreadsheets read a number. */
class Decimal {
  constructor(readonly text: string) {}
}

function decimal(units: number, scale: number): Decimal {
  const negative = units < 0;
  const abs = Math.abs(units);
  const digits = Math.round(Math.log10(scale));
  const whole = Math.floor(abs / scale);
  const fraction = String(abs % scale).padStart(digits, "0");
  return new Decimal(`${negative ? "-" : ""}${whole}${digits > 0 ? `.${fraction}` : ""}`);
}

/** OWASP: a cell starting with = + - @ tab or CR is prefixed with ' so it is not a formula. */
export function neutralize(value: string | null): string | null {
  if (value === null) return null;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** ISO 8601 with the account zone's offset, e.g. 2026-03-29T03:10:00+02:00. */
export function isoInZone(instant: Date, timeZone: string): string {
  const offset = zoneOffsetMs(instant, timeZone);
  const local = new Date(Math.floor(instant.getTime() / 1000) * 1000 + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const minutes = Math.abs(offset) / 60_000;
  return `${local}${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export interface ExportAccount {
  id: string;
  slug: string;
  currency: string;
  timeZone: string;
}

const PAGE = 2_000;

/** Rows of the range, a page at a time; stops querying as soon as the reader stops. */
export async function* movementPages(db: Executor, account: ExportAccount, params: ExportParams) {
  const [fy, fm, fd] = params.from.split("-").map(Number) as [number, number, number];
  const [ty, tm, td] = addDays(params.to, 1).split("-").map(Number) as [number, number, number];
  const start = zonedMidnight(fy, fm, fd, account.timeZone);
  const end = zonedMidnight(ty, tm, td, account.timeZone);
  // The cursor keeps the exact timestamp as text: a Date would drop the microseconds.
  let after: { at: string; id: number } | null = null;
  for (;;) {
    const conditions: (SQL | undefined)[] = [
      eq(creditMovements.accountId, account.id),
      gte(creditMovements.occurredAt, start),
      lt(creditMovements.occurredAt, end),
      params.type ? eq(creditMovements.type, params.type) : undefined,
      after
        ? // The whole index key in the row comparison, so Postgres seeks instead of rescanning.
          sql`(${creditMovements.accountId}, ${creditMovements.occurredAt}, ${creditMovements.id}) > (${account.id}::uuid, ${after.at}::timestamptz, ${after.id})`
        : undefined,
    ];
    const rows = await db
      .select({
        id: creditMovements.id,
        occurredAt: creditMovements.occurredAt,
        interactionId: creditMovements.interactionId,
        type: creditMovements.type,
        description: creditMovements.description,
        destination: creditMovements.destination,
        units: creditMovements.units,
        unitType: creditMovements.unitType,
        rateMicros: creditMovements.rateMicros,
        amount: creditMovements.amount,
        balanceAfter: creditMovements.balanceAfter,
        user: users.email,
        actor: creditMovements.actor,
        cursorAt: sql<string>`${creditMovements.occurredAt}::text`,
      })
      .from(creditMovements)
      .leftJoin(users, eq(users.id, creditMovements.actorUserId))
      .where(and(...conditions))
      .orderBy(asc(creditMovements.occurredAt), asc(creditMovements.id))
      .limit(PAGE);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.cursorAt, id: last.id };
  }
}

export function csvColumns(timeZone: string) {
  return [
    { label: `date_time (${timeZone})`, value: "dateTime" },
    { label: "movement_id", value: "movementId" },
    { label: "interaction_id", value: "interactionId" },
    { label: "type", value: "type" },
    { label: "description", value: "description" },
    { label: "destination", value: "destination" },
    { label: "units", value: "units" },
    { label: "unit_type", value: "unitType" },
    { label: "rate", value: "rate" },
    { label: "amount", value: "amount" },
    { label: "currency", value: "currency" },
    { label: "balance_after", value: "balanceAfter" },
    { label: "user", value: "user" },
  ];
}

type MovementRow = Awaited<ReturnType<typeof movementPages> extends AsyncGenerator<infer P> ? P : never>[number];

function toCsvRecord(row: MovementRow, account: ExportAccount) {
  const perMajor = minorUnitsPerMajor(account.currency);
  return {
    dateTime: isoInZone(row.occurredAt, account.timeZone),
    movementId: row.id,
    interactionId: neutralize(row.interactionId),
    type: row.type,
    description: neutralize(row.description),
    destination: neutralize(row.destination),
    units: row.units,
    unitType: row.unitType,
    // Rates are micros of the major unit per minute or per fragment.
    rate: row.rateMicros === null ? null : decimal(row.rateMicros, 1_000_000),
    amount: decimal(row.amount, perMajor),
    currency: account.currency,
    balanceAfter: decimal(row.balanceAfter, perMajor),
    user: neutralize(row.user ?? row.actor),
  };
}

/**
 * The CSV as a pull-based web stream: the first page is queried when the reader first
 * pulls, each next page when it wants more; cancelling stops the queries.
 */
export function creditMovementsCsv(db: Executor, account: ExportAccount, params: ExportParams): ReadableStream<Uint8Array> {
  const pages = movementPages(db, account, params);
  async function* records() {
    for await (const page of pages) {
      for (const row of page) yield toCsvRecord(row, account);
    }
  }
  const source = Readable.from(records(), { objectMode: true, highWaterMark: 256 });
  const transform = new Json2CsvTransform(
    {
      fields: csvColumns(account.timeZone),
      withBOM: params.bom === "1" || params.bom === "true",
      eol: "\r\n",
      formatters: {
        object: (value: object) => (value instanceof Decimal ? value.text : JSON.stringify(value)),
      },
    },
    {},
    { objectMode: true },
  );
  const node = source.pipe(transform);
  source.on("error", (error) => transform.destroy(error));
  // A reader that goes away destroys the transform; stop reading pages with it.
  transform.on("close", () => source.destroy());
  // json2csv pushes text; the response wants bytes.
  return (Readable.toWeb(node) as unknown as ReadableStream<string>).pipeThrough(new TextEncoderStream());
}

export function exportFileName(account: ExportAccount, params: ExportParams): string {
  return `${account.slug}-credit-movements-${params.from}-to-${params.to}${params.type ? `-${params.type}` : ""}.csv`;
}
