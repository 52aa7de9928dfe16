import { describe, expect, it } from "vitest";
import { type PlanChange, type PlanItem, proratePlanChange } from "@/lib/payments/gateway";

const period = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const seats = (unitAmount: number, quantity = 10): PlanItem => ({ key: "seats", priceId: `price_${unitAmount}`, unitAmount, quantity, itemId: "si_1" });
const pkg = (key: string, unitAmount: number, quantity = 10): PlanItem => ({ key, priceId: `price_${key}`, unitAmount, quantity, itemId: null });

function change(current: PlanItem[], now: PlanItem[], at: string, atRenewal: PlanItem[] | null = null): PlanChange {
  return {
    accountId: "a",
    subscriptionId: "sub",
    at: new Date(at),
    currency: "EUR",
    period,
    current: { interval: "month", items: current },
    now: { interval: "month", items: now },
    atRenewal: atRenewal && { interval: "month", items: atRenewal },
  };
}

describe("proration of a plan change", () => {
  it.each([
    ["an upgrade at half the period", change([seats(2_500)], [seats(3_900)], "2026-11-16T00:00:00Z"), 7_000, 39_000],
    ["a package added at the start", change([seats(2_500)], [seats(2_500), pkg("eu", 900)], "2026-11-01T00:00:00Z"), 9_000, 34_000],
    ["anything at the period's end", change([seats(2_500)], [seats(3_900), pkg("eu", 900)], "2026-12-01T00:00:00Z"), 0, 48_000],
    ["a package dropped at once, credited", change([seats(2_500), pkg("eu", 900)], [seats(2_500)], "2026-11-16T00:00:00Z"), -4_500, 25_000],
    // 1 of 30 days left, each line rounded on its own as Stripe does: 833.33 → 833 credited, 833.67 → 834 charged.
    ["a cent a seat with a day left", change([seats(2_500)], [seats(2_501)], "2026-11-30T00:00:00Z"), 1, 25_010],
    // 100 × 1.00 / 30 days × 29 = 96.666… → 96.67; the credit of 0 seats is 0.
    ["half away from zero", change([seats(0, 1)], [seats(100, 100)], "2026-11-02T00:00:00Z"), 9_667, 10_000],
    ["the renewal priced from the scheduled shape", change([seats(3_900)], [seats(3_900)], "2026-11-16T00:00:00Z", [seats(2_500)]), 0, 25_000],
  ])("%s", (_label, planChange, prorationNow, nextRenewal) => {
    expect(proratePlanChange(planChange)).toEqual({ prorationNow, nextRenewal, currency: "EUR" });
  });
});
