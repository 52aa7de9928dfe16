import { describe, expect, it } from "vitest";
import { firstPeriodEnd } from "@/lib/payments/stripe-gateway";

describe("the end of a first period at the provider", () => {
  it.each([
    ["2026-11-15T09:30:00.000Z", "month", "2026-12-15T09:30:00.000Z"],
    ["2026-12-31T23:00:00.000Z", "month", "2027-01-31T23:00:00.000Z"],
    ["2027-01-31T10:00:00.000Z", "month", "2027-02-28T10:00:00.000Z"],
    ["2028-01-31T10:00:00.000Z", "month", "2028-02-29T10:00:00.000Z"],
    ["2026-03-31T00:00:00.000Z", "month", "2026-04-30T00:00:00.000Z"],
    ["2028-02-29T12:00:00.000Z", "year", "2029-02-28T12:00:00.000Z"],
    ["2026-11-29T12:00:00.000Z", "year", "2027-11-29T12:00:00.000Z"],
  ] as const)("%s plus a %s is %s (a shorter month ends on its last day)", (start, interval, end) => {
    expect(firstPeriodEnd(new Date(start), interval).toISOString()).toBe(end);
  });
});
