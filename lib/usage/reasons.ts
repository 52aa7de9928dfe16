/**
 * Why a usage record was charged (or not), as the rating engine decided it: a code and
 * its parameters, stored with the record (`usage_records.rating_reason`,
 * `rating_reason_params`) and put into words by `reasonText`, the one place that words
 * them: the platform's answer, the spend drill-down and the credit movements CSV.
 */

export type LimitKind = "fair_use" | "included";

/** What the rating engine knows about a call that was not (wholly) included. */
export interface CallChargeParams {
  /** The destination's description on the rate card, e.g. "France mobile". */
  destination: string;
  /** Packages that cover the destination but not calls from the calling number's country. */
  outsideRegionOf?: string[];
  /** The package whose per-user minutes were used up by this call. */
  allowance?: { package: string; limit: LimitKind; minutesPerUser: number; coveredSeconds: number };
  /** A package would cover the call, but the record names no user to count minutes against. */
  noUser?: boolean;
  /** Seconds taken from prepaid bundles, in the order taken. */
  bundles?: { name: string; seconds: number }[];
  /** Seconds charged from credit. */
  creditSeconds: number;
}

export type RatingReason =
  | { code: "inbound_free"; params: Record<string, never> }
  | { code: "inbound_sms_free"; params: Record<string, never> }
  | { code: "included_in_package"; params: { package: string } }
  | { code: "toll_free_inbound"; params: { billedSeconds: number } }
  | { code: "forwarded_leg"; params: { destination: string; billedSeconds: number } }
  | { code: "premium_destination"; params: { destination: string; billedSeconds: number } }
  | { code: "sms_charged"; params: { destination: string; fragments: number } }
  | { code: "outside_package_region"; params: CallChargeParams }
  | { code: "beyond_package_minutes"; params: CallChargeParams }
  | { code: "no_user_for_package"; params: CallChargeParams }
  | { code: "not_in_package"; params: CallChargeParams }
  /** Not in a package, and paid wholly with prepaid bundle minutes. */
  | { code: "from_bundle"; params: CallChargeParams }
  /** Records rated before reasons were kept: only their category is known. */
  | { code: "unrecorded"; params: { category: string } };

export type ReasonCode = RatingReason["code"];

export const REASON_CODES = [
  "inbound_free",
  "inbound_sms_free",
  "included_in_package",
  "toll_free_inbound",
  "forwarded_leg",
  "premium_destination",
  "sms_charged",
  "outside_package_region",
  "beyond_package_minutes",
  "no_user_for_package",
  "not_in_package",
  "from_bundle",
  "unrecorded",
] as const satisfies readonly ReasonCode[];

/** The code of a charged call: the first rule that kept it out of a package. */
export function callChargeReason(params: CallChargeParams): RatingReason {
  if (params.outsideRegionOf?.length) return { code: "outside_package_region", params };
  if (params.allowance) return { code: "beyond_package_minutes", params };
  if (params.noUser) return { code: "no_user_for_package", params };
  if (params.creditSeconds === 0 && params.bundles?.length) return { code: "from_bundle", params };
  return { code: "not_in_package", params };
}

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
const limitName = (limit: LimitKind) => (limit === "fair_use" ? "fair-use limit" : "included minutes");
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

function outsideRegions(names: readonly string[]): string {
  if (names.length === 1) return `from a number outside the ${names[0]} package's region`;
  return `from a number outside the regions of the ${names.slice(0, -1).join(", ")} and ${names.at(-1)} packages`;
}

function callChargeText(p: CallChargeParams): string {
  const notes: string[] = [];
  if (p.outsideRegionOf?.length) notes.push(outsideRegions(p.outsideRegionOf));
  if (p.allowance) {
    const a = p.allowance;
    notes.push(
      a.coveredSeconds > 0
        ? `${clock(a.coveredSeconds)} included in ${a.package}, the rest beyond its ${limitName(a.limit)} of ${a.minutesPerUser} min per user per month`
        : `beyond the ${limitName(a.limit)} of ${a.package} (${a.minutesPerUser} min per user per month)`,
    );
  }
  if (p.noUser) notes.push("no user on the record, so no per-user package minutes apply");
  const bundles = p.bundles ?? [];
  if (bundles.length > 0) notes.push(bundles.map((b) => `${b.seconds} s from ${b.name}`).join(", "));
  if (p.creditSeconds > 0) notes.push(`${p.creditSeconds} s charged from credit to ${p.destination}`);
  else if (bundles.length === 0) notes.push(`${p.destination}: not in a package`);
  return notes.join("; ");
}

/** The reason in words, e.g. "forwarded leg to UK mobile: always charged from credit, 125 s billed". */
export function reasonText(reason: RatingReason): string {
  switch (reason.code) {
    case "inbound_free":
      return "inbound call: free";
    case "inbound_sms_free":
      return "inbound SMS: free";
    case "included_in_package":
      return `included in ${reason.params.package}`;
    case "toll_free_inbound":
      return `inbound call to a toll-free number: charged per minute, ${reason.params.billedSeconds} s billed`;
    case "forwarded_leg":
      return `forwarded leg to ${reason.params.destination}: always charged from credit, ${reason.params.billedSeconds} s billed`;
    case "premium_destination":
      return `premium destination (${reason.params.destination}): never included, ${reason.params.billedSeconds} s billed`;
    case "sms_charged":
      return `SMS to ${reason.params.destination}: ${plural(reason.params.fragments, "fragment")} charged`;
    case "outside_package_region":
    case "beyond_package_minutes":
    case "no_user_for_package":
    case "not_in_package":
      return callChargeText(reason.params);
    case "from_bundle":
      return `${reason.params.destination}: not in a package, paid with prepaid minutes (${callChargeText(reason.params)})`;
    case "unrecorded":
      return `rated before reasons were kept (${String(reason.params.category ?? "usage").replace(/_/g, " ")})`;
  }
}

/** A reason as stored (code and JSON parameters) in words; an unknown code says so rather than guessing. */
export function storedReasonText(code: string, params: unknown): string {
  if (!(REASON_CODES as readonly string[]).includes(code) || typeof params !== "object" || params === null) {
    return `reason not known (${code})`;
  }
  return reasonText({ code, params } as RatingReason);
}
