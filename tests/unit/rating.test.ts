import { describe, expect, it } from "vitest";
import {
  billableSeconds,
  type BundleState,
  type PackageRule,
  PrefixTable,
  type RateEntry,
  type RateTables,
  rateUsage,
  type RatingState,
  type UsageToRate,
  usageKey,
} from "@/lib/usage/rating";

const entry = (prefix: string, country: string, destinationType: RateEntry["destinationType"], rateMicros: number, description = `${country} ${destinationType}`): RateEntry => ({
  prefix,
  country,
  destinationType,
  description,
  rateMicros,
});

const tables: RateTables = {
  callOutbound: new PrefixTable([
    entry("49", "DE", "fixed", 12_000),
    entry("4915", "DE", "mobile", 45_000),
    entry("49800", "DE", "toll_free", 0),
    entry("49900", "DE", "premium", 990_000),
    entry("33", "FR", "fixed", 14_000),
    entry("336", "FR", "mobile", 52_000),
    entry("1", "US", "fixed", 10_000),
    entry("81", "JP", "fixed", 60_000),
  ]),
  callInboundTollFree: new PrefixTable([entry("49800", "DE", "toll_free", 60_000), entry("1800", "US", "toll_free", 25_000)]),
  sms: new PrefixTable([entry("49", "DE", "mobile", 75_000), entry("44", "GB", "mobile", 40_000)]),
};

const MONTH = "2026-11-01";
const AT = new Date("2026-11-20T10:00:00Z");
const USER = "user-1";

const unlimitedDe: PackageRule = {
  id: "pkg-de",
  name: "Unlimited Germany",
  scope: "domestic",
  coveredCountries: [],
  unlimited: true,
  minutesPerUser: 100,
  startedAt: new Date("2026-01-01T00:00:00Z"),
  endedAt: null,
};
const europe50: PackageRule = {
  id: "pkg-eu",
  name: "Europe 50",
  scope: "international",
  coveredCountries: ["DE", "FR"],
  unlimited: false,
  minutesPerUser: 50,
  startedAt: new Date("2026-01-01T00:00:00Z"),
  endedAt: null,
};

function baseState(overrides: Partial<RatingState> = {}): RatingState {
  return { country: "DE", currency: "EUR", packages: [unlimitedDe, europe50], bundles: [], usedSeconds: new Map(), ...overrides };
}

const state = baseState;

function call(to: string, durationSeconds: number, overrides: Partial<UsageToRate> = {}): UsageToRate {
  return { kind: "call", direction: "outbound", to, fromCountry: "DE", startedAt: AT, durationSeconds, forwarded: false, userId: USER, month: MONTH, ...overrides };
}

function rated(usage: UsageToRate, s = state()) {
  const result = rateUsage(usage, tables, s);
  if (!result.ok) throw new Error(`not rated: ${result.failure.message}`);
  return result.value;
}

describe("prefix table", () => {
  it.each([
    ["+4930123456", "DE", "fixed"],
    ["+4915112345678", "DE", "mobile"],
    ["+4990012345", "DE", "premium"],
    ["+4980012345", "DE", "toll_free"],
    ["+33123456789", "FR", "fixed"],
    ["+33612345678", "FR", "mobile"],
    ["+12125550100", "US", "fixed"],
  ])("matches %s by its longest prefix: %s %s", (number, country, type) => {
    expect(tables.callOutbound.match(number)).toMatchObject({ country, destinationType: type });
  });

  it("matches nothing for an unknown country code", () => {
    expect(tables.callOutbound.match("+8613812345678")).toBeNull();
    expect(rateUsage(call("+8613812345678", 60), tables, state())).toEqual({
      ok: false,
      failure: { kind: "refused", message: "no rate for destination +8613812345678" },
    });
  });
});

