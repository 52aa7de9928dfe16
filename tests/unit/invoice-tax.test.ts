import { describe, expect, it } from "vitest";
import {
  EU_STANDARD_RATES,
  formatRate,
  OUTSIDE_EU_NOTE,
  REVERSE_CHARGE_NOTE,
  noteOf,
  taxOn,
  taxOfLines,
  taxRuleFor,
} from "@/lib/invoices/tax";

describe("the VAT rule between seller and buyer", () => {
  it.each([
    // seller, buyer country, buyer VAT number, rule, rate, note
    ["DE", "DE", "DE811907980", "domestic", 1900, null],
    ["DE", "DE", null, "domestic", 1900, null],
    ["FR", "FR", "FR40303265045", "domestic", 2000, null],
    ["DE", "FR", "FR40303265045", "reverse_charge", 0, REVERSE_CHARGE_NOTE],
    ["DE", "AT", "ATU13585627", "reverse_charge", 0, REVERSE_CHARGE_NOTE],
    ["DE", "AT", null, "eu_consumer", 2000, null],
    ["DE", "FI", "", "eu_consumer", 2550, null],
    ["DE", "US", null, "outside_eu", 0, OUTSIDE_EU_NOTE],
    ["DE", "GB", "GB980780684", "outside_eu", 0, OUTSIDE_EU_NOTE],
    ["DE", "CH", "CHE116281710", "outside_eu", 0, OUTSIDE_EU_NOTE],
  ] as const)("seller %s, buyer in %s with VAT number %s: %s at %i", (seller, buyer, vat, rule, rate, note) => {
    expect(taxRuleFor({ sellerCountry: seller, buyerCountry: buyer, buyerVatNumber: vat })).toEqual({
      rule,
      rateBasisPoints: rate,
      note,
    });
  });

  it("refuses a seller outside the EU (these rules are the EU's)", () => {
    expect(() => taxRuleFor({ sellerCountry: "US", buyerCountry: "US", buyerVatNumber: null })).toThrow(/EU/);
  });

  it("knows the 27 member states' standard rates", () => {
    expect(Object.keys(EU_STANDARD_RATES)).toHaveLength(27);
    expect(EU_STANDARD_RATES.DE, "Germany").toBe(1900);
    expect(EU_STANDARD_RATES.HU, "Hungary").toBe(2700);
  });
});

describe("VAT per rate, rounded once per rate", () => {
  it.each([
    // lines (net, rate), breakdown, net, tax, gross
    [[[10_000, 1900]], [[1900, 10_000, 1900]], 10_000, 1900, 11_900],
    // 0.5 of a cent rounds away from zero: 1050 x 19 % = 199.5 -> 200
    [[[1050, 1900]], [[1900, 1050, 200]], 1050, 200, 1250],
    // rounded on the sum, not per line: 3 x 0.19 x 1 cent... 3 lines of 1 = 3 x 19 % = 0.57 -> 1
    [[[1, 1900], [1, 1900], [1, 1900]], [[1900, 3, 1]], 3, 1, 4],
    // a credit: negative amounts round away from zero too
    [[[-1050, 1900]], [[1900, -1050, -200]], -1050, -200, -1250],
    // several rates: one entry each, highest rate first
    [[[1000, 0], [2000, 2000], [500, 2000]], [[2000, 2500, 500], [0, 1000, 0]], 3500, 500, 4000],
    [[[12_345, 2550]], [[2550, 12_345, 3148]], 12_345, 3148, 15_493],
  ] as const)("%j", (lines, breakdown, net, tax, gross) => {
    const result = taxOfLines(lines.map(([netAmount, taxRateBasisPoints]) => ({ netAmount, taxRateBasisPoints })));
    expect(result.breakdown).toEqual(breakdown.map(([rateBasisPoints, n, t]) => ({ rateBasisPoints, net: n, tax: t })));
    expect({ net: result.net, tax: result.tax, gross: result.gross }).toEqual({ net, tax, gross });
  });

  it("refuses a fraction of a minor unit", () => {
    expect(() => taxOfLines([{ netAmount: 10.5, taxRateBasisPoints: 1900 }])).toThrow(RangeError);
  });
});

describe("VAT on top of a credit purchase", () => {
  it.each([
    // credit, rate, VAT
    [5000, 1900, 950],
    [10_000, 1900, 1900],
    [5000, 0, 0],
    [2550, 2550, 650], // 650.25 rounds down
    [1050, 2100, 221], // 220.5 rounds half away from zero
    [1, 1900, 0],
  ])("%i at %i: VAT %i", (credit, rate, tax) => {
    expect(taxOn(credit, rate)).toBe(tax);
  });

  it("refuses a fraction of a minor unit", () => {
    expect(() => taxOn(10.5, 1900)).toThrow(RangeError);
  });
});

describe("the legal note of each rule", () => {
  it("prints reverse charge and outside-EU notes, and none for charged VAT", () => {
    expect(noteOf("reverse_charge")).toBe(REVERSE_CHARGE_NOTE);
    expect(noteOf("outside_eu")).toBe(OUTSIDE_EU_NOTE);
    expect(noteOf("domestic")).toBeNull();
    expect(noteOf("eu_consumer")).toBeNull();
  });
});

it.each([
  [1900, "19 %"],
  [2550, "25.5 %"],
  [0, "0 %"],
  [2105, "21.05 %"],
])("rate %i reads %s", (bp, text) => {
  expect(formatRate(bp)).toBe(text);
});
