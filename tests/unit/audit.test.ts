import { describe, expect, it } from "vitest";
import { collapseTopUps, describeAudit, describeAutoTopUp } from "@/lib/audit/queries";

describe("billing changes in words", () => {
  it.each([
    ["seats.change", { seats: 10 }, { seats: 12 }, "Seats changed from 10 to 12"],
    ["seats.change", { seats: 30 }, { seats: 32, prorationAmount: 474 }, "Seats changed from 30 to 32 (€4.74 charged for the rest of the period)"],
    ["seats.change", { seats: 32 }, { seats: 31, prorationAmount: -1_170 }, "Seats changed from 32 to 31 (€11.70 credited for the rest of the period)"],
    ["auto_top_up.update", null, { enabled: true, amount: 10_000, threshold: 2_000, monthlyCap: 50_000 }, "Auto top-up on: add €100.00 below €20.00, at most €500.00 a month"],
    ["auto_top_up.update", { enabled: true }, { enabled: false, amount: 10_000, threshold: 2_000 }, "Auto top-up turned off"],
    ["credit.top_up", null, { amount: 5_000, outcome: "requires_action" }, "Add credit €50.00: waiting for card authentication"],
    ["credit.top_up", null, { amount: 5_000, outcome: "succeeded" }, "Credit added: €50.00"],
    ["credit.top_up", null, { amount: 5_000, outcome: "failed" }, "Add credit €50.00: failed"],
    ["credit.top_up.authenticate", null, { amount: 3_000, outcome: "succeeded" }, "Payment of €30.00 confirmed with the bank"],
    ["credit.top_up.authenticate", null, { amount: 3_000, outcome: "failed" }, "Payment of €30.00 not confirmed with the bank"],
    ["credit.top_up.expire", null, { amount: 3_000, outcome: "canceled" }, "Payment of €30.00 canceled: not confirmed with the bank within 24 hours"],
    ["billing_details.update", { city: "Berlin", vatNumber: null }, { city: "Paris", vatNumber: null }, "City changed"],
    ["billing_details.update", { vatNumber: "DE1" }, { vatNumber: "DE136695976" }, "VAT number changed"],
    [
      "billing_details.update",
      { companyName: "A", vatNumber: null, invoiceEmail: "a@x.test" },
      { companyName: "B", vatNumber: "FR1", invoiceEmail: "b@x.test" },
      "Company name, VAT number and invoice email changed",
    ],
    ["billing_details.update", null, { city: "Paris" }, "Company details added"],
    ["payment_method.replace", { paymentMethod: "visa ending in 4242" }, { paymentMethod: "PayPal a@b.test" }, "Payment method: PayPal a@b.test (replaces Visa ending in 4242)"],
    ["payment_method.replace", null, { paymentMethod: "mastercard ending in 0002" }, "Payment method: Mastercard ending in 0002"],
    ["user.deactivate", { active: true }, { name: "Ann", email: "ann@x.test" }, "Deactivated Ann (ann@x.test), freeing a seat"],
    ["invoice.pay", null, { number: "INV-2026-000007", gross: 11_900 }, "Invoice INV-2026-000007 paid: €119.00"],
    [
      "invoice.uncollectible",
      null,
      { number: "INV-2026-000007", gross: 11_900, reason: "The card was declined." },
      "Invoice INV-2026-000007 (€119.00) marked uncollectible: its payment failed (The card was declined.), and it can still be paid",
    ],
    [
      "credit_note.issue",
      null,
      { number: "CN-2026-000001", invoice: "INV-2026-000007", gross: -11_900, reason: "Seats billed twice" },
      "Credit note CN-2026-000001 issued for invoice INV-2026-000007 (-€119.00): Seats billed twice",
    ],
  ])("%s", (action, before, after, words) => {
    expect(describeAudit(action, before, after, "EUR")).toBe(words);
  });

  it.each([
    ["succeeded", null, "Automatic top-up: €100.00 added"],
    ["failed", "Your card was declined.", "Automatic top-up of €100.00 failed: Your card was declined."],
    ["canceled", null, "Automatic top-up of €100.00 canceled: not confirmed with the bank"],
  ])("automatic top-up %s", (status, failureMessage, words) => {
    expect(describeAutoTopUp({ status, amount: 10_000, failureMessage, failureCode: null }, "EUR")).toBe(words);
  });
});

describe("recent billing changes with many automatic top-ups", () => {
  const at = (day: number) => new Date(Date.UTC(2026, 10, day, 12));
  const refill = (day: number, amount = 10_000) => ({ id: `t${day}`, at: at(day), who: "Auto top-up", what: "x", succeeded: amount });
  const change = (day: number, what: string) => ({ id: `c${day}`, at: at(day), who: "Anna Admin", what });

  it("reads a run of successful refills as one entry with their count and sum, and keeps what people changed", () => {
    const entries = collapseTopUps(
      [refill(25), refill(20), refill(14, 5_000), change(12, "VAT number changed"), refill(9), refill(3)],
      "EUR",
    );
    expect(entries.map((e) => e.what)).toEqual([
      "3 automatic top-ups: €250.00 added",
      "VAT number changed",
      "2 automatic top-ups: €200.00 added",
    ]);
    expect(entries[0]).toMatchObject({ at: at(25), since: at(14) });
    expect(entries[1]).not.toHaveProperty("since");
  });

  it("keeps a single refill and every failure as entries of their own", () => {
    const failure = { id: "f", at: at(10), who: "Auto top-up", what: "Automatic top-up of €100.00 failed: declined" };
    const entries = collapseTopUps([refill(12), failure, refill(8)], "EUR");
    expect(entries.map((e) => [e.id, e.what])).toEqual([
      ["t12", "x"],
      ["f", "Automatic top-up of €100.00 failed: declined"],
      ["t8", "x"],
    ]);
    expect(entries[0]).not.toHaveProperty("succeeded");
  });
});
