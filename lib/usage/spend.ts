import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import {
  accountNumberOf,
  invoices,
  phoneNumbers,
  subscriptions,
  usageDailyTotals,
  usageRecords,
  usageSpendDaily,
  usageSpendMonthly,
  users,
} from "@/db/schema";
import { pgArray } from "@/db/sql-array";
import { queryRows } from "@/db/typed-sql";
import { countryName } from "@/lib/format";
import { divideRounded } from "@/lib/money";
import { addDays, nextMonthStart, zonedDateString, zonedMidnight } from "@/lib/time";
import { getPlanCatalog, getPlanState, planAllows } from "@/lib/subscription/plan-catalog";
import { type CreditCalls, type PackageAdvice, packageAdvice } from "./package-advice";
import { storedReasonText } from "./reasons";
import { ADVICE_WINDOW_DAYS, CATEGORY_NAMES, type Category, CURSOR, DRILL_PAGE, type SpendSort, type SpendView } from "./spend-params";

/**
 * Where the money goes: a billing period's rated usage by user, by the account's number,
 * by destination country and by category, from the daily rollups (never the records), and
 * each row's individual records, newest first, a page at a time by a (started_at, id)
 * cursor. Days are the account's calendar days; a period runs from its first day to the
 * day before its end.
 */

export interface SpendAccount {
  id: string;
  timeZone: string;
}

export interface BillingPeriod {
  /** First day, "YYYY-MM-DD" in the account's time zone. */
  firstDay: string;
  /** The day after the last, "YYYY-MM-DD". */
  endDay: string;
  current: boolean;
}

/**
 * The current period (from the subscription) and the last `limit` closed ones (from their
 * invoices), newest first; and the period starting on `named` however old, when there is one.
 */
export async function getBillingPeriods(db: Executor, account: SpendAccount, named?: string, limit = 12): Promise<BillingPeriod[]> {
  const [current, closed] = await Promise.all([
    db
      .select({ start: subscriptions.currentPeriodStart, end: subscriptions.currentPeriodEnd })
      .from(subscriptions)
      .where(eq(subscriptions.accountId, account.id)),
    db
      .select({ start: invoices.periodStart, end: invoices.periodEnd })
      .from(invoices)
      .where(and(eq(invoices.accountId, account.id), eq(invoices.kind, "period")))
      .orderBy(desc(invoices.periodStart))
      .limit(limit),
  ]);
  const day = (instant: Date) => zonedDateString(instant, account.timeZone);
  const periods: BillingPeriod[] = current.map((p) => ({ firstDay: day(p.start), endDay: day(p.end), current: true }));
  if (named && /^\d{4}-\d{2}-\d{2}$/.test(named) && !periods.some((p) => p.firstDay === named) && !closed.some((p) => day(p.start) === named)) {
    const [y, m, d] = named.split("-").map(Number) as [number, number, number];
    const [ny, nm, nd] = addDays(named, 1).split("-").map(Number) as [number, number, number];
    const older = await db
      .select({ start: invoices.periodStart, end: invoices.periodEnd })
      .from(invoices)
      .where(
        and(
          eq(invoices.accountId, account.id),
          eq(invoices.kind, "period"),
          gte(invoices.periodStart, zonedMidnight(y, m, d, account.timeZone)),
          lt(invoices.periodStart, zonedMidnight(ny, nm, nd, account.timeZone)),
        ),
      )
      .limit(1);
    closed.push(...older);
  }
  for (const p of closed) {
    if (!p.start || !p.end || periods.some((known) => known.firstDay === day(p.start!))) continue;
    periods.push({ firstDay: day(p.start), endDay: day(p.end), current: false });
  }
  return periods.sort((a, b) => (a.firstDay < b.firstDay ? 1 : -1));
}

export interface SpendRow {
  /** The row's key in the query string: user id, number, country code or category; "" for none. */
  key: string;
  name: string;
  /** A second line: the user's email, the number's label. */
  detail: string | null;
  records: number;
  seconds: number;
  fragments: number;
  /** Minor units charged from credit. */
  amount: number;
  /** Share of the period's charged total, in basis points (1/100 of a percent). */
  shareBasisPoints: number;
}

