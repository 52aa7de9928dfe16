import { describe, expect, it } from "vitest";
import { addDays, daysBetween, zoneAbbreviation, zonedDateString, zonedMidnight, zonedMonthStart, zoneOffsetMs } from "@/lib/time";

describe("time zones", () => {
  it("finds local midnight in winter and summer", () => {
    expect(zonedMidnight(2026, 1, 15, "Europe/Berlin").toISOString()).toBe("2026-01-14T23:00:00.000Z");
    expect(zonedMidnight(2026, 7, 15, "Europe/Berlin").toISOString()).toBe("2026-07-14T22:00:00.000Z");
    expect(zonedMidnight(2026, 11, 1, "America/New_York").toISOString()).toBe("2026-11-01T04:00:00.000Z");
    expect(zonedMidnight(2026, 13, 1, "UTC").toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("finds midnight on the days clocks change", () => {
    // Berlin springs forward on 2026-03-29 at 02:00 and falls back on 2026-10-25 at 03:00.
    expect(zonedMidnight(2026, 3, 29, "Europe/Berlin").toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(zonedMidnight(2026, 3, 30, "Europe/Berlin").toISOString()).toBe("2026-03-29T22:00:00.000Z");
    expect(zonedMidnight(2026, 10, 26, "Europe/Berlin").toISOString()).toBe("2026-10-25T23:00:00.000Z");
  });

  it("reads the calendar day and month of an instant in the zone", () => {
    const instant = new Date("2026-11-30T23:30:00Z");
    expect(zonedDateString(instant, "Europe/Berlin")).toBe("2026-12-01");
    expect(zonedDateString(instant, "America/New_York")).toBe("2026-11-30");
    expect(zonedMonthStart(instant, "Europe/Berlin")).toBe("2026-12-01");
    expect(zoneOffsetMs(instant, "America/New_York")).toBe(-5 * 3_600_000);
  });

  it("adds and counts calendar days", () => {
    expect(addDays("2026-02-27", 2)).toBe("2026-03-01");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(daysBetween("2026-03-01", "2026-04-01")).toBe(31);
  });

  const winter = new Date("2026-01-15T12:00:00Z");
  const summer = new Date("2026-07-15T12:00:00Z");
  it.each([
    ["America/New_York", winter, "EST"],
    ["America/New_York", summer, "EDT"],
    ["America/Los_Angeles", winter, "PST"],
    ["America/Chicago", summer, "CDT"],
    ["Europe/Berlin", winter, "CET"],
    ["Europe/Berlin", summer, "CEST"],
    ["Europe/Paris", winter, "CET"],
    ["Europe/London", winter, "GMT"],
    ["Europe/London", summer, "BST"],
    ["Europe/Helsinki", winter, "EET"],
    ["Australia/Sydney", winter, "AEDT"],
    ["Asia/Kolkata", winter, "IST"],
    ["Asia/Tokyo", winter, "JST"],
    ["UTC", winter, "UTC"],
    // No English abbreviation: the offset.
    ["America/Sao_Paulo", winter, "GMT-3"],
    ["America/Argentina/Buenos_Aires", summer, "GMT-3"],
  ])("names the zone %s at %o as %s", (zone, instant, name) => {
    expect(zoneAbbreviation(instant, zone)).toBe(name);
  });
});
