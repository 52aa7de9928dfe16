import { describe, expect, it } from "vitest";
import { describeAudit } from "@/lib/audit/queries";

describe("billing changes in words", () => {
  it.each([
    ["seats.change", { seats: 10 }, { seats: 12 }, "Seats changed from 10 to 12"],
    ["seats.change", { seats: 30 }, { seats: 32, prorationAmount: 474 }, "Seats changed from 30 to 32 (€4.74 charged for the rest of the period)"],
    ["seats.change", { seats: 32 }, { seats: 31, prorationAmount: -1_170 }, "Seats changed from 32 to 31 (€11.70 credited for the rest of the period)"],
    ["auto_top_up.update", null, { enabled: true, amount: 10_000, threshold: 2_000, monthlyCap: 50_000 }, "Auto top-up on: add €100.00 below €20.00, at most €500.00 a month"],
    ["auto_top_up.update", { enabled: true }, { enabled: false, amount: 10_000, threshold: 2_000 }, "Auto top-up turned off"],
    ["credit.top_up", null, { amount: 5_000, outcome: "requires_action" }, "Add credit €50.00: requires action"],
    ["credit.top_up.authenticate", null, { amount: 3_000, outcome: "succeeded" }, "Payment of €30.00 confirmed with the bank"],
    ["credit.top_up.authenticate", null, { amount: 3_000, outcome: "failed" }, "Payment of €30.00 not confirmed with the bank"],
    ["credit.top_up.expire", null, { amount: 3_000, outcome: "canceled" }, "Payment of €30.00 canceled: not confirmed with the bank within 24 hours"],
    ["billing_details.update", { city: "Berlin", vatNumber: null }, { city: "Paris", vatNumber: null }, "Company details changed (city)"],
    ["billing_details.update", null, { city: "Paris" }, "Company details added"],
    ["payment_method.replace", { paymentMethod: "visa ending in 4242" }, { paymentMethod: "PayPal a@b.test" }, "Payment method visa ending in 4242 replaced by PayPal a@b.test"],
    ["user.deactivate", { active: true }, { name: "Ann", email: "ann@x.test" }, "Deactivated Ann (ann@x.test), freeing a seat"],
  ])("%s", (action, before, after, words) => {
    expect(describeAudit(action, before, after, "EUR")).toBe(words);
  });
});