describe("the rounding rule: at least the first minute, then per second", () => {
  it.each([
    [0, 0],
    [1, 60],
    [59, 60],
    [60, 60],
    [61, 61],
    [125, 125],
  ])("%i s is billed as %i s", (duration, billed) => {
    expect(billableSeconds(duration)).toBe(billed);
  });

  // Japan at 0.06 EUR per minute: 0.1 cent per second, rounded once, half away from zero.
  it.each([
    [0, 0, 0],
    [1, 60, 6],
    [61, 61, 6],
    [65, 65, 7],
    [125, 125, 13],
    [3_600, 3_600, 360],
  ])("a %i s call to Japan bills %i s and costs %i cents", (duration, units, cents) => {
    const result = rated(call("+81312345678", duration));
    expect(result).toMatchObject({ category: "outside_packages", billableUnits: units, amount: cents, rateMicros: 60_000 });
    expect(result.chargeType).toBe(cents > 0 ? "call" : null);
  });

  it("rounds in yen with no minor unit", () => {
    const yen: RatingState = state({ currency: "JPY", packages: [] });
    const jp: RateTables = { ...tables, callOutbound: new PrefixTable([entry("1", "US", "fixed", 1_500_000)]) };
    const result = rateUsage(call("+12125550100", 61), jp, yen);
    // 61 s at 1.5 yen per minute = 1.525 yen, one rounding: 2 yen.
    expect(result).toMatchObject({ ok: true, value: { amount: 2, billableUnits: 61 } });
  });
});

describe("packages", () => {
  it("a domestic package covers the account's own country, fixed and mobile", () => {
    for (const to of ["+4930123456", "+4915112345678"]) {
      expect(rated(call(to, 300))).toMatchObject({ category: "included", amount: 0, coveredByPackage: { name: "Unlimited Germany" } });
    }
  });

  it("a domestic package does not cover another country, nor Germany for an Austrian account", () => {
    expect(rated(call("+12125550100", 60))).toMatchObject({ category: "outside_packages", amount: 1, coveredByPackage: null });
    const austrian = state({ country: "AT", packages: [unlimitedDe] });
    expect(rated(call("+4930123456", 60, { fromCountry: "AT" }), austrian)).toMatchObject({ category: "outside_packages", amount: 1 });
  });

  it("an international package covers only its countries", () => {
    expect(rated(call("+33612345678", 120))).toMatchObject({ category: "included", coveredByPackage: { name: "Europe 50" } });
  });

  it("premium destinations are never included, nor taken from a bundle", () => {
    const s = state({ bundles: [bundle("b1", 10_000)] });
    expect(rated(call("+4990012345", 60), s)).toMatchObject({ category: "premium", amount: 99, chargeType: "call", bundleUse: [] });
    expect(s.bundles[0]!.remainingSeconds).toBe(10_000);
  });

  it("applies only packages active when the call started", () => {
    const ended = { ...unlimitedDe, endedAt: new Date("2026-11-20T09:59:59Z") };
    const later = { ...unlimitedDe, startedAt: new Date("2026-11-20T10:00:01Z") };
    expect(rated(call("+4930123456", 60), state({ packages: [ended] }))).toMatchObject({ category: "outside_packages", amount: 1 });
    expect(rated(call("+4930123456", 60), state({ packages: [later] }))).toMatchObject({ category: "outside_packages", amount: 1 });
  });

  it("needs a user: per-user minutes cannot apply to a record without one", () => {
    const result = rated(call("+4930123456", 60, { userId: null }));
    expect(result).toMatchObject({ category: "outside_packages", amount: 1 });
    expect(result.reason).toContain("no user");
  });
});

