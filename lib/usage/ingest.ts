import { sql } from "drizzle-orm";
import { z } from "zod";
import { afterCommit } from "@/db/after-commit";
import type { Database, Executor, Transaction } from "@/db/client";
import {
  accountPackages,
  accounts,
  callingPackages,
  creditBalances,
  phoneNumbers,
  prepaidBundles,
  rateCards,
  subscriptions,
  usageRecordKeys,
  usageRecords,
  usageUserMonthly,
  users,
} from "@/db/schema";
import { pgArray } from "@/db/sql-array";
import { insertFromJson, queryRows, run } from "@/db/typed-sql";
import { postingColumns } from "@/lib/credit/ledger";
import { minorToDecimal } from "@/lib/money";
import { metrics } from "@/lib/observability/metrics";
import { zonedMonthStart } from "@/lib/time";
import { type HeldNumber, heldAt, notOwnNumber, ownSide } from "./ownership";
import {
  billableSeconds,
  type BundleState,
  type PackageRule,
  type RateTables,
  type Rated,
  rateUsage,
  type RatingState,
  type UsageToRate,
  usageKey,
} from "./rating";
import { storedReasonText } from "./reasons";
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

interface Account {
  id: string;
  slug: string;
  country: string;
  currency: string;
  timeZone: string;
  rateCardId: string | null;
}

/** A well-formed record; a time out of range is a problem unless the record was rated before. */
interface Parsed {
  index: number;
  record: UsageRecordInput;
  problem: string | null;
}

/** A record that names a known account but cannot be rated (the reason says why). */
interface Refused {
  index: number;
  record: UsageRecordInput;
  accountId: string;
  reason: string;
}

interface Accepted {
  index: number;
  record: UsageRecordInput;
  account: Account;
  startedAt: Date;
  userId: string | null;
  month: string;
  /** Country of the account's number an outbound call comes from (null for inbound records). */
  fromCountry: string | null;
}

interface Charged {
  item: Accepted;
  rating: Rated;
}