export interface SpendBreakdown {
  rows: SpendRow[];
  total: { records: number; seconds: number; fragments: number; amount: number };
}

interface Totals {
  key: string;
  records: number;
  seconds: number;
  fragments: number;
  amount: number;
}

const sum = (column: Parameters<typeof sql>[1]) => sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);

async function totalsBy(db: Executor, account: SpendAccount, view: SpendView, period: BillingPeriod): Promise<Totals[]> {
  if (view === "category") {
    const t = usageDailyTotals;
    return db
      .select({
        key: sql<string>`${t.category}::text`,
        records: sum(t.records),
        seconds: sum(t.seconds),
        fragments: sum(t.fragments),
        amount: sum(t.amount),
      })
      .from(t)
      .where(and(eq(t.accountId, account.id), gte(t.day, period.firstDay), lt(t.day, period.endDay)))
      .groupBy(t.category);
  }
  return spendTotals(db, account, view, period);
}

/**
 * Totals per key of one dimension over [firstDay, endDay): the whole months inside from
 * the monthly rollup, the days before and after them from the daily one.
 */
async function spendTotals(
  db: Executor,
  account: SpendAccount,
  dimension: (typeof usageSpendDaily.dimension.enumValues)[number],
  { firstDay, endDay }: { firstDay: string; endDay: string },
): Promise<Totals[]> {
  const fullFrom = firstDay.endsWith("-01") ? firstDay : nextMonthStart(firstDay);
  const fullTo = `${endDay.slice(0, 7)}-01`;
  const d = usageSpendDaily;
  const m = usageSpendMonthly;
  const columns = (t: typeof d | typeof m) => sql`${t.key} as key, ${t.records} as records, ${t.seconds} as seconds, ${t.fragments} as fragments, ${t.amount} as amount`;
  const parts =
    fullFrom < fullTo
      ? sql`
        select ${columns(m)} from ${m}
        where ${m.accountId} = ${account.id} and ${m.dimension} = ${dimension} and ${m.month} >= ${fullFrom} and ${m.month} < ${fullTo}
        union all
        select ${columns(d)} from ${d}
        where ${d.accountId} = ${account.id} and ${d.dimension} = ${dimension}
          and ((${d.day} >= ${firstDay} and ${d.day} < ${fullFrom}) or (${d.day} >= ${fullTo} and ${d.day} < ${endDay}))`
      : sql`
        select ${columns(d)} from ${d}
        where ${d.accountId} = ${account.id} and ${d.dimension} = ${dimension} and ${d.day} >= ${firstDay} and ${d.day} < ${endDay}`;
  return queryRows(
    db,
    {
      key: sql<string>`key`,
      records: sql<number>`sum(records)`.mapWith(Number),
      seconds: sql<number>`sum(seconds)`.mapWith(Number),
      fragments: sql<number>`sum(fragments)`.mapWith(Number),
      amount: sql<number>`sum(amount)`.mapWith(Number),
    },
    sql`from (${parts}) as spend group by key`,
  );
}

/** Names for the keys of a breakdown: users' names, numbers' labels, countries' names. */
async function namesOf(db: Executor, account: SpendAccount, view: SpendView, keys: string[]) {
  const names = new Map<string, { name: string; detail: string | null }>();
  if (view === "user") {
    const ids = keys.filter((k) => k !== "");
    const rows = ids.length
      ? await db
          .select({ id: users.id, name: users.name, email: users.email })
          .from(users)
          .where(and(eq(users.accountId, account.id), sql`${users.id} = any(${pgArray(ids)}::uuid[])`))
      : [];
    for (const r of rows) names.set(r.id, { name: r.name, detail: r.email });
    names.set("", { name: "No user", detail: "records that name no user" });
  } else if (view === "number") {
    const rows = keys.length
      ? await db
          .selectDistinctOn([phoneNumbers.e164], { e164: phoneNumbers.e164, label: phoneNumbers.label, type: phoneNumbers.type })
          .from(phoneNumbers)
          .where(and(eq(phoneNumbers.accountId, account.id), sql`${phoneNumbers.e164} = any(${pgArray(keys)}::text[])`))
          .orderBy(phoneNumbers.e164, desc(phoneNumbers.acquiredAt))
      : [];
    for (const r of rows) names.set(r.e164, { name: r.e164, detail: r.label ?? r.type.replace("_", "-") });
  } else if (view === "country") {
    for (const key of keys) names.set(key, { name: key ? countryName(key) : "No destination", detail: key || null });
  } else {
    for (const key of keys) names.set(key, { name: CATEGORY_NAMES[key as Category] ?? key, detail: null });
  }
  return names;
}

