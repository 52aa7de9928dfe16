import { describe, expect, it } from "vitest";
import { accountFormat, countryName } from "@/lib/format";

describe("account formatting", () => {
  const acme = accountFormat({ currency: "EUR", timeZone: "Europe/Berlin" });
  const globex = accountFormat({ currency: "USD", timeZone: "America/New_York" });

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
    expect(globex.date(instant)).toBe("30 Nov 2026");
    expect(acme.dateTime(instant)).toBe("1 Dec 2026, 00:30 CET");
    expect(globex.dateTime(instant)).toBe("30 Nov 2026, 18:30 EST");
    expect(globex.dateTime(new Date("2026-07-01T16:00:00Z"))).toBe("1 Jul 2026, 12:00 EDT");
    expect(acme.day("2026-03-29")).toBe("29 Mar 2026");
  });

  it("names countries", () => {
    expect(countryName("DE")).toBe("Germany");
    expect(countryName("US")).toBe("United States");
  });
});