const issueText = (error: z.ZodError) =>
  error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join(".")} ${issue.message}` : issue.message))
    .join("; ");

export interface IngestOptions {
  now?: Date;
  /** Called in the transaction for each automatic top-up the debits triggered. */
  onAutoTopUp?: (tx: Transaction, attempt: { id: string; accountId: string }) => Promise<void>;
}

/** Checks, rates and charges a batch; one result per record, in order. */
export async function ingestUsage(db: Database, records: unknown[], options: IngestOptions = {}): Promise<UsageResult[]> {
  const results: UsageResult[] = new Array(records.length);
  const parsed = parseRecords(records, options.now ?? new Date(), results);
  if (parsed.length === 0) return results;

  const { accounts, heldNumbers } = await readAccountsAndNumbers(db, parsed);
  const userIds = await readUserIds(db, parsed, [...accounts.values()]);
  const { accepted, refused } = resolveRecords(parsed, accounts, heldNumbers, userIds, results);
  await answerRefused(db, refused, results);
  if (accepted.length === 0) return results;

  const tablesByCard = await loadRateTables(db, accepted);
  await db.transaction(async (tx) => {
    const accountIds = [...new Set(accepted.map((a) => a.account.id))].sort();
    await lockBalances(tx, accountIds);
    const state = await loadState(tx, accepted, accountIds);
    const charged = rateInOrder(accepted, tablesByCard, state, results);
    if (charged.length === 0) return;
    const movementIds = await postCharges(tx, charged, options.onAutoTopUp);
    await storeUsageRecords(tx, charged, movementIds);
    await useBundles(tx, charged);
  });
  return results;
}

/** Step 1: the well-formed records; the others are answered as rejected at once. */
function parseRecords(records: unknown[], now: Date, results: UsageResult[]): Parsed[] {
  const parsed: Parsed[] = [];
  records.forEach((raw, index) => {
    const id = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : null;
    const check = usageRecordSchema.safeParse(raw);
    if (!check.success) {
      results[index] = rejected(id, issueText(check.error));
      return;
    }
    parsed.push({ index, record: check.data, problem: timeProblem(Date.parse(check.data.startedAt), now) });
  });
  return parsed;
}

function timeProblem(startedAt: number, now: Date): string | null {
  if (startedAt > now.getTime() + CLOCK_SKEW_MS) return "startedAt is in the future";
  if (startedAt < now.getTime() - MAX_AGE_DAYS * 86_400_000) return `startedAt is more than ${MAX_AGE_DAYS} days ago: too old to rate`;
  return null;
}

/**
 * Step 2a: accounts by slug (with the rate card: the subscription's, else the currency's
 * standard), and in the same read, when each held the numbers the batch's records name
 * as theirs.
 */
async function readAccountsAndNumbers(db: Executor, parsed: Parsed[]) {
  const slugs = [...new Set(parsed.map((p) => p.record.account))];
  const pairs = new Map<string, [string, string]>();
  for (const { record } of parsed) {
    const number = record[ownSide(record)];
    pairs.set(`${record.account}|${number}`, [record.account, number]);
  }
  const rows = await queryRows(
    db,
    {
      id: accounts.id,
      slug: accounts.slug,
      country: accounts.country,
      currency: accounts.currency,
      timeZone: accounts.timeZone,
      rateCardId: sql<string | null>`coalesce(${subscriptions.rateCardId},
        (select ${rateCards.id} from ${rateCards} where ${rateCards.currency} = ${accounts.currency} order by ${rateCards.code} limit 1))`,
      e164: sql<string | null>`${phoneNumbers.e164}`,
      numberCountry: sql<string | null>`${phoneNumbers.country}`,
      acquiredMs: sql<number | string | null>`(extract(epoch from ${phoneNumbers.acquiredAt}) * 1000)::float8`,
      releasedMs: sql<number | string | null>`(extract(epoch from ${phoneNumbers.releasedAt}) * 1000)::float8`,
    },
    sql`
      from ${accounts}
      left join ${subscriptions} on ${subscriptions.accountId} = ${accounts.id}
      left join unnest(${pgArray([...pairs.values()].map(([slug]) => slug))}::text[],
                       ${pgArray([...pairs.values()].map(([, number]) => number))}::text[]) as wanted (slug, e164)
        on wanted.slug = ${accounts.slug}
      left join ${phoneNumbers} on ${phoneNumbers.accountId} = ${accounts.id} and ${phoneNumbers.e164} = wanted.e164
      where ${accounts.slug} = any(${pgArray(slugs)}::text[])`,
  );
  const found = new Map<string, Account>();
  const heldNumbers = new Map<string, HeldNumber[]>();
  for (const row of rows) {
    if (!found.has(row.slug)) {
      const { id, slug, country, currency, timeZone, rateCardId } = row;
      found.set(slug, { id, slug, country, currency, timeZone, rateCardId });
    }
    if (row.e164 === null) continue;
    const key = `${row.id}|${row.e164}`;
    const periods = heldNumbers.get(key) ?? [];
    periods.push({
      country: row.numberCountry!,
      acquiredAt: Number(row.acquiredMs),
      releasedAt: row.releasedMs === null ? null : Number(row.releasedMs),
    });
    heldNumbers.set(key, periods);
  }
  return { accounts: found, heldNumbers };
}

/** Step 2b: users by email, within their own account only, by `${accountId}|${email}`. */
async function readUserIds(db: Executor, parsed: Parsed[], found: Account[]): Promise<Map<string, string>> {
  const emails = [...new Set(parsed.flatMap((p) => (p.record.user ? [p.record.user.toLowerCase()] : [])))];
  const userIds = new Map<string, string>();
  if (emails.length === 0 || found.length === 0) return userIds;
  const rows = await queryRows(
    db,
    { id: users.id, accountId: users.accountId, email: users.email },
    sql`from ${users}
      where ${users.accountId} = any(${pgArray(found.map((a) => a.id))}::uuid[]) and ${users.email} = any(${pgArray(emails)}::text[])`,
  );
  for (const u of rows) userIds.set(`${u.accountId}|${u.email}`, u.id);
  return userIds;
}

/** Step 2c: each record with its account, number and user, or why it cannot be rated. */
function resolveRecords(
  parsed: Parsed[],
  found: Map<string, Account>,
  heldNumbers: Map<string, HeldNumber[]>,
  userIds: Map<string, string>,
  results: UsageResult[],
) {
  const accepted: Accepted[] = [];
  const refused: Refused[] = [];
  for (const { index, record, problem } of parsed) {
    const account = found.get(record.account);
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
      (!account.rateCardId ? `account ${record.account} has no rate card` : null) ??
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
      month: zonedMonthStart(startedAt, account.timeZone),
      fromCountry: side === "from" ? held!.country : null,
    });
  }
  return { accepted, refused };
}

/**
 * Step 2d: a record rated before is a duplicate, even if it could not be rated today (too
 * old by now, its user since removed): the platform must learn it was billed, not refused.
 */
async function answerRefused(db: Executor, refused: Refused[], results: UsageResult[]): Promise<void> {
  if (refused.length === 0) return;
  const earlier = await findRated(
    db,
    refused.map((r) => [r.accountId, r.record.id]),
  );
  for (const { index, record, accountId, reason } of refused) {
    const before = earlier.get(`${accountId}|${record.id}`);
    results[index] = before ? { ...before, reason: `already rated: ${before.reason}` } : rejected(record.id, reason);
  }
}

async function loadRateTables(db: Executor, accepted: Accepted[]): Promise<Map<string, RateTables>> {
  const cards = [...new Set(accepted.map((a) => a.account.rateCardId!))];
  return new Map(await Promise.all(cards.map(async (id) => [id, await rateTables(db, id)] as const)));
}

/** Serializes batches per account: locks the balance rows, in account order. */
async function lockBalances(tx: Executor, accountIds: string[]): Promise<void> {
  const ids = pgArray(accountIds);
  await run(tx, sql`insert into ${creditBalances} (${sql.identifier(creditBalances.accountId.name)})
    select unnest(${ids}::uuid[]) on conflict do nothing`);
  await run(tx, sql`select ${creditBalances.accountId} from ${creditBalances}
    where ${creditBalances.accountId} = any(${ids}::uuid[]) order by ${creditBalances.accountId} for update`);
}

/**
 * Step 3: rates in order of start time per account, so allowances are used up
 * chronologically; answers each record and returns those to store.
 */
function rateInOrder(
  accepted: Accepted[],
  tablesByCard: Map<string, RateTables>,
  state: Awaited<ReturnType<typeof loadState>>,
  results: UsageResult[],
): Charged[] {
  const seen = new Map<string, UsageResult>();
  const charged: Charged[] = [];
  const order = [...accepted].sort(
    (a, b) => a.account.id.localeCompare(b.account.id) || a.startedAt.getTime() - b.startedAt.getTime() || a.index - b.index,
  );
  for (const item of order) {
    const { record, account } = item;
    const key = `${account.id}|${record.id}`;
    const before = state.existing.get(key) ?? seen.get(key);
    if (before) {
      results[item.index] = { ...before, id: record.id, status: "duplicate", reason: `already rated: ${before.reason}` };
      continue;
    }
    const rating = rateUsage(toRate(item), tablesByCard.get(account.rateCardId!)!, state.byAccount.get(account.id)!);
    if (!rating.ok) {
      results[item.index] = rejected(record.id, rating.failure.message);
      continue;
    }
    const result = ratedResult(item, rating.value);
    results[item.index] = result;
    seen.set(key, result);
    charged.push({ item, rating: rating.value });
  }
  return charged;
}

function toRate({ record, fromCountry, startedAt, userId, month }: Accepted): UsageToRate {
  return {
    kind: record.kind,
    direction: record.direction,
    to: record.to,
    fromCountry,
    startedAt,
    durationSeconds: record.kind === "call" ? record.durationSeconds : undefined,
    fragments: record.kind === "sms" ? record.fragments : undefined,
    forwarded: record.forwarded,
    userId,
    month,
  };
}

/** Step 4a: the debits through the ledger, one statement for every account of the batch. */
async function postCharges(
  tx: Transaction,
  charged: Charged[],
  onAutoTopUp: IngestOptions["onAutoTopUp"],
): Promise<Map<string, number>> {
  const movementIds = new Map<string, number>();
  const debits = charged.filter((c) => c.rating.amount > 0);
  if (debits.length === 0) return movementIds;
  const payload = debits.map(({ item, rating }, ord) => ({
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
  const posted = await queryRows(
    tx,
    { account_id: sql<string>`account_id`, ...postingColumns },
    sql`from ledger_post_many(${JSON.stringify(payload)}::json)`,
  );
  const postedTypes: string[] = [];
  for (const row of posted) {
    if (row.kind === "movement") {
      movementIds.set(`${row.account_id}|${row.interaction_id}`, Number(row.id));
      postedTypes.push(row.type!);
    }
    else if (row.kind === "attempt" && onAutoTopUp) await onAutoTopUp(tx, { id: row.id!, accountId: row.account_id });
  }
  afterCommit(tx, () => {
    for (const type of postedTypes) metrics().ledgerMovements.inc({ type });
  });
  return movementIds;
}

const USAGE_COLUMNS = [
  "accountId",
  "externalId",
  "kind",
  "direction",
  "fromNumber",
  "toNumber",
  "startedAt",
  "durationSeconds",
  "fragments",
  "forwarded",
  "userId",
  "destinationCountry",
  "destinationType",
  "category",
  "coveredByPackageId",
  "bundleId",
  "bundleSeconds",
  "billableUnits",
  "rateMicros",
  "amount",
  "movementId",
  "ratingReason",
  "ratingReasonParams",
] as const;

/** Step 4b: the rated records, in one statement. */
async function storeUsageRecords(tx: Executor, charged: Charged[], movementIds: Map<string, number>): Promise<void> {
  const rows = charged.map(({ item, rating }) => ({
    accountId: item.account.id,
    externalId: item.record.id,
    kind: item.record.kind,
    direction: item.record.direction,
    fromNumber: item.record.from,
    toNumber: item.record.to,
    startedAt: item.startedAt.toISOString(),
    durationSeconds: item.record.kind === "call" ? item.record.durationSeconds : null,
    fragments: item.record.kind === "sms" ? item.record.fragments : null,
    forwarded: item.record.forwarded,
    userId: item.userId,
    destinationCountry: rating.destinationCountry,
    destinationType: rating.destinationType,
    category: rating.category,
    coveredByPackageId: rating.coveredByPackage?.id ?? null,
    bundleId: rating.bundleUse[0]?.id ?? null,
    bundleSeconds: rating.bundleUse.reduce((sum, b) => sum + b.seconds, 0),
    billableUnits: rating.billableUnits,
    rateMicros: rating.rateMicros,
    amount: rating.amount,
    movementId: rating.amount > 0 ? (movementIds.get(`${item.account.id}|${item.record.id}`) ?? null) : null,
    ratingReason: rating.why.code,
    ratingReasonParams: rating.why.params,
  }));
  await insertFromJson(tx, usageRecords, USAGE_COLUMNS, rows);
}

/** Step 4c: the seconds taken from prepaid bundles. */
async function useBundles(tx: Executor, charged: Charged[]): Promise<void> {
  // Keyed by the bundle's key, its account and its id: a bundle is only ever used by its own account.
  const used = new Map<string, { accountId: string; id: string; seconds: number }>();
  for (const { item, rating } of charged) {
    for (const use of rating.bundleUse) {
      const key = `${item.account.id}|${use.id}`;
      const entry = used.get(key) ?? { accountId: item.account.id, id: use.id, seconds: 0 };
      entry.seconds += use.seconds;
      used.set(key, entry);
    }
  }
  if (used.size === 0) return;
  const rows = [...used.values()];
  const b = prepaidBundles;
  await run(tx, sql`
    update ${b} set ${sql.identifier(b.secondsUsed.name)} = ${b.secondsUsed} + u.seconds
    from (select unnest(${pgArray(rows.map((r) => r.accountId))}::uuid[]) as account_id,
                 unnest(${pgArray(rows.map((r) => r.id))}::uuid[]) as id,
                 unnest(${pgArray(rows.map((r) => r.seconds))}::int[]) as seconds) u
    where ${b.accountId} = u.account_id and ${b.id} = u.id`);
}

/** Step 5: the answers. */
function rejected(id: string | null, reason: string): UsageResult {
  return { id, status: "rejected", amount: null, currency: null, covered: null, reason };
}

function ratedResult({ record, account }: Accepted, rating: Rated): UsageResult {
  return {
    id: record.id,
    status: "rated",
    amount: minorToDecimal(rating.amount, account.currency),
    currency: account.currency,
    covered: rating.coveredSeconds > 0 ? (rating.coveredByPackage?.name ?? null) : null,
    category: rating.category,
    reason: rating.reason,
  };
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

/** Which of these (account id, platform id) pairs were rated before, by `${accountId}|${externalId}`, as duplicate results. */
async function findRated(db: Executor, pairs: [accountId: string, externalId: string][]): Promise<Map<string, UsageResult>> {
  const unique = [...new Map(pairs.map((pair) => [`${pair[0]}|${pair[1]}`, pair])).values()];
  const rows = await queryRows(
    db,
    {
      accountId: usageRecords.accountId,
      externalId: usageRecords.externalId,
      amount: usageRecords.amount,
      category: usageRecords.category,
      covered: sql<string | null>`${callingPackages.name}`,
      currency: accounts.currency,
      durationSeconds: usageRecords.durationSeconds,
      billableUnits: usageRecords.billableUnits,
      bundleSeconds: usageRecords.bundleSeconds,
      ratingReason: usageRecords.ratingReason,
      ratingReasonParams: usageRecords.ratingReasonParams,
    },
    // One key probe per pair: "account = any(...) and id = any(...)" would try every
    // account with every id, which the planner answers by reading the whole key table.
    // The key row says which month's partition holds the record.
    sql`
      from unnest(${pgArray(unique.map(([accountId]) => accountId))}::uuid[],
                  ${pgArray(unique.map(([, externalId]) => externalId))}::text[]) as wanted (account_id, external_id)
      join ${usageRecordKeys} k on k.account_id = wanted.account_id and k.external_id = wanted.external_id
      join ${usageRecords} on ${usageRecords.accountId} = k.account_id and ${usageRecords.startedAt} = k.started_at
        and ${usageRecords.externalId} = k.external_id
      join ${accounts} on ${accounts.id} = ${usageRecords.accountId}
      left join ${callingPackages} on ${callingPackages.id} = ${usageRecords.coveredByPackageId}`,
  );
  const found = new Map<string, UsageResult>();
  for (const row of rows) {
    found.set(`${row.accountId}|${row.externalId}`, {
      id: row.externalId,
      status: "duplicate",
      amount: minorToDecimal(row.amount, row.currency),
      currency: row.currency,
      // What the package included: the billed time less what was charged or from a bundle.
      covered:
        row.category === "included" ||
        billableSeconds(row.durationSeconds ?? 0) - row.billableUnits - row.bundleSeconds > 0
          ? row.covered
          : null,
      category: row.category,
      reason: storedReasonText(row.ratingReason, row.ratingReasonParams),
    });
  }
  return found;
}

/** What rating reads for the batch's accounts: packages, bundles, minutes used, records already rated. */
async function loadState(tx: Executor, accepted: Accepted[], accountIds: string[]) {
  const earliest = new Date(Math.min(...accepted.map((a) => a.startedAt.getTime()))).toISOString();
  const months = [...new Set(accepted.map((a) => a.month))];
  const ids = pgArray(accountIds);
  const ap = accountPackages;
  const cp = callingPackages;
  const b = prepaidBundles;
  const u = usageUserMonthly;

  const existing = await findRated(tx, accepted.map((a) => [a.account.id, a.record.id]));
  const packageRows = await queryRows(
    tx,
    {
      accountId: ap.accountId,
      id: cp.id,
      name: cp.name,
      scope: cp.scope,
      coveredCountries: cp.coveredCountries,
      unlimited: cp.unlimited,
      fairUseMinutesPerUser: cp.fairUseMinutesPerUser,
      includedMinutesPerUser: cp.includedMinutesPerUser,
      startedAt: sql<string | Date>`${ap.startedAt}`,
      endedAt: sql<string | Date | null>`${ap.endedAt}`,
    },
    sql`
      from ${ap} join ${cp} on ${cp.id} = ${ap.packageId}
      where ${ap.accountId} = any(${ids}::uuid[])
        and (${ap.endedAt} is null or ${ap.endedAt} > ${earliest}::timestamptz)
      order by ${ap.accountId}, ${cp.unlimited} desc, ${cp.name}, ${ap.startedAt}`,
  );
  const bundleRows = await queryRows(
    tx,
    {
      accountId: b.accountId,
      id: b.id,
      name: b.name,
      remaining: sql<number | string>`${b.secondsIncluded} - ${b.secondsUsed}`,
      purchasedAt: sql<string | Date>`${b.purchasedAt}`,
      expiresAt: sql<string | Date>`${b.expiresAt}`,
    },
    sql`
      from ${b}
      where ${b.accountId} = any(${ids}::uuid[]) and ${b.secondsUsed} < ${b.secondsIncluded}
        and ${b.expiresAt} > ${earliest}::timestamptz
      order by ${b.accountId}, ${b.expiresAt}, ${b.purchasedAt}, ${b.id}`,
  );
  const usedRows = await queryRows(
    tx,
    { accountId: u.accountId, month: sql<string>`${u.month}::text`, userId: u.userId, packageId: u.packageId, seconds: u.seconds },
    sql`from ${u} where ${u.accountId} = any(${ids}::uuid[]) and ${u.month} = any(${pgArray(months)}::date[])`,
  );

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
    (byAccount.get(p.accountId)!.packages as PackageRule[]).push({
      id: p.id,
      name: p.name,
      scope: p.scope,
      coveredCountries: p.coveredCountries,
      unlimited: p.unlimited,
      minutesPerUser: (p.unlimited ? p.fairUseMinutesPerUser : p.includedMinutesPerUser) ?? 0,
      startedAt: date(p.startedAt),
      endedAt: p.endedAt === null ? null : date(p.endedAt),
    });
  }
  for (const row of bundleRows) {
    const bundle: BundleState = {
      id: row.id,
      name: row.name,
      remainingSeconds: Number(row.remaining),
      purchasedAt: date(row.purchasedAt),
      expiresAt: date(row.expiresAt),
    };
    byAccount.get(row.accountId)!.bundles.push(bundle);
  }
  for (const row of usedRows) {
    byAccount.get(row.accountId)!.usedSeconds.set(usageKey(row.month.slice(0, 10), row.userId, row.packageId), row.seconds);
  }
  return { existing, byAccount };
}
