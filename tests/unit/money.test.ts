import { describe, expect, it } from "vitest";
import {
  chargeForSeconds,
  chargeForUnits,
  decimalString,
  divideRounded,
  formatMoney,
  minorToDecimal,
  minorUnitsPerMajor,
} from "@/lib/money";

describe("divideRounded", () => {
  it.each([
    [10, 4, 3], // 2.5 rounds away from zero
    [-10, 4, -3],
    [9, 4, 2], // 2.25
    [-9, 4, -2],
    [11, 4, 3], // 2.75
    [0, 7, 0],
    [1, 2, 1],
    [-1, 2, -1],
    [1, 3, 0],
    [7, -2, -4],
  ])("%i / %i = %i", (n, d, expected) => {
    expect(divideRounded(n, d)).toBe(expected);
  });

  it("refuses fractions and a zero denominator", () => {
    expect(() => divideRounded(1.5, 2)).toThrow(RangeError);
    expect(() => divideRounded(1, 0)).toThrow(RangeError);
    expect(() => divideRounded(2 ** 60, 3)).toThrow(RangeError);
  });
});

describe("charges", () => {
  it("prices seconds at a per-minute rate in micros, rounding once", () => {
    // 125 s at 0.0450 EUR/min = 0.09375 EUR -> 9.375 cents -> 9 cents
    expect(chargeForSeconds(125, 45_000, "EUR")).toBe(9);
    // 60 s at 0.99 EUR/min = 99 cents exactly
    expect(chargeForSeconds(60, 990_000, "EUR")).toBe(99);
    // 30 s at 0.01 EUR/min = 0.5 cent -> rounds half away from zero to 1 cent
    expect(chargeForSeconds(30, 10_000, "EUR")).toBe(1);
    expect(chargeForSeconds(0, 990_000, "EUR")).toBe(0);
  });

  it("prices units (SMS fragments) per unit", () => {
    expect(chargeForUnits(3, 75_000, "EUR")).toBe(23); // 22.5 cents -> 23
    expect(chargeForUnits(2, 10_000, "USD")).toBe(2);
  });

  it("knows currencies without minor units", () => {
    expect(minorUnitsPerMajor("EUR")).toBe(100);
    expect(minorUnitsPerMajor("JPY")).toBe(1);
    expect(chargeForSeconds(60, 10_000_000, "JPY")).toBe(10);
  });
});

describe("formatMoney", () => {
  it("formats minor units in the account currency", () => {
    expect(formatMoney(123456, "EUR")).toBe("€1,234.56");
    expect(formatMoney(5, "USD")).toBe("$0.05");
    expect(formatMoney(-310, "USD")).toBe("-$3.10");
    expect(formatMoney(0, "EUR")).toBe("€0.00");
    expect(formatMoney(1500, "JPY")).toBe("¥1,500");
  });

  it("keeps every digit of amounts beyond float precision", () => {
    expect(formatMoney(900719925474099, "EUR")).toBe("€9,007,199,254,740.99");
  });
});

describe("decimalString", () => {
  it.each([
    [0, 100, "0.00"],
    [5, 100, "0.05"],
    [-5, 100, "-0.05"],
    [-1234, 100, "-12.34"],
    [100, 100, "1.00"],
    [1500, 1, "1500"],
    [-7, 1, "-7"],
    [45_000, 1_000_000, "0.045000"],
    [1_000_000, 1_000_000, "1.000000"],
    [-999_999, 1_000_000, "-0.999999"],
    [900719925474099, 100, "9007199254740.99"],
  ])("%i at scale %i is %s", (units, scale, expected) => {
    expect(decimalString(units, scale)).toBe(expected);
  });

  it("refuses what is not a safe integer", () => {
    expect(() => decimalString(1.5, 100)).toThrow(RangeError);
    expect(() => decimalString(2 ** 60, 100)).toThrow(RangeError);
  });
});

describe("minorToDecimal", () => {
  it.each([
    [-1234, "EUR", "-12.34"],
    [42, "USD", "0.42"],
    [0, "EUR", "0.00"],
    [1500, "JPY", "1500"],
  ])("%i %s is %s", (minor, currency, expected) => {
    expect(minorToDecimal(minor, currency)).toBe(expected);
  });
});
