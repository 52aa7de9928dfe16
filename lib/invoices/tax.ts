import { divideRounded } from "@/lib/money";

/**
 * The VAT of an invoice. Pure: it decides from the seller's and the buyer's country and
 * the buyer's VAT number, and computes from integer minor units.
 *
 * The rules (telecommunications services, Council Directive 2006/112/EC):
 *   1. Buyer in the seller's country: the seller country's standard rate, business or not.
 *   2. Buyer in another EU country with a VAT number (a business): reverse charge, 0 %, with
 *      the note "Reverse charge: VAT to be accounted for by the recipient, Article 196
 *      Council Directive 2006/112/EC".
 *   3. Buyer in another EU country without a VAT number (a consumer): telecommunications
 *      are supplied where the customer is (art. 58), so the buyer country's standard rate.
 *   4. Buyer outside the EU: no VAT, "Outside the scope of EU VAT".
 *
 * VAT is computed per rate, once, on the sum of the net amounts at that rate, rounded
 * half away from zero (lib/money.ts). Credit purchases are priced before VAT, like the
 * usage they pay for: buying €100.00 of credit where 19 % applies charges €119.00, and the
 * ledger adds €100.00.
 */

/** EU standard VAT rates in basis points (1900 = 19 %), by ISO 3166-1 country code. */
export const EU_STANDARD_RATES: Readonly<Record<string, number>> = {
  AT: 2000, BE: 2100, BG: 2000, CY: 1900, CZ: 2100, DE: 1900, DK: 2500, EE: 2400,
  ES: 2100, FI: 2550, FR: 2000, GR: 2400, HR: 2500, HU: 2700, IE: 2300, IT: 2200,
  LT: 2100, LU: 1700, LV: 2100, MT: 1800, NL: 2100, PL: 2300, PT: 2300, RO: 2100,
  SE: 2500, SI: 2200, SK: 2300,
};

export const REVERSE_CHARGE_NOTE =
  "Reverse charge: VAT to be accounted for by the recipient, Article 196 Council Directive 2006/112/EC";
export const OUTSIDE_EU_NOTE = "Outside the scope of EU VAT";

export type TaxRuleName = "domestic" | "eu_consumer" | "reverse_charge" | "outside_eu";

export interface TaxRule {
  rule: TaxRuleName;
  /** Basis points: 1900 = 19 %. */
  rateBasisPoints: number;
  /** The legal note printed with the VAT, when the rule needs one. */
  note: string | null;
}

export function isEuCountry(country: string): boolean {
  return country in EU_STANDARD_RATES;
}

/** The legal note a rule prints with the VAT. */
export function noteOf(rule: TaxRuleName): string | null {
  if (rule === "reverse_charge") return REVERSE_CHARGE_NOTE;
  if (rule === "outside_eu") return OUTSIDE_EU_NOTE;
  return null;
}

export function taxRuleFor(input: { sellerCountry: string; buyerCountry: string; buyerVatNumber: string | null }): TaxRule {
  const sellerRate = EU_STANDARD_RATES[input.sellerCountry];
  if (sellerRate === undefined) throw new RangeError(`the seller must be in the EU, not ${input.sellerCountry}`);
  if (input.buyerCountry === input.sellerCountry) return { rule: "domestic", rateBasisPoints: sellerRate, note: null };
  const buyerRate = EU_STANDARD_RATES[input.buyerCountry];
  if (buyerRate === undefined) return { rule: "outside_eu", rateBasisPoints: 0, note: OUTSIDE_EU_NOTE };
  if (input.buyerVatNumber && input.buyerVatNumber.trim() !== "") {
    return { rule: "reverse_charge", rateBasisPoints: 0, note: REVERSE_CHARGE_NOTE };
  }
  return { rule: "eu_consumer", rateBasisPoints: buyerRate, note: null };
}

export interface TaxedTotals {
  /** One entry per rate, highest rate first. */
  breakdown: { rateBasisPoints: number; net: number; tax: number }[];
  net: number;
  tax: number;
  gross: number;
}

/** VAT of net lines, per rate, each rate rounded once. */
export function taxOfLines(lines: readonly { netAmount: number; taxRateBasisPoints: number }[]): TaxedTotals {
  const netByRate = new Map<number, number>();
  for (const line of lines) {
    if (!Number.isSafeInteger(line.netAmount)) throw new RangeError(`net amounts are integer minor units, got ${line.netAmount}`);
    netByRate.set(line.taxRateBasisPoints, (netByRate.get(line.taxRateBasisPoints) ?? 0) + line.netAmount);
  }
  const breakdown = [...netByRate.entries()]
    .sort(([a], [b]) => b - a)
    .map(([rateBasisPoints, net]) => ({ rateBasisPoints, net, tax: taxOn(net, rateBasisPoints) }));
  const net = breakdown.reduce((sum, b) => sum + b.net, 0);
  const tax = breakdown.reduce((sum, b) => sum + b.tax, 0);
  return { breakdown, net, tax, gross: net + tax };
}

/** The VAT on one net amount at one rate, rounded once. */
export function taxOn(net: number, rateBasisPoints: number): number {
  if (!Number.isSafeInteger(net)) throw new RangeError(`net amounts are integer minor units, got ${net}`);
  return divideRounded(net * rateBasisPoints, 10_000);
}

/** "19 %", "25.5 %", "0 %". */
export function formatRate(rateBasisPoints: number): string {
  const whole = Math.floor(rateBasisPoints / 100);
  const fraction = rateBasisPoints % 100;
  return `${whole}${fraction ? `.${String(fraction).padStart(2, "0").replace(/0$/, "")}` : ""} %`;
}
