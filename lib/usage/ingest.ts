import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Executor, Transaction } from "@/db/client";
import { pgArray } from "@/db/sql-array";
import { minorToDecimal } from "@/lib/money";
import { zonedMonthStart } from "@/lib/time";
import { type HeldNumber, heldAt, notOwnNumber, ownSide } from "./ownership";
import { billableSeconds, type BundleState, type PackageRule, type Rated, rateUsage, type RatingState, usageKey } from "./rating";
import { rateTables } from "./tables";

/**
 * Usage ingestion: a batch of call and SMS records from the telephony platform, each
 * checked on its own, rated exactly once (the platform's id per account is the key) and
 * charged through the ledger, all accepted records of a batch in one transaction.
 */

export const MAX_RECORDS = 1_000;
/** A record may arrive late, but not later than this: older periods are closed. */
export const MAX_AGE_DAYS = 35;
/** Clocks differ a little: a start this far ahead of ours is still accepted. */
export const CLOCK_SKEW_MS = 5 * 60_000;
export const MAX_CALL_SECONDS = 24 * 3600;

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, "must be an E.164 number such as +4930123456");
const baseRecord = {
  // Printable ASCII only: an id is a key in our tables and in the platform's logs.
  id: z
    .string()
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
  account: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "must be an account slug"),
  direction: z.enum(["outbound", "inbound"]),
  from: e164,
  to: e164,
  startedAt: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with an offset, e.g. 2026-11-26T10:00:00Z" }),
  forwarded: z.boolean().default(false),
  user: z.email("must be an email address").max(320).nullish(),
};

export const usageRecordSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({
      ...baseRecord,
      kind: z.literal("call"),
      durationSeconds: z
        .number({ message: "must be a whole number of seconds" })
        .int("must be a whole number of seconds")
        .min(0, "must not be negative")
        .max(MAX_CALL_SECONDS, `must be at most ${MAX_CALL_SECONDS} seconds`),
    }),
    z.object({
      ...baseRecord,
      kind: z.literal("sms"),
      fragments: z
        .number({ message: "must be a whole number of fragments" })
        .int("must be a whole number of fragments")
        .min(1, "must be at least 1")
        .max(255, "must be at most 255"),
    }),
  ],
  { message: "kind must be call or sms" },
);
export type UsageRecordInput = z.output<typeof usageRecordSchema>;

/** The body as a whole: an object with 1 to 1,000 records (each checked on its own). */
export const usageBatchSchema = z.object(
  {
    records: z
      .array(z.unknown(), { message: "records must be an array" })
      .min(1, "records must not be empty")
      .max(MAX_RECORDS, `a batch holds at most ${MAX_RECORDS} records`),
  },
  { message: "the body must be a JSON object with a records array" },
);

export interface UsageResult {
  id: string | null;
  status: "rated" | "duplicate" | "rejected";
  /** Charged from credit, decimal in the account currency ("0.00" when included). */
  amount: string | null;
  currency: string | null;
  /** The package that included the call, if one did. */
  covered: string | null;
  category?: string;
  reason: string;
}

interface AccountRow {
  id: string;
  slug: string;
  country: string;
  currency: string;
  time_zone: string;
  rate_card_id: string | null;
}

/** An account, and one period in which it held one of the batch's numbers (null columns: none). */
interface AccountNumberRow extends AccountRow {
  e164: string | null;
  number_country: string | null;
  acquired_ms: number | string | null;
  released_ms: number | string | null;
}

interface Accepted {
  index: number;
  record: UsageRecordInput;
  account: AccountRow;
  startedAt: Date;
  userId: string | null;
  month: string;
  /** Country of the account's number an outbound call comes from (null for inbound records). */
  fromCountry: string | null;
}

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

