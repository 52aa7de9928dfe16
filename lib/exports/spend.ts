import { z } from "zod";
import type { Executor } from "@/db/client";
import { minorUnitsPerMajor } from "@/lib/money";
import { fail, ok, type Result } from "@/lib/result";
import { signFields, verifyFields } from "@/lib/security/link-signature";
import { zoneOffsetMs } from "@/lib/time";
import {
  type BillingPeriod,
  type Charge,
  getBillingPeriods,
  getCharges,
  getSpendBreakdown,
  lastDayOf,
  pickPeriod,
  type SpendRow,
} from "@/lib/usage/spend";
import { type SpendParams, validRowKey } from "@/lib/usage/spend-params";
import { csvStream, type CsvField, decimal } from "./csv-stream";
import { formatOffset, neutralize } from "./credit-movements";

/** An instant in ISO 8601 in the account's time zone, to the second: 2026-11-26T11:00:00+01:00. */
function localTime(instant: Date, timeZone: string): string {
  const seconds = Math.floor(instant.getTime() / 1000) * 1000;
  const offset = zoneOffsetMs(new Date(seconds), timeZone);
  return `${new Date(seconds + offset).toISOString().slice(0, 19)}${formatOffset(offset)}`;
}

/**
 * The spend breakdown as CSV: a period's rows by user, number, destination or category,
 * or, with `row`, that row's individual charges with their reasons, read in keyset pages
 * as the reader pulls (like the credit movements export). Same access: an admin's session,
 * or a signed link made by an admin.
 */

export interface SpendExportAccount {
  id: string;
  slug: string;
  currency: string;
  timeZone: string;
}

export interface SpendExport {
  params: SpendParams;
  period: BillingPeriod;
}

/** The period and row the parameters name, or what is wrong with them in words. */
export async function resolveSpendExport(db: Executor, account: SpendExportAccount, params: SpendParams): Promise<Result<SpendExport>> {
  const period = pickPeriod(await getBillingPeriods(db, account, params.period), params.period);
  if (!period) {
    return fail("invalid", params.period ? `There is no billing period starting on ${params.period}.` : "There is no billing period yet.");
  }
  if (params.row !== undefined && !validRowKey(params.by, params.row)) return fail("invalid", `row does not name a ${params.by}.`);
  return ok({ params, period });
}

const EXPORT_PAGE = 1_000;

async function* chargePages(db: Executor, account: SpendExportAccount, { params, period }: SpendExport) {
  let after: string | null = null;
  do {
    const page = await getCharges(db, account, params.by, params.row!, period, after, EXPORT_PAGE);
    if (page.charges.length > 0) yield page.charges;
    after = page.next;
  } while (after !== null);
}

async function* breakdownPage(db: Executor, account: SpendExportAccount, { params, period }: SpendExport) {
  const breakdown = await getSpendBreakdown(db, account, params.by, period, params.sort);
  if (breakdown.rows.length > 0) yield breakdown.rows;
}

function breakdownFields(account: SpendExportAccount, by: SpendParams["by"]): CsvField<SpendRow>[] {
  const perMajor = minorUnitsPerMajor(account.currency);
  return [
    { label: by, value: (row) => neutralize(row.key) },
    { label: "name", value: (row) => neutralize(row.name) },
    { label: "detail", value: (row) => neutralize(row.detail) },
    { label: "records", value: (row) => row.records },
    { label: "call_seconds", value: (row) => row.seconds },
    { label: "sms_fragments", value: (row) => row.fragments },
    { label: "amount", value: (row) => decimal(row.amount, perMajor) },
    { label: "currency", value: () => account.currency },
    { label: "share_percent", value: (row) => decimal(row.shareBasisPoints, 100) },
  ];
}

function chargeFields(account: SpendExportAccount): CsvField<Charge>[] {
  const perMajor = minorUnitsPerMajor(account.currency);
  return [
    { label: `started_at (${account.timeZone})`, value: (row) => localTime(row.startedAt, account.timeZone) },
    { label: "interaction_id", value: (row) => neutralize(row.externalId) },
    { label: "kind", value: (row) => (row.forwarded ? "forwarded_leg" : row.kind) },
    { label: "direction", value: (row) => row.direction },
    { label: "from", value: (row) => neutralize(row.from) },
    { label: "to", value: (row) => neutralize(row.to) },
    { label: "user", value: (row) => neutralize(row.user) },
    { label: "duration_seconds", value: (row) => row.durationSeconds },
    { label: "sms_fragments", value: (row) => row.fragments },
    { label: "category", value: (row) => row.category },
    { label: "amount", value: (row) => decimal(row.amount, perMajor) },
    { label: "currency", value: () => account.currency },
    { label: "reason", value: (row) => neutralize(row.reason) },
  ];
}

export function spendCsv(db: Executor, account: SpendExportAccount, target: SpendExport): ReadableStream<Uint8Array> {
  return target.params.row !== undefined
    ? csvStream(chargePages(db, account, target), chargeFields(account), false)
    : csvStream(breakdownPage(db, account, target), breakdownFields(account, target.params.by), false);
}

export function spendFileName(account: SpendExportAccount, { params, period }: SpendExport): string {
  const row = params.row !== undefined ? `-${(params.row || "none").replace(/[^A-Za-z0-9-]/g, "")}` : "";
  return `${account.slug}-spend-by-${params.by}${row}-${period.firstDay}-to-${lastDayOf(period)}.csv`;
}

/** Signed direct links, as for the credit movements, with a key of their own. */
const PURPOSE = "spend-export-links";

export interface SpendLinkClaims {
  accountId: string;
  creatorId: string;
  params: Pick<SpendParams, "by" | "sort" | "period" | "row">;
  /** Unix seconds. */
  expires: number;
}

function fields({ accountId, creatorId, params, expires }: SpendLinkClaims): string[] {
  return [accountId, creatorId, params.by, params.sort, params.period ?? "", params.row ?? "\u0000", String(expires)];
}

export function signSpendLink(claims: SpendLinkClaims, secret: string): string {
  return signFields(PURPOSE, fields(claims), secret);
}

export function verifySpendLink(claims: SpendLinkClaims, signature: string, secret: string, now = Date.now()): Result {
  return verifyFields(PURPOSE, fields(claims), claims.expires, signature, secret, now);
}

export function spendLinkQuery(claims: SpendLinkClaims, signature: string): string {
  const query = new URLSearchParams({ by: claims.params.by, sort: claims.params.sort });
  if (claims.params.period) query.set("period", claims.params.period);
  if (claims.params.row !== undefined) query.set("row", claims.params.row);
  query.set("account", claims.accountId);
  query.set("by_user", claims.creatorId);
  query.set("expires", String(claims.expires));
  query.set("sig", signature);
  return query.toString();
}

export const spendLinkSchema = z.object({
  account: z.uuid("account must be an account id"),
  by_user: z.uuid("by_user must be a user id"),
  expires: z.coerce.number().int().positive("expires must be a time"),
  sig: z.string().min(1).max(200),
});
