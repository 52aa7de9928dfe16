import { describe, expect, it } from "vitest";
import { callChargeReason, type RatingReason, reasonText, storedReasonText } from "@/lib/usage/reasons";

describe("why a charge was made, in words", () => {
  it.each<[RatingReason, string]>([
    [{ code: "forwarded_leg", params: { destination: "United Kingdom mobile", billedSeconds: 125 } }, "forwarded leg to United Kingdom mobile: always charged from credit, 125 s billed"],
    [{ code: "premium_destination", params: { destination: "Germany premium", billedSeconds: 60 } }, "premium destination (Germany premium): never included, 60 s billed"],
    [{ code: "toll_free_inbound", params: { billedSeconds: 90 } }, "inbound call to a toll-free number: charged per minute, 90 s billed"],
    [{ code: "included_in_package", params: { package: "Europe" } }, "included in Europe"],
    [{ code: "sms_charged", params: { destination: "France", fragments: 1 } }, "SMS to France: 1 fragment charged"],
    [{ code: "inbound_free", params: {} }, "inbound call: free"],
    [{ code: "inbound_sms_free", params: {} }, "inbound SMS: free"],
    [{ code: "unrecorded", params: { category: "toll_free_inbound" } }, "rated before reasons were kept (toll free inbound)"],
    [
      callChargeReason({ destination: "France fixed", outsideRegionOf: ["Europe", "Asia", "World"], creditSeconds: 60 }),
      "from a number outside the regions of the Europe, Asia and World packages; 60 s charged from credit to France fixed",
    ],
    [
      callChargeReason({
        destination: "Germany fixed",
        allowance: { package: "Unlimited Germany", limit: "fair_use", minutesPerUser: 3_000, coveredSeconds: 0 },
        creditSeconds: 120,
      }),
      "beyond the fair-use limit of Unlimited Germany (3000 min per user per month); 120 s charged from credit to Germany fixed",
    ],
    [
      callChargeReason({ destination: "Japan fixed", bundles: [{ name: "World 100", seconds: 60 }], creditSeconds: 0 }),
      "Japan fixed: not in a package, paid with prepaid minutes (60 s from World 100)",
    ],
    [callChargeReason({ destination: "Germany toll-free", creditSeconds: 0 }), "Germany toll-free: not in a package"],
    [callChargeReason({ destination: "Germany fixed", noUser: true, creditSeconds: 60 }), "no user on the record, so no per-user package minutes apply; 60 s charged from credit to Germany fixed"],
  ])("%j", (reason, words) => {
    expect(reasonText(reason)).toBe(words);
    // As stored (code and JSON parameters) and read back.
    expect(storedReasonText(reason.code, JSON.parse(JSON.stringify(reason.params)))).toBe(words);
  });

  it("names the rule that kept a call out of a package first", () => {
    const base = { destination: "France fixed", creditSeconds: 60 };
    const allowance = { package: "Europe", limit: "included" as const, minutesPerUser: 100, coveredSeconds: 30 };
    expect(callChargeReason({ ...base, outsideRegionOf: ["Europe"], allowance }).code).toBe("outside_package_region");
    expect(callChargeReason({ ...base, allowance }).code).toBe("beyond_package_minutes");
    expect(callChargeReason({ ...base, noUser: true }).code).toBe("no_user_for_package");
    expect(callChargeReason(base).code).toBe("not_in_package");
    // Paid wholly with bundle minutes: said so, unless a package rule kept it out first.
    const fromBundle = { destination: "France fixed", bundles: [{ name: "World 100", seconds: 60 }], creditSeconds: 0 };
    expect(callChargeReason(fromBundle).code).toBe("from_bundle");
    expect(reasonText(callChargeReason(fromBundle))).toBe("France fixed: not in a package, paid with prepaid minutes (60 s from World 100)");
    expect(callChargeReason({ ...fromBundle, noUser: true }).code).toBe("no_user_for_package");
    expect(callChargeReason({ ...fromBundle, creditSeconds: 30 }).code).toBe("not_in_package");
  });

  it("says when a stored code is not one it knows, rather than guessing", () => {
    expect(storedReasonText("discount", {})).toBe("reason not known (discount)");
    expect(storedReasonText("sms_charged", null)).toBe("reason not known (sms_charged)");
  });
});
