/**
 * Would a calling package have cost less than credit? Pure: it reads what calls charged
 * from credit cost over the last 30 days (per user, calling number's country and
 * destination country) and the packages the account could add.
 *
 * The rules:
 *   1. Only calls charged from credit that a package could include: outbound, not forwarded,
 *      not premium, to a fixed or mobile destination, with a user (package minutes are per
 *      user). A package includes a call to one of its countries made from a number in one
 *      of its countries (a domestic package: the account's country).
 *   2. Only packages the account does not have and its plan allows.
 *   3. A package is bought for every seat of the subscription (as the plan page adds it):
 *      it costs its monthly price times the seats, whoever made the calls. 30 days count as
 *      one month.
 *   4. Each user's calls are included up to the package's minutes per user (fair use for an
 *      unlimited package); beyond them, the share of the user's credit spend above the
 *      limit would still be charged (saved = spend × limit / seconds, rounded down).
 *   5. Advice only when the package saves money: what it would include less its price. The
 *      package that saves most; none when none saves.
 */

export interface CreditCalls {
  userId: string;
  /** Country of the account's number the calls were made from. */
  fromCountry: string;
  destinationCountry: string;
  /** Seconds charged from credit. */
  seconds: number;
  /** Minor units charged from credit. */
  amount: number;
}

export interface PackageOffer {
  id: string;
  code: string;
  name: string;
  scope: "domestic" | "international";
  coveredCountries: readonly string[];
  minutesPerUser: number;
  /** Per user per month, minor units. */
  monthlyPrice: number;
}

export interface PackageAdvice {
  package: { id: string; code: string; name: string };
  /** Destination countries of the calls it would include, by spend, most first. */
  countries: string[];
  users: number;
  /** What those calls cost from credit. */
  creditSpend: number;
  /** Seats the package would be bought for. */
  seats: number;
  /** The package for every seat, per month. */
  packageCost: number;
  savings: number;
}

export interface AdviceInput {
  accountCountry: string;
  calls: readonly CreditCalls[];
  offers: readonly PackageOffer[];
  /** Codes of the packages the account has. */
  held: readonly string[];
  /** Whether the plan allows a package code. */
  allows: (code: string) => boolean;
  /** Seats of the subscription: a package is bought for each. */
  seats: number;
}

function region(offer: PackageOffer, accountCountry: string): readonly string[] {
  return offer.scope === "domestic" ? [accountCountry] : offer.coveredCountries;
}

function adviceFor(offer: PackageOffer, input: AdviceInput): PackageAdvice | null {
  const countries = region(offer, input.accountCountry);
  const fits = input.calls.filter((c) => countries.includes(c.destinationCountry) && countries.includes(c.fromCountry));
  if (fits.length === 0) return null;
  const perUser = new Map<string, { seconds: number; amount: number }>();
  const perCountry = new Map<string, number>();
  for (const c of fits) {
    const user = perUser.get(c.userId) ?? { seconds: 0, amount: 0 };
    perUser.set(c.userId, { seconds: user.seconds + c.seconds, amount: user.amount + c.amount });
    perCountry.set(c.destinationCountry, (perCountry.get(c.destinationCountry) ?? 0) + c.amount);
  }
  const limit = offer.minutesPerUser * 60;
  let included = 0;
  let creditSpend = 0;
  for (const { seconds, amount } of perUser.values()) {
    creditSpend += amount;
    included += seconds <= limit ? amount : Math.floor((amount * limit) / seconds);
  }
  const packageCost = offer.monthlyPrice * input.seats;
  const savings = included - packageCost;
  if (savings <= 0) return null;
  return {
    package: { id: offer.id, code: offer.code, name: offer.name },
    countries: [...perCountry.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c),
    users: perUser.size,
    creditSpend,
    seats: input.seats,
    packageCost,
    savings,
  };
}

/** The package that would have saved most over the last 30 days, or null when none saves. */
export function packageAdvice(input: AdviceInput): PackageAdvice | null {
  let best: PackageAdvice | null = null;
  for (const offer of input.offers) {
    if (input.held.includes(offer.code) || !input.allows(offer.code)) continue;
    const advice = adviceFor(offer, input);
    if (advice && (!best || advice.savings > best.savings)) best = advice;
  }
  return best;
}
