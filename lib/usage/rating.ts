import { chargeForSeconds, chargeForUnits } from "@/lib/money";
import { fail, ok, type Result } from "@/lib/result";
import { type CallChargeParams, callChargeReason, type RatingReason, reasonText } from "./reasons";

/**
 * The rating engine: what one call or SMS costs, and why. Pure: it reads the rate tables
 * and the account's allowances given to it, and updates only the allowance state it is
 * handed (so the records of a batch are rated in order against what is left).
 *
 * Call time is rounded once, by one rule: an answered call is billed for at least 60
 * seconds, then per second (a 0-second call costs nothing). When a package allowance took
 * part of a call, the call is still billed for at least 60 seconds in all,
 * and what they took counts towards it (a 20 s call with 1 s of allowance left is charged
 * 59 s; a 630 s call with 30 s left is charged 600 s). Money is
 * rounded once, half away from zero, from rate micros to minor units.
 *
 * The order in which a call is paid for:
 *   1. Inbound: free, except inbound calls to toll-free numbers (charged per minute).
 *   2. Forwarded legs: always charged from credit, whatever the package.
 *   3. Premium destinations: never included, never from a bundle.
 *   4. A calling package that covers the destination (domestic-only packages cover only
 *      the account's country; fixed and mobile destinations only), within its minutes per
 *      user per month (fair use for unlimited packages, included minutes otherwise). A
 *      package covers only calls made from a number in its region: one of its countries
 *      (for a domestic package, the account's country). A call from elsewhere is not
 *      included and does not count against the package's minutes.
 *   5. Prepaid minute bundles, the one expiring first first.
 *   6. Credit, at the rate of the destination's longest matching prefix.
 * An SMS is charged per fragment at its destination country's rate.
 */

export type DestinationType = "fixed" | "mobile" | "toll_free" | "premium";
export type UsageCategory =
  | "included"
  | "bundle"
  | "outside_packages"
  | "premium"
  | "forwarded"
  | "toll_free_inbound"
  | "sms";
export type ChargeType = "call" | "sms" | "forwarded_leg" | "toll_free_inbound";

export interface RateEntry {
  prefix: string;
  country: string;
  destinationType: DestinationType;
  description: string;
  rateMicros: number;
}

/** Longest-prefix lookup over E.164 digits. */
export class PrefixTable {
  private readonly byPrefix = new Map<string, RateEntry>();
  private readonly longest: number;

  constructor(entries: readonly RateEntry[]) {
    let longest = 0;
    for (const entry of entries) {
      this.byPrefix.set(entry.prefix, entry);
      longest = Math.max(longest, entry.prefix.length);
    }
    this.longest = longest;
  }

  /** The entry of the longest prefix of `e164` ("+4930..." or "4930..."), or null. */
  match(e164: string): RateEntry | null {
    const digits = e164.startsWith("+") ? e164.slice(1) : e164;
    for (let length = Math.min(this.longest, digits.length); length > 0; length--) {
      const entry = this.byPrefix.get(digits.slice(0, length));
      if (entry) return entry;
    }
    return null;
  }

  get size(): number {
    return this.byPrefix.size;
  }
}

export interface RateTables {
  callOutbound: PrefixTable;
  callInboundTollFree: PrefixTable;
  sms: PrefixTable;
}

export interface PackageRule {
  id: string;
  name: string;
  scope: "domestic" | "international";
  coveredCountries: readonly string[];
  unlimited: boolean;
  /** Fair-use minutes (unlimited) or included minutes per user per month. */
  minutesPerUser: number;
  startedAt: Date;
  endedAt: Date | null;
}

export interface BundleState {
  id: string;
  name: string;
  remainingSeconds: number;
  purchasedAt: Date;
  expiresAt: Date;
}

/** What the rating reads and updates for one account. */
export interface RatingState {
  country: string;
  currency: string;
  packages: readonly PackageRule[];
  /** Usable bundles, the one expiring first first; remainingSeconds is consumed. */
  bundles: BundleState[];
  /** Talk seconds already used under a package: key `${month}|${userId}|${packageId}`. */
  usedSeconds: Map<string, number>;
}

export interface UsageToRate {
  kind: "call" | "sms";
  direction: "outbound" | "inbound";
  to: string;
  /** Country of the account's number an outbound call is made from; null when not known. */
  fromCountry: string | null;
  startedAt: Date;
  durationSeconds?: number;
  fragments?: number;
  forwarded: boolean;
  userId: string | null;
  /** The calendar month of startedAt in the account's time zone, "YYYY-MM-01". */
  month: string;
}

