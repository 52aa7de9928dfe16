import { describe, expect, it } from "vitest";
import { shareBasisPoints } from "@/lib/usage/spend";
import { paramsProblem, spendParamsFrom, validRowKey } from "@/lib/usage/spend-params";

describe("the spend page's query string", () => {
  it("defaults to the current period by user, most spent first", () => {
    const parsed = spendParamsFrom({});
    expect(parsed.success && parsed.data).toEqual({ by: "user", sort: "amount", page: 1 });
  });

  it("reads a view, a sort, a period, a row and a cursor", () => {
    const parsed = spendParamsFrom({
      by: "country",
      sort: "name",
      period: "2026-10-01",
      row: "FR",
      after: "1795954660146123~0b6c1b9e-4a3c-4b6d-9f0e-2a1b3c4d5e6f",
    });
    expect(parsed.success && parsed.data).toMatchObject({ by: "country", sort: "name", period: "2026-10-01", row: "FR" });
  });

  it.each<[string, Record<string, string | string[]>, string]>([
    ["an unknown view", { by: "team" }, "by must be one of user, number, country, category"],
    ["an unknown sort", { sort: "cost" }, "sort must be one of amount, minutes, name"],
    ["a period that is not a date", { period: "2026-13-01" }, "period must be the first day of a billing period, as YYYY-MM-DD"],
    ["a made-up cursor", { after: "1' or 1=1--" }, "after must be a page cursor from this page"],
    ["a name given twice", { by: ["user", "number"] }, "by must be one of user, number, country, category"],
    ["a row too long to be a key", { row: "x".repeat(65) }, "row must be at most 64 characters"],
    ["a page that is not a number", { page: "two" }, "page must be a whole number from 1"],
    ["page 0", { page: "0" }, "page must be a whole number from 1"],
  ])("refuses %s in words", (_name, query, message) => {
    const parsed = spendParamsFrom(query);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(paramsProblem(parsed.error)).toBe(message);
  });

  it.each<[Parameters<typeof validRowKey>[0], string, boolean]>([
    ["user", "0b6c1b9e-4a3c-4b6d-9f0e-2a1b3c4d5e6f", true],
    ["user", "", true],
    ["user", "anna", false],
    ["number", "+493012345678", true],
    ["number", "030 1234", false],
    ["country", "FR", true],
    ["country", "France", false],
    ["category", "sms", true],
    ["category", "calls", false],
    ["category", "toString", false],
    ["category", "__proto__", false],
    ["category", "constructor", false],
  ])("a %s row %j is %s", (view, key, valid) => {
    expect(validRowKey(view, key)).toBe(valid);
  });

  it("says shares in basis points with integers, rounded half away from zero", () => {
    expect(shareBasisPoints(1, 3)).toBe(3_333);
    expect(shareBasisPoints(2, 3)).toBe(6_667);
    expect(shareBasisPoints(5, 0)).toBe(0);
  });
});