describe("a package covers a call only from a number in its region", () => {
  const europe: PackageRule = { ...europe50, id: "pkg-europe", name: "Europe", coveredCountries: ["DE", "FR", "GB"], unlimited: true, minutesPerUser: 3000 };
  const asia: PackageRule = { ...europe50, id: "pkg-asia", name: "Asia", coveredCountries: ["JP", "SG"], minutesPerUser: 300 };
  const outside = (name: string) => `from a number outside the ${name} package's region`;

  // [case, destination, country of the calling number, packages, package that includes it, why it is charged]
  it.each<[string, string, string | null, PackageRule[], string | null, string]>([
    ["Europe: a German number calls France", "+33123456789", "DE", [europe], "Europe", "included in Europe"],
    ["Europe: a French number calls Germany", "+4930123456", "FR", [europe], "Europe", "included in Europe"],
    ["Europe: a US number calls France", "+33123456789", "US", [europe], null, `${outside("Europe")}; 60 s charged from credit to FR fixed`],
    ["Europe: a Japanese number calls Germany", "+4930123456", "JP", [europe], null, `${outside("Europe")}; 60 s charged from credit to DE fixed`],
    ["Asia: a Japanese number calls Japan", "+81312345678", "JP", [asia], "Asia", "included in Asia"],
    ["Asia: a German number calls Japan", "+81312345678", "DE", [asia], null, `${outside("Asia")}; 60 s charged from credit to JP fixed`],
    ["domestic: a German number calls Germany", "+4930123456", "DE", [unlimitedDe], "Unlimited Germany", "included in Unlimited Germany"],
    ["domestic: a French number of the German account calls Germany", "+4930123456", "FR", [unlimitedDe], null, `${outside("Unlimited Germany")}; 60 s charged from credit to DE fixed`],
    ["domestic: a US number calls the US (no package covers it)", "+12125550100", "US", [unlimitedDe], null, "60 s charged from credit to US fixed"],
    ["two packages, the number in the region of one", "+4930123456", "FR", [unlimitedDe, europe], "Europe", "included in Europe"],
    ["two packages, the number in the region of neither", "+4930123456", "US", [unlimitedDe, europe], null, "from a number outside the regions of the Unlimited Germany and Europe packages; 60 s charged from credit to DE fixed"],
    ["a calling number of unknown country", "+33123456789", null, [europe], null, `${outside("Europe")}; 60 s charged from credit to FR fixed`],
  ])("%s", (_name, to, fromCountry, packages, coveredBy, reason) => {
    const s = state({ packages });
    const result = rated(call(to, 60, { fromCountry }), s);
    expect(result.coveredByPackage?.name ?? null, "package").toBe(coveredBy);
    expect(result.category, "category").toBe(coveredBy ? "included" : "outside_packages");
    expect(result.amount > 0, "charged").toBe(!coveredBy);
    expect(result.reason, "reason").toBe(reason);
    // Only a call the package includes counts against its minutes.
    expect([...s.usedSeconds.values()], "package minutes").toEqual(coveredBy ? [60] : []);
  });

  it("takes a call from outside the region from a bundle before credit", () => {
    const s = state({ packages: [europe], bundles: [bundle("b1", 100)] });
    const result = rated(call("+33123456789", 90, { fromCountry: "US" }), s);
    expect(result).toMatchObject({ category: "bundle", amount: 0, bundleUse: [{ id: "b1", seconds: 90 }], coveredByPackage: null });
    expect(result.reason).toBe(`${outside("Europe")}; 90 s from Bundle b1`);
  });

  it("does not apply the region to forwarded legs, premium numbers, inbound calls or SMS", () => {
    const s = state({ packages: [europe] });
    expect(rated(call("+33123456789", 60, { fromCountry: "US", forwarded: true }), s).reason).not.toContain("region");
    expect(rated(call("+4990012345", 60, { fromCountry: "US" }), s).reason).not.toContain("region");
    expect(rated(call("+4930123456", 60, { fromCountry: null, direction: "inbound" }), s)).toMatchObject({ amount: 0, reason: "inbound call: free" });
  });
});