/** Share of the total in basis points, rounded half away from zero (integers only). */
export function shareBasisPoints(amount: number, total: number): number {
  return total > 0 ? divideRounded(amount * 10_000, total) : 0;
}

function sortRows(rows: SpendRow[], sort: SpendSort): SpendRow[] {
  const byName = (a: SpendRow, b: SpendRow) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key);
  const minutes = (r: SpendRow) => r.seconds + r.fragments;
  switch (sort) {
    case "amount":
      return rows.sort((a, b) => b.amount - a.amount || byName(a, b));
    case "minutes":
      return rows.sort((a, b) => minutes(b) - minutes(a) || byName(a, b));
    case "name":
      return rows.sort(byName);
  }
}

/** The period's usage by one dimension, with shares of what was charged from credit. */
export async function getSpendBreakdown(
  db: Executor,
  account: SpendAccount,
  view: SpendView,
  period: BillingPeriod,
  sort: SpendSort,
): Promise<SpendBreakdown> {
  const totals = (await totalsBy(db, account, view, period)).filter((t) => t.records > 0);
  const names = await namesOf(db, account, view, totals.map((t) => t.key));
  const total = totals.reduce(
    (acc, t) => ({
      records: acc.records + t.records,
      seconds: acc.seconds + t.seconds,
      fragments: acc.fragments + t.fragments,
      amount: acc.amount + t.amount,
    }),
    { records: 0, seconds: 0, fragments: 0, amount: 0 },
  );
  const rows = totals.map((t) => ({
    ...t,
    name: names.get(t.key)?.name ?? t.key,
    detail: names.get(t.key)?.detail ?? null,
    shareBasisPoints: shareBasisPoints(t.amount, total.amount),
  }));
  return { rows: sortRows(rows, sort), total };
}

export interface Charge {
  id: string;
  /** The platform's id of the call or SMS. */
  externalId: string;
  startedAt: Date;
  kind: "call" | "sms";
  direction: "outbound" | "inbound";
  forwarded: boolean;
  from: string;
  to: string;
  durationSeconds: number | null;
  fragments: number | null;
  amount: number;
  category: Category;
  user: string | null;
  reason: string;
}

export interface ChargePage {
  charges: Charge[];
  /** The cursor of the next page (older records), or null on the last page. */
  next: string | null;
}

/** The instants a period's calendar days span, in the account's time zone. */
export function periodInstants(period: BillingPeriod, timeZone: string): { start: Date; end: Date } {
  const at = (day: string) => {
    const [y, m, d] = day.split("-").map(Number) as [number, number, number];
    return zonedMidnight(y, m, d, timeZone);
  };
  return { start: at(period.firstDay), end: at(period.endDay) };
}

function rowFilter(view: SpendView, key: string) {
  const u = usageRecords;
  switch (view) {
    case "user":
      return key === "" ? sql`${u.userId} is null` : sql`${u.userId} = ${key}::uuid`;
    case "number":
      return sql`${accountNumberOf(u)} = ${key}`;
    case "country":
      return key === "" ? sql`${u.destinationCountry} is null` : sql`${u.destinationCountry} = ${key}`;
    case "category":
      return sql`${u.category} = ${key}::usage_category`;
  }
}

/**
 * One page of a row's records, newest first. The cursor is the last record's (started_at,
 * id): records inserted meanwhile never shift a page (a new record is either before the
 * cursor, on an earlier page, or after it, where it belongs), so none is shown twice or
 * skipped. Each dimension has an index on (account, dimension, started_at, id).
 */