const issueText = (error: z.ZodError) =>
  error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join(".")} ${issue.message}` : issue.message))
    .join("; ");

export interface IngestOptions {
  now?: Date;
  /** Called in the transaction for each automatic top-up the debits triggered. */
  onAutoTopUp?: (tx: Transaction, attemptId: string) => Promise<void>;
}

/** Checks, rates and charges a batch; one result per record, in order. */
export async function ingestUsage(db: Database, records: unknown[], options: IngestOptions = {}): Promise<UsageResult[]> {
  const now = options.now ?? new Date();
  const results: UsageResult[] = new Array(records.length);
  // Well-formed records; a time out of range is a problem unless the record was rated before.
  const parsed: { index: number; record: UsageRecordInput; problem: string | null }[] = [];

  records.forEach((raw, index) => {
    const id = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : null;
    const check = usageRecordSchema.safeParse(raw);
    if (!check.success) {
      results[index] = rejected(id, issueText(check.error));
      return;
    }
    const startedAt = Date.parse(check.data.startedAt);
    const problem =
      startedAt > now.getTime() + CLOCK_SKEW_MS
        ? "startedAt is in the future"
        : startedAt < now.getTime() - MAX_AGE_DAYS * 86_400_000
          ? `startedAt is more than ${MAX_AGE_DAYS} days ago: too old to rate`
          : null;
    parsed.push({ index, record: check.data, problem });
  });
  if (parsed.length === 0) return results;

  // Accounts by slug (with the rate card: the subscription's, else the currency's standard),
  // and in the same read, when each held the numbers the batch's records name as theirs.
  const slugs = [...new Set(parsed.map((p) => p.record.account))];
  const pairs = new Map<string, [string, string]>();
  for (const { record } of parsed) {
    const number = record[ownSide(record)];
    pairs.set(`${record.account}|${number}`, [record.account, number]);
  }
  const rows = rowsOf<AccountNumberRow>(
    await db.execute(sql`
      with wanted (slug, e164) as (
        select * from unnest(${pgArray([...pairs.values()].map(([slug]) => slug))}::text[],
                             ${pgArray([...pairs.values()].map(([, number]) => number))}::text[]))
      select a.id, a.slug, a.country, a.currency, a.time_zone,
             coalesce(s.rate_card_id, (select c.id from rate_cards c where c.currency = a.currency order by c.code limit 1)) as rate_card_id,
             n.e164, n.country as number_country,
             (extract(epoch from n.acquired_at) * 1000)::float8 as acquired_ms,
             (extract(epoch from n.released_at) * 1000)::float8 as released_ms
      from accounts a
      left join subscriptions s on s.account_id = a.id
      left join wanted w on w.slug = a.slug
      left join phone_numbers n on n.account_id = a.id and n.e164 = w.e164
      where a.slug = any(${pgArray(slugs)}::text[])`),
  );
  const accountsBySlug = new Map<string, AccountRow>();
  const heldNumbers = new Map<string, HeldNumber[]>();
  for (const row of rows) {
    if (!accountsBySlug.has(row.slug)) {
      const { id, slug, country, currency, time_zone, rate_card_id } = row;
      accountsBySlug.set(slug, { id, slug, country, currency, time_zone, rate_card_id });
    }
    if (row.e164 === null) continue;
    const key = `${row.id}|${row.e164}`;
    const periods = heldNumbers.get(key) ?? [];
    periods.push({
      country: row.number_country!,
      acquiredAt: Number(row.acquired_ms),
      releasedAt: row.released_ms === null ? null : Number(row.released_ms),
    });
    heldNumbers.set(key, periods);
  }
  const accountRows = [...accountsBySlug.values()];

  // Users by email, within their own account only.
  const emails = [...new Set(parsed.flatMap((p) => (p.record.user ? [p.record.user.toLowerCase()] : [])))];
  const userIds = new Map<string, string>();
  if (emails.length > 0 && accountRows.length > 0) {
    const userRows = rowsOf<{ id: string; account_id: string; email: string }>(
      await db.execute(sql`
        select id, account_id, email from users
        where account_id = any(${pgArray(accountRows.map((a) => a.id))}::uuid[]) and email = any(${pgArray(emails)}::text[])`),
    );
    for (const u of userRows) userIds.set(`${u.account_id}|${u.email}`, u.id);
  }

  const accepted: Accepted[] = [];
  const refused: { index: number; record: UsageRecordInput; accountId: string; reason: string }[] = [];
  for (const { index, record, problem } of parsed) {
    const account = accountsBySlug.get(record.account);
    if (!account) {
      results[index] = rejected(record.id, `unknown account ${record.account}`);
      continue;
    }
    const userId = record.user ? (userIds.get(`${account.id}|${record.user.toLowerCase()}`) ?? null) : null;
    const startedAt = new Date(record.startedAt);
    const side = ownSide(record);
    const held = heldAt(heldNumbers.get(`${account.id}|${record[side]}`), startedAt.getTime());
    const reason =
      problem ??
      (!account.rate_card_id ? `account ${record.account} has no rate card` : null) ??
      (!held ? notOwnNumber(record, record.account, "started") : null) ??
      (record.user && !userId ? `unknown user ${record.user} in account ${record.account}` : null);
    if (reason) {
      refused.push({ index, record, accountId: account.id, reason });
      continue;
    }
    accepted.push({
      index,
      record,
      account,
      startedAt,
      userId,
      month: zonedMonthStart(startedAt, account.time_zone),
      fromCountry: side === "from" ? held!.country : null,
    });
  }
  // A record rated before is a duplicate, even if it could not be rated today (too old by
  // now, its user since removed): the platform must learn it was billed, not refused.
  if (refused.length > 0) {
    const earlier = await findRated(
      db,
      [...new Set(refused.map((r) => r.accountId))],
      [...new Set(refused.map((r) => r.record.id))],
    );
    for (const { index, record, accountId, reason } of refused) {
      const before = earlier.get(`${accountId}|${record.id}`);
      results[index] = before ? { ...before, reason: `already rated: ${before.reason}` } : rejected(record.id, reason);
    }
  }
  if (accepted.length === 0) return results;

  const tablesByCard = new Map(
    await Promise.all(
      [...new Set(accepted.map((a) => a.account.rate_card_id!))].map(async (id) => [id, await rateTables(db, id)] as const),
    ),
  );

  await db.transaction(async (tx) => {
    const accountIds = [...new Set(accepted.map((a) => a.account.id))].sort();
    // Serialize batches per account: lock the balance rows, in account order.
    await tx.execute(sql`
      insert into credit_balances (account_id) select unnest(${pgArray(accountIds)}::uuid[]) on conflict do nothing`);
    await tx.execute(sql`
      select account_id from credit_balances where account_id = any(${pgArray(accountIds)}::uuid[])
      order by account_id for update`);

    const state = await loadState(tx, accepted, accountIds);
    const seen = new Map<string, UsageResult>();
    const earlier = state.existing;
    const toStore: { item: Accepted; rating: Rated }[] = [];

    // Rate in order of start time per account, so allowances are used up chronologically.
    const order = [...accepted].sort(
      (a, b) => a.account.id.localeCompare(b.account.id) || a.startedAt.getTime() - b.startedAt.getTime() || a.index - b.index,
    );
    for (const item of order) {
      const { record, account } = item;
      const key = `${account.id}|${record.id}`;
      const before = earlier.get(key) ?? seen.get(key);
      if (before) {
        results[item.index] = { ...before, id: record.id, status: "duplicate", reason: `already rated: ${before.reason}` };
        continue;
      }
      const rating = rateUsage(
        {
          kind: record.kind,
          direction: record.direction,
          to: record.to,
          fromCountry: item.fromCountry,
          startedAt: item.startedAt,
          durationSeconds: record.kind === "call" ? record.durationSeconds : undefined,
          fragments: record.kind === "sms" ? record.fragments : undefined,
          forwarded: record.forwarded,
          userId: item.userId,
          month: item.month,
        },
        tablesByCard.get(account.rate_card_id!)!,
        state.byAccount.get(account.id)!,
      );
      if (!rating.ok) {
        results[item.index] = rejected(record.id, rating.reason);
        continue;
      }
      const result: UsageResult = {
        id: record.id,
        status: "rated",
        amount: minorToDecimal(rating.amount, account.currency),
        currency: account.currency,
        covered: rating.coveredSeconds > 0 ? (rating.coveredByPackage?.name ?? null) : null,
        category: rating.category,
        reason: rating.reason,
      };
      results[item.index] = result;
      seen.set(key, result);
      toStore.push({ item, rating });
    }
    if (toStore.length === 0) return;

    // Debits through the ledger, one statement for every account of the batch.
    const charges = toStore.filter((s) => s.rating.amount > 0);
    const movementIds = new Map<string, number>();
    if (charges.length > 0) {
      const payload = charges.map(({ item, rating }, ord) => ({
        ord,
        account_id: item.account.id,
        type: rating.chargeType,
        amount: -rating.amount,
        interaction_id: item.record.id,
        description: describe(item.record, rating),
        destination: item.record.to,
        units: rating.billableUnits,
        unit_type: item.record.kind === "call" ? "seconds" : "fragments",
        rate_micros: rating.rateMicros,
        actor_user_id: item.userId,
        actor: "telephony platform",
        occurred_at: item.startedAt.toISOString(),
      }));
      const posted = rowsOf<{ account_id: string; kind: string; id: string; interaction_id: string | null }>(
        await tx.execute(sql`select account_id, kind, id, interaction_id from ledger_post_many(${JSON.stringify(payload)}::json)`),
      );
      for (const row of posted) {
        if (row.kind === "movement") movementIds.set(`${row.account_id}|${row.interaction_id}`, Number(row.id));
        else if (row.kind === "attempt" && options.onAutoTopUp) await options.onAutoTopUp(tx, row.id!);
      }
    }
    const usageRows = toStore.map(({ item, rating }) => ({
      account_id: item.account.id,
      external_id: item.record.id,
      kind: item.record.kind,
      direction: item.record.direction,
      from_number: item.record.from,
      to_number: item.record.to,
      started_at: item.startedAt.toISOString(),
      duration_seconds: item.record.kind === "call" ? item.record.durationSeconds : null,
      fragments: item.record.kind === "sms" ? item.record.fragments : null,
      forwarded: item.record.forwarded,
      user_id: item.userId,
      destination_country: rating.destinationCountry,
      destination_type: rating.destinationType,
      category: rating.category,
      covered_by_package_id: rating.coveredByPackage?.id ?? null,
      bundle_id: rating.bundleUse[0]?.id ?? null,
      bundle_seconds: rating.bundleUse.reduce((sum, b) => sum + b.seconds, 0),
      billable_units: rating.billableUnits,
      rate_micros: rating.rateMicros,
      amount: rating.amount,
      movement_id: rating.amount > 0 ? (movementIds.get(`${item.account.id}|${item.record.id}`) ?? null) : null,
    }));
    await tx.execute(sql`
      insert into usage_records (account_id, external_id, kind, direction, from_number, to_number,
        started_at, duration_seconds, fragments, forwarded, user_id, destination_country,
        destination_type, category, covered_by_package_id, bundle_id, bundle_seconds,
        billable_units, rate_micros, amount, movement_id)
      select x.account_id, x.external_id, x.kind, x.direction, x.from_number, x.to_number,
        x.started_at, x.duration_seconds, x.fragments, x.forwarded, x.user_id, x.destination_country,
        x.destination_type, x.category, x.covered_by_package_id, x.bundle_id, x.bundle_seconds,
        x.billable_units, x.rate_micros, x.amount, x.movement_id
      from json_to_recordset(${JSON.stringify(usageRows)}::json) as x(
        account_id uuid, external_id text, kind usage_kind, direction usage_direction,
        from_number text, to_number text, started_at timestamptz, duration_seconds int,
        fragments int, forwarded boolean, user_id uuid, destination_country text,
        destination_type destination_type, category usage_category, covered_by_package_id uuid,
        bundle_id uuid, bundle_seconds int, billable_units int, rate_micros bigint, amount bigint,
        movement_id bigint)`);
    const bundleSeconds = new Map<string, number>();
    for (const { rating } of toStore) {
      for (const use of rating.bundleUse) bundleSeconds.set(use.id, (bundleSeconds.get(use.id) ?? 0) + use.seconds);
    }
    if (bundleSeconds.size > 0) {
      await tx.execute(sql`
        update prepaid_bundles b set seconds_used = b.seconds_used + u.seconds
        from (select unnest(${pgArray([...bundleSeconds.keys()])}::uuid[]) as id, unnest(${pgArray([...bundleSeconds.values()])}::int[]) as seconds) u
        where b.id = u.id and b.account_id = any(${pgArray(accountIds)}::uuid[])`);
    }
  });
  return results;
}

function rejected(id: string | null, reason: string): UsageResult {
  return { id, status: "rejected", amount: null, currency: null, covered: null, reason };
}

function describe(record: UsageRecordInput, rating: Rated): string {
  if (record.kind === "sms") return `SMS to ${rating.description}, ${record.fragments} fragment${record.fragments === 1 ? "" : "s"}`;
  const talk = `${Math.floor(record.durationSeconds / 60)}:${String(record.durationSeconds % 60).padStart(2, "0")}`;
  switch (rating.chargeType) {
    case "forwarded_leg":
      return `Forwarded leg to ${rating.description}, ${talk}`;
    case "toll_free_inbound":
      return `Inbound call to toll-free ${record.to}, ${talk}`;
    default:
      return `Call to ${rating.description}, ${talk}`;
  }
}

/** Records of these accounts already rated, by `${accountId}|${externalId}`, as duplicate results. */
async function findRated(db: Executor, accountIds: string[], externalIds: string[]): Promise<Map<string, UsageResult>> {
  const rows = rowsOf<{
    account_id: string;
    external_id: string;
    amount: string;
    category: string;
    covered: string | null;
    currency: string;
    duration_seconds: number | null;
    billable_units: number;
    bundle_seconds: number;
  }>(
    await db.execute(sql`
      select r.account_id, r.external_id, r.amount, r.category, p.name as covered, a.currency,
             r.duration_seconds, r.billable_units, r.bundle_seconds
      from usage_records r
      join accounts a on a.id = r.account_id
      left join calling_packages p on p.id = r.covered_by_package_id
      where r.account_id = any(${pgArray(accountIds)}::uuid[]) and r.external_id = any(${pgArray(externalIds)}::text[])`),
  );
  const found = new Map<string, UsageResult>();
  for (const r of rows) {
    found.set(`${r.account_id}|${r.external_id}`, {
      id: r.external_id,
      status: "duplicate",
      amount: minorToDecimal(Number(r.amount), r.currency),
      currency: r.currency,
      // What the package included: the billed time less what was charged or from a bundle.
      covered:
        r.category === "included" ||
        billableSeconds(r.duration_seconds ?? 0) - r.billable_units - r.bundle_seconds > 0
          ? r.covered
          : null,
      category: r.category,
      reason: r.category.replace(/_/g, " "),
    });
  }
  return found;
}

/** What rating reads for the batch's accounts: packages, bundles, minutes used, records already rated. */
async function loadState(tx: Executor, accepted: Accepted[], accountIds: string[]) {
  const earliest = new Date(Math.min(...accepted.map((a) => a.startedAt.getTime())));
  const months = [...new Set(accepted.map((a) => a.month))];
  const externalIds = [...new Set(accepted.map((a) => a.record.id))];

  const [existing, packageRows, bundleRows, usedRows] = [
    await findRated(tx, accountIds, externalIds),
    rowsOf<{
      account_id: string;
      id: string;
      name: string;
      scope: "domestic" | "international";
      covered_countries: string[];
      unlimited: boolean;
      fair_use_minutes_per_user: number | null;
      included_minutes_per_user: number | null;
      started_at: string | Date;
      ended_at: string | Date | null;
    }>(
      await tx.execute(sql`
        select ap.account_id, cp.id, cp.name, cp.scope, cp.covered_countries, cp.unlimited,
               cp.fair_use_minutes_per_user, cp.included_minutes_per_user, ap.started_at, ap.ended_at
        from account_packages ap join calling_packages cp on cp.id = ap.package_id
        where ap.account_id = any(${pgArray(accountIds)}::uuid[])
          and (ap.ended_at is null or ap.ended_at > ${earliest.toISOString()}::timestamptz)
        order by ap.account_id, cp.unlimited desc, cp.name, ap.started_at`),
    ),
    rowsOf<{
      account_id: string;
      id: string;
      name: string;
      remaining: number;
      purchased_at: string | Date;
      expires_at: string | Date;
    }>(
      await tx.execute(sql`
        select account_id, id, name, seconds_included - seconds_used as remaining, purchased_at, expires_at
        from prepaid_bundles
        where account_id = any(${pgArray(accountIds)}::uuid[]) and seconds_used < seconds_included
          and expires_at > ${earliest.toISOString()}::timestamptz
        order by account_id, expires_at, purchased_at, id`),
    ),
    rowsOf<{ account_id: string; month: string | Date; user_id: string; package_id: string; seconds: string | number }>(
      await tx.execute(sql`
        select account_id, month::text as month, user_id, package_id, seconds from usage_user_monthly
        where account_id = any(${pgArray(accountIds)}::uuid[]) and month = any(${pgArray(months)}::date[])`),
    ),
  ];

  const byAccount = new Map<string, RatingState>();
  for (const item of accepted) {
    if (byAccount.has(item.account.id)) continue;
    byAccount.set(item.account.id, {
      country: item.account.country,
      currency: item.account.currency,
      packages: [],
      bundles: [],
      usedSeconds: new Map(),
    });
  }
  const date = (value: string | Date) => (value instanceof Date ? value : new Date(value));
  // A package bought twice (two lines) counts once per user: the first line stands for it.
  for (const p of packageRows) {
    const state = byAccount.get(p.account_id)!;
    (state.packages as PackageRule[]).push({
      id: p.id,
      name: p.name,
      scope: p.scope,
      coveredCountries: p.covered_countries,
      unlimited: p.unlimited,
      minutesPerUser: (p.unlimited ? p.fair_use_minutes_per_user : p.included_minutes_per_user) ?? 0,
      startedAt: date(p.started_at),
      endedAt: p.ended_at === null ? null : date(p.ended_at),
    });
  }
  for (const b of bundleRows) {
    const bundle: BundleState = {
      id: b.id,
      name: b.name,
      remainingSeconds: Number(b.remaining),
      purchasedAt: date(b.purchased_at),
      expiresAt: date(b.expires_at),
    };
    byAccount.get(b.account_id)!.bundles.push(bundle);
  }
  for (const u of usedRows) {
    const month = typeof u.month === "string" ? u.month.slice(0, 10) : u.month.toISOString().slice(0, 10);
    byAccount.get(u.account_id)!.usedSeconds.set(usageKey(month, u.user_id, u.package_id), Number(u.seconds));
  }
  return { existing, byAccount };
}