describe("fair use and included minutes, per user per month", () => {
  const limit = 100 * 60;
  const used = (seconds: number, user = USER, month = MONTH) => new Map([[usageKey(month, user, "pkg-de"), seconds]]);
  // Germany only: Europe 50 would take German calls once the domestic package has less left.
  const state = (overrides: Partial<RatingState>) => baseState({ packages: [unlimitedDe], ...overrides });

  it("includes a call that ends exactly at the limit", () => {
    const s = state({ usedSeconds: used(limit - 30) });
    expect(rated(call("+4930123456", 30), s)).toMatchObject({ category: "included", amount: 0 });
    expect(s.usedSeconds.get(usageKey(MONTH, USER, "pkg-de"))).toBe(limit);
  });

  it("charges the whole call, first minute included, once the limit is used up", () => {
    const s = state({ usedSeconds: used(limit) });
    const result = rated(call("+4930123456", 30), s);
    // 60 s at 0.012 EUR per minute = 1.2 cents -> 1 cent; still counted against the package.
    expect(result).toMatchObject({ category: "outside_packages", billableUnits: 60, amount: 1, coveredByPackage: { name: "Unlimited Germany" } });
    expect(result.reason).toContain("fair-use limit");
  });

  it("charges per second what goes beyond the limit in the call that crosses it", () => {
    const s = state({ usedSeconds: used(limit - 30) });
    const result = rated(call("+4915112345678", 630), s);
    // 30 s included, 600 s charged at 0.045 per minute = 45 cents.
    expect(result).toMatchObject({ category: "outside_packages", billableUnits: 600, amount: 45 });
    expect(result.reason).toMatch(/^0:30 included in Unlimited Germany/);
  });

  it("bills a call that takes the last seconds of the allowance for its first minute in all", () => {
    const s = state({ usedSeconds: used(limit - 1) });
    // 1 s included, 59 s charged at 0.012 per minute = 1.18 -> 1 cent.
    expect(rated(call("+4930123456", 20), s)).toMatchObject({ category: "outside_packages", billableUnits: 59, amount: 1, coveredSeconds: 1 });
  });

  it("counts each user and each month on its own", () => {
    const s = state({ usedSeconds: used(limit, "someone-else") });
    expect(rated(call("+4930123456", 60), s)).toMatchObject({ category: "included" });
    const lastMonth = state({ usedSeconds: used(limit, USER, "2026-10-01") });
    expect(rated(call("+4930123456", 60), lastMonth)).toMatchObject({ category: "included" });
  });

  it("uses up the allowance across the calls of a batch", () => {
    const s = state({ usedSeconds: used(limit - 90) });
    expect(rated(call("+4930123456", 60), s)).toMatchObject({ category: "included" });
    expect(rated(call("+4930123456", 60), s)).toMatchObject({ category: "outside_packages", billableUnits: 30 });
    expect(rated(call("+4930123456", 60), s)).toMatchObject({ category: "outside_packages", billableUnits: 60 });
  });

  it("limited packages stop at their included minutes", () => {
    const s = state({ packages: [europe50], usedSeconds: new Map([[usageKey(MONTH, USER, "pkg-eu"), 50 * 60]]) });
    expect(rated(call("+33123456789", 60), s)).toMatchObject({ category: "outside_packages", amount: 1 });
  });
});

function bundle(id: string, remainingSeconds: number, expiresAt = new Date("2026-12-31T00:00:00Z")): BundleState {
  return { id, name: `Bundle ${id}`, remainingSeconds, purchasedAt: new Date("2026-10-01T00:00:00Z"), expiresAt };
}