export async function getCharges(
  db: Executor,
  account: SpendAccount,
  view: SpendView,
  key: string,
  period: BillingPeriod,
  after: string | null,
  limit = DRILL_PAGE,
): Promise<ChargePage> {
  const u = usageRecords;
  const { start, end } = periodInstants(period, account.timeZone);
  const cursor = after ? CURSOR.exec(after) : null;
  const rows = await queryRows(
    db,
    {
      id: u.id,
      externalId: u.externalId,
      micros: sql<string>`(extract(epoch from ${u.startedAt}) * 1000000)::bigint::text`,
      kind: u.kind,
      direction: u.direction,
      forwarded: u.forwarded,
      from: u.fromNumber,
      to: u.toNumber,
      durationSeconds: u.durationSeconds,
      fragments: u.fragments,
      amount: u.amount,
      category: u.category,
      user: sql<string | null>`${users.name}`,
      ratingReason: u.ratingReason,
      ratingReasonParams: u.ratingReasonParams,
    },
    sql`
      from ${u}
      left join ${users} on ${users.id} = ${u.userId} and ${users.accountId} = ${u.accountId}
      where ${u.accountId} = ${account.id}
        and ${rowFilter(view, key)}
        and ${u.startedAt} >= ${start.toISOString()}::timestamptz
        and ${u.startedAt} < ${end.toISOString()}::timestamptz
        ${
          // The period's bounds stay: a cursor from elsewhere (or made up) never reaches past them.
          cursor
            ? sql`and (${u.startedAt}, ${u.id}) < (timestamptz 'epoch' + ${cursor[1]}::bigint * interval '1 microsecond', ${cursor[2]}::uuid)`
            : sql``
        }
      order by ${u.startedAt} desc, ${u.id} desc
      limit ${limit + 1}`,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    charges: page.map((r) => ({
      id: r.id,
      externalId: r.externalId,
      startedAt: new Date(Number(BigInt(r.micros) / 1000n)),
      kind: r.kind,
      direction: r.direction,
      forwarded: r.forwarded,
      from: r.from,
      to: r.to,
      durationSeconds: r.durationSeconds,
      fragments: r.fragments,
      amount: r.amount,
      category: r.category,
      user: r.user,
      reason: storedReasonText(r.ratingReason, r.ratingReasonParams),
    })),
    next: rows.length > limit && last ? `${last.micros}~${last.id}` : null,
  };
}

/** The period a query string names: the one starting on `firstDay`, else the current one (or the latest). */
export function pickPeriod(periods: BillingPeriod[], firstDay: string | undefined): BillingPeriod | null {
  if (firstDay === undefined) return periods.find((p) => p.current) ?? periods[0] ?? null;
  return periods.find((p) => p.firstDay === firstDay) ?? null;
}

/** The last day of a period, for "1 Nov – 30 Nov". */
export function lastDayOf(period: BillingPeriod): string {
  return addDays(period.endDay, -1);
}

/**
 * Calls charged from credit over the last 30 days (the account's calendar days, today
 * included) that a calling package could include, per user, calling number's country and
 * destination country: the `package_fit` rows of the spend rollup.
 */
export async function getCreditCallsForAdvice(db: Executor, account: SpendAccount, now = new Date()): Promise<CreditCalls[]> {
  const today = zonedDateString(now, account.timeZone);
  const rows = await spendTotals(db, account, "package_fit", { firstDay: addDays(today, -(ADVICE_WINDOW_DAYS - 1)), endDay: addDays(today, 1) });
  return rows.map(({ key, seconds, amount }) => {
    const [userId, fromCountry, destinationCountry] = key.split("|") as [string, string, string];
    return { userId, fromCountry, destinationCountry, seconds, amount };
  });
}

/** Whether a package would have cost less than credit over the last 30 days, for this account's plan. */
export async function getPackageAdvice(
  db: Executor,
  account: SpendAccount & { country: string; currency: string },
  now = new Date(),
): Promise<PackageAdvice | null> {
  const state = await getPlanState(db, account.id, now);
  if (!state) return null;
  const [calls, catalog] = await Promise.all([
    getCreditCallsForAdvice(db, account, now),
    getPlanCatalog(db, account.currency, state.plan.code),
  ]);
  return packageAdvice({
    accountCountry: account.country,
    calls,
    offers: catalog.packages,
    held: state.packages.map((p) => p.package.code),
    allows: (code) => planAllows(state.plan, code),
    seats: state.subscription.seatsPurchased,
  });
}
