import { describe, expect, it } from "vitest";
import { accountFormat, countryName } from "@/lib/format";

describe("account formatting", () => {
  const acme = accountFormat({ currency: "EUR", timeZone: "Europe/Berlin", country: "DE" });
  const globex = accountFormat({ currency: "USD", timeZone: "America/New_York", country: "US" });

  it("shows amounts in the account currency, negative ones with a minus", () => {
    expect(acme.money(8263)).toBe("€82.63");
    expect(acme.money(-42)).toBe("-€0.42");
    expect(globex.money(1910500)).toBe("$19,105.00");
    expect(acme.signedMoney(1000)).toBe("+€10.00");
    expect(acme.signedMoney(-1000)).toBe("-€10.00");
  });

  it("shows dates and times in the account time zone", () => {
    const instant = new Date("2026-11-30T23:30:00Z");
    expect(acme.date(instant)).toBe("1 Dec 2026");
    expect(globex.date(instant)).toBe("Nov 30, 2026");
    expect(acme.dateTime(instant)).toBe("1 Dec 2026, 00:30 CET");
    expect(globex.dateTime(instant)).toBe("Nov 30, 2026, 6:30 PM EST");
    expect(globex.dateTime(new Date("2026-07-01T16:00:00Z"))).toBe("Jul 1, 2026, 12:00 PM EDT");
    expect(acme.day("2026-03-29")).toBe("29 Mar 2026");
  });

  it.each([
    ["2026-09-01", "1 Sep 2026", "Sep 1, 2026"],
    ["2026-11-29", "29 Nov 2026", "Nov 29, 2026"],
    ["2027-06-07", "7 Jun 2027", "Jun 7, 2027"],
  ])("writes %s with a three-letter month in the account's order", (day, dayFirst, monthFirst) => {
    expect(acme.day(day), "Acme (DE)").toBe(dayFirst);
    expect(globex.day(day), "Globex (US)").toBe(monthFirst);
    expect(acme.date(new Date(`${day}T12:00:00Z`)), "instant, Berlin").toBe(dayFirst);
  });

  it("rounds chart amounts to whole units", () => {
    expect(acme.wholeMoney(20000)).toBe("€200");
    expect(globex.wholeMoney(-1250)).toBe("-$13");
    expect(acme.wholeMoney(0)).toBe("€0");
  });

  it("names countries", () => {
    expect(countryName("DE")).toBe("Germany");
    expect(countryName("US")).toBe("United States");
  });
});