export interface Rated {
  category: UsageCategory;
  destinationCountry: string | null;
  destinationType: DestinationType | null;
  coveredByPackage: { id: string; name: string } | null;
  /** Talk seconds the package included (0 when it applied but its minutes were used up). */
  coveredSeconds: number;
  /** Seconds taken from each bundle. */
  bundleUse: { id: string; name: string; seconds: number }[];
  /** Seconds or fragments charged from credit. */
  billableUnits: number;
  rateMicros: number | null;
  /** Minor units charged from credit; 0 when nothing is. */
  amount: number;
  /** The ledger movement type when amount > 0. */
  chargeType: ChargeType | null;
  /** Destination description for the movement and the answer, e.g. "France mobile". */
  description: string;
  /** Why, as stored with the record: a code and its parameters. */
  why: RatingReason;
  /** The same in words (`reasonText(why)`). */
  reason: string;
}

export const FIRST_MINUTE_SECONDS = 60;

/** The rounding rule for call time: at least the first minute, then per second. */
export function billableSeconds(durationSeconds: number): number {
  if (durationSeconds <= 0) return 0;
  return Math.max(FIRST_MINUTE_SECONDS, durationSeconds);
}

export function usageKey(month: string, userId: string, packageId: string): string {
  return `${month}|${userId}|${packageId}`;
}

function activeAt(startedAt: Date, endedAt: Date | null, at: Date): boolean {
  return startedAt.getTime() <= at.getTime() && (endedAt === null || endedAt.getTime() > at.getTime());
}

/** The countries a package covers: the destinations it includes and the numbers it may be used from. */
function region(pkg: PackageRule, accountCountry: string): readonly string[] {
  return pkg.scope === "domestic" ? [accountCountry] : pkg.coveredCountries;
}

function coversDestination(pkg: PackageRule, destination: RateEntry, accountCountry: string): boolean {
  if (destination.destinationType !== "fixed" && destination.destinationType !== "mobile") return false;
  return region(pkg, accountCountry).includes(destination.country);
}

/** A rating with its reason, and the reason in words. */
function because<T extends Omit<Rated, "reason" | "why">>(rated: T, why: RatingReason): Rated {
  return { ...rated, why, reason: reasonText(why) };
}

/** Rates one record against the tables and the account's state, consuming allowances. */
export function rateUsage(usage: UsageToRate, tables: RateTables, state: RatingState): Result<Rated> {
  if (usage.kind === "sms") return rateSms(usage, tables, state);
  const duration = usage.durationSeconds ?? 0;

  if (usage.direction === "inbound" && !usage.forwarded) {
    const tollFree = tables.callInboundTollFree.match(usage.to);
    if (!tollFree) return ok(free(usage, null, { code: "inbound_free", params: {} }));
    return ok(chargedCall(duration, tollFree, state.currency, "toll_free_inbound", "toll_free_inbound", (billedSeconds) => ({
      code: "toll_free_inbound",
      params: { billedSeconds },
    })));
  }

  const destination = tables.callOutbound.match(usage.to);
  if (!destination) return fail("refused", `no rate for destination ${usage.to}`);
  const named = { destination: destination.description };
  if (usage.forwarded) {
    return ok(chargedCall(duration, destination, state.currency, "forwarded", "forwarded_leg", (billedSeconds) => ({
      code: "forwarded_leg",
      params: { ...named, billedSeconds },
    })));
  }
  if (destination.destinationType === "premium") {
    return ok(chargedCall(duration, destination, state.currency, "premium", "call", (billedSeconds) => ({
      code: "premium_destination",
      params: { ...named, billedSeconds },
    })));
  }

  // A package that covers the destination, within the user's minutes this month.
  let chargeable = billableSeconds(duration);
  let coveredBy: PackageRule | null = null;
  let coveredSeconds = 0;
  const why: CallChargeParams = { ...named, creditSeconds: 0 };
  const covering = state.packages.filter(
    (p) => activeAt(p.startedAt, p.endedAt, usage.startedAt) && coversDestination(p, destination, state.country),
  );
  const from = usage.fromCountry;
  const candidates = covering.filter((p) => from !== null && region(p, state.country).includes(from));
  if (covering.length > 0 && candidates.length === 0) why.outsideRegionOf = covering.map((p) => p.name);
  if (candidates.length > 0 && usage.userId) {
    const remaining = (p: PackageRule) =>
      Math.max(0, p.minutesPerUser * 60 - (state.usedSeconds.get(usageKey(usage.month, usage.userId!, p.id)) ?? 0));
    // The package with the most left this month takes the call (the first on a tie).
    coveredBy = candidates.reduce((best, p) => (remaining(p) > remaining(best) ? p : best));
    const left = remaining(coveredBy);
    coveredSeconds = Math.min(duration, left);
    const key = usageKey(usage.month, usage.userId, coveredBy.id);
    state.usedSeconds.set(key, (state.usedSeconds.get(key) ?? 0) + duration);
    if (duration === 0 || coveredSeconds === duration) {
      return ok(free(usage, destination, { code: "included_in_package", params: { package: coveredBy.name } }, coveredBy));
    }
    // The call is billed for at least its first minute in all; what the allowance took counts.
    chargeable = Math.max(0, chargeable - coveredSeconds);
    why.allowance = {
      package: coveredBy.name,
      limit: coveredBy.unlimited ? "fair_use" : "included",
      minutesPerUser: coveredBy.minutesPerUser,
      coveredSeconds,
    };
  } else if (candidates.length > 0) {
    why.noUser = true;
  }

  // Prepaid bundles before credit, the one expiring first first.
  const bundleUse: Rated["bundleUse"] = [];
  // A free destination (a toll-free number) costs nothing: it does not use up bundle minutes.
  for (const bundle of destination.rateMicros > 0 ? state.bundles : []) {
    if (chargeable === 0) break;
    if (bundle.remainingSeconds <= 0 || !activeAt(bundle.purchasedAt, bundle.expiresAt, usage.startedAt)) continue;
    const take = Math.min(chargeable, bundle.remainingSeconds);
    bundle.remainingSeconds -= take;
    chargeable -= take;
    bundleUse.push({ id: bundle.id, name: bundle.name, seconds: take });
  }
  if (bundleUse.length > 0) why.bundles = bundleUse.map((b) => ({ name: b.name, seconds: b.seconds }));
  why.creditSeconds = chargeable;

  const amount = chargeForSeconds(chargeable, destination.rateMicros, state.currency);
  const fromBundleOnly = bundleUse.length > 0 && chargeable === 0;
  return ok(because({
    category: fromBundleOnly ? "bundle" : "outside_packages",
    destinationCountry: destination.country,
    destinationType: destination.destinationType,
    coveredByPackage: coveredBy ? { id: coveredBy.id, name: coveredBy.name } : null,
    coveredSeconds,
    bundleUse,
    billableUnits: chargeable,
    rateMicros: destination.rateMicros,
    amount,
    chargeType: amount > 0 ? "call" : null,
    description: destination.description,
  }, callChargeReason(why)));
}