describe("prepaid bundles, before credit", () => {
  it("takes a call from a bundle and records nothing charged", () => {
    const s = state({ packages: [], bundles: [bundle("b1", 100)] });
    expect(rated(call("+12125550100", 90), s)).toMatchObject({ category: "bundle", amount: 0, billableUnits: 0, bundleUse: [{ id: "b1", seconds: 90 }] });
    expect(s.bundles[0]!.remainingSeconds).toBe(10);
  });

  it("charges from credit what the bundle no longer holds", () => {
    const s = state({ packages: [], bundles: [bundle("b1", 10)] });
    // 60 s billed (first minute): 10 s from the bundle, 50 s from credit at 0.06 per minute = 5 cents.
    expect(rated(call("+81312345678", 30), s)).toMatchObject({ category: "outside_packages", billableUnits: 50, amount: 5, bundleUse: [{ id: "b1", seconds: 10 }] });
    expect(s.bundles[0]!.remainingSeconds).toBe(0);
  });

  it("uses the bundle expiring first first, and skips expired ones", () => {
    const expired = bundle("old", 1_000, new Date("2026-11-20T09:00:00Z"));
    const s = state({ packages: [], bundles: [expired, bundle("soon", 30, new Date("2026-11-25")), bundle("late", 1_000)] });
    const result = rated(call("+12125550100", 100), s);
    expect(result.bundleUse).toEqual([
      { id: "soon", name: "Bundle soon", seconds: 30 },
      { id: "late", name: "Bundle late", seconds: 70 },
    ]);
    expect(s.bundles.map((b) => b.remainingSeconds)).toEqual([1_000, 0, 930]);
  });

  it("does not use bundle minutes on a free destination", () => {
    const s = state({ packages: [], bundles: [bundle("b1", 1_000)] });
    expect(rated(call("+4980012345", 300), s)).toMatchObject({ category: "outside_packages", amount: 0, bundleUse: [], chargeType: null });
    expect(s.bundles[0]!.remainingSeconds).toBe(1_000);
  });

  it("a package comes before the bundle", () => {
    const s = state({ bundles: [bundle("b1", 100)] });
    expect(rated(call("+4930123456", 60), s)).toMatchObject({ category: "included" });
    expect(s.bundles[0]!.remainingSeconds).toBe(100);
  });
});

describe("forwarded legs, inbound calls and SMS", () => {
  it("charges forwarded legs whatever the package, not from a bundle", () => {
    const s = state({ bundles: [bundle("b1", 1_000)] });
    expect(rated(call("+4930123456", 120, { forwarded: true }), s)).toMatchObject({ category: "forwarded", chargeType: "forwarded_leg", amount: 2, billableUnits: 120 });
    expect(rated(call("+4930123456", 120, { forwarded: true, direction: "inbound" }), s)).toMatchObject({ category: "forwarded" });
    expect(s.bundles[0]!.remainingSeconds).toBe(1_000);
  });

  it("inbound calls are free, except to toll-free numbers, charged per minute", () => {
    expect(rated(call("+4930123456", 600, { direction: "inbound" }))).toMatchObject({ category: "included", amount: 0, coveredByPackage: null });
    // 1 s billed as the first minute at 0.06 per minute.
    expect(rated(call("+4980012345", 1, { direction: "inbound" }))).toMatchObject({ category: "toll_free_inbound", chargeType: "toll_free_inbound", billableUnits: 60, amount: 6 });
    expect(rated(call("+18005550100", 600, { direction: "inbound" }))).toMatchObject({ category: "toll_free_inbound", amount: 25 });
    expect(rated(call("+4980012345", 0, { direction: "inbound" }))).toMatchObject({ category: "toll_free_inbound", amount: 0, chargeType: null });
  });

  it("charges SMS per fragment by destination country", () => {
    const sms = (to: string, fragments: number, direction: "outbound" | "inbound" = "outbound"): UsageToRate => ({
      kind: "sms",
      direction,
      to,
      fromCountry: "DE",
      startedAt: AT,
      fragments,
      forwarded: false,
      userId: USER,
      month: MONTH,
    });
    expect(rated(sms("+447700900123", 1))).toMatchObject({ category: "sms", chargeType: "sms", billableUnits: 1, amount: 4 });
    expect(rated(sms("+447700900123", 3))).toMatchObject({ amount: 12, billableUnits: 3 });
    expect(rated(sms("+4915112345678", 2))).toMatchObject({ amount: 15 });
    expect(rated(sms("+447700900123", 3, "inbound"))).toMatchObject({ category: "included", amount: 0 });
    expect(rateUsage(sms("+33612345678", 1), tables, state())).toEqual({
      ok: false,
      failure: { kind: "refused", message: "no SMS rate for destination +33612345678" },
    });
  });
});