function rateSms(usage: UsageToRate, tables: RateTables, state: RatingState): Result<Rated> {
  if (usage.direction === "inbound") return ok(free(usage, null, { code: "inbound_sms_free", params: {} }));
  const destination = tables.sms.match(usage.to);
  if (!destination) return fail("refused", `no SMS rate for destination ${usage.to}`);
  const fragments = usage.fragments ?? 1;
  const amount = chargeForUnits(fragments, destination.rateMicros, state.currency);
  return ok(because({
    category: "sms",
    destinationCountry: destination.country,
    destinationType: destination.destinationType,
    coveredByPackage: null,
    coveredSeconds: 0,
    bundleUse: [],
    billableUnits: fragments,
    rateMicros: destination.rateMicros,
    amount,
    chargeType: amount > 0 ? "sms" : null,
    description: destination.description,
  }, { code: "sms_charged", params: { destination: destination.description, fragments } }));
}

function free(
  usage: UsageToRate,
  destination: RateEntry | null,
  why: RatingReason,
  coveredBy: PackageRule | null = null,
): Rated {
  return because({
    category: "included",
    destinationCountry: destination?.country ?? null,
    destinationType: destination?.destinationType ?? null,
    coveredByPackage: coveredBy ? { id: coveredBy.id, name: coveredBy.name } : null,
    coveredSeconds: coveredBy ? (usage.durationSeconds ?? 0) : 0,
    bundleUse: [],
    billableUnits: 0,
    rateMicros: null,
    amount: 0,
    chargeType: null,
    description: destination?.description ?? (usage.direction === "inbound" ? "Inbound" : "Call"),
  }, why);
}

/** A call charged whole from credit: the rounding rule, the destination's rate, one rounding. */
function chargedCall(
  duration: number,
  destination: RateEntry,
  currency: string,
  category: UsageCategory,
  chargeType: ChargeType,
  why: (billedSeconds: number) => RatingReason,
): Rated {
  const billable = billableSeconds(duration);
  const amount = chargeForSeconds(billable, destination.rateMicros, currency);
  return because({
    category,
    destinationCountry: destination.country,
    destinationType: destination.destinationType,
    coveredByPackage: null,
    coveredSeconds: 0,
    bundleUse: [],
    billableUnits: billable,
    rateMicros: destination.rateMicros,
    amount,
    chargeType: amount > 0 ? chargeType : null,
    description: destination.description,
  }, why(billable));
}
