import { describe, expect, it } from "vitest";
import { dailySpend, type RunwayInput, runwayOutlook, suggestTopUp } from "@/lib/credit/runway";

const today = "2026-11-10";
/** €30 a day over the last 30 days. */
const burn = 90_000;
const auto = (overrides: Partial<NonNullable<RunwayInput["autoTopUp"]>> = {}): RunwayInput["autoTopUp"] => ({
  enabled: true,
  threshold: 2_000,
  amount: 10_000,
  monthlyCap: null,
  spentThisMonth: 0,
  capResetsOn: "2026-12-01",
  capHolds: null,
  ...overrides,
});

describe("the runway, auto top-up and its monthly cap included", () => {
  it.each<[string, RunwayInput, ReturnType<typeof runwayOutlook>]>([
    ["nothing spent", { balance: 5_000, burn30Days: 0, today, autoTopUp: null }, { kind: "no_spend" }],
    ["run out", { balance: 0, burn30Days: burn, today, autoTopUp: auto() }, { kind: "out" }],
    // €60 at €30 a day: two days.
    ["auto top-up off", { balance: 6_000, burn30Days: burn, today, autoTopUp: null }, { kind: "runs_out", runsOutOn: "2026-11-12" }],
    ["auto top-up switched off", { balance: 6_000, burn30Days: burn, today, autoTopUp: auto({ enabled: false }) }, { kind: "runs_out", runsOutOn: "2026-11-12" }],
    ["on, no cap: it refills", { balance: 6_000, burn30Days: burn, today, autoTopUp: auto() }, { kind: "refills" }],
    // €500 cap, €100 top-ups, €400 spent: one more top-up. €60 + €100 lasts 5 days (to the 15th),
    // the last top-up is made when €40 is spent (below the €20 threshold), on the 11th.
    [
      "on, the cap is reached before it resets",
      { balance: 6_000, burn30Days: burn, today, autoTopUp: auto({ monthlyCap: 50_000, spentThisMonth: 40_000 }) },
      { kind: "cap_reached", capReachedOn: "2026-11-11", runsOutOn: "2026-11-15" },
    ],
    // Five top-ups left (€500): €560 lasts 18 days, to the 28th, before the reset on the 1st;
    // the fifth is made when €440 is spent (14 days).
    [
      "on, the cap is reached on the 24th",
      { balance: 6_000, burn30Days: burn, today, autoTopUp: auto({ monthlyCap: 50_000 }) },
      { kind: "cap_reached", capReachedOn: "2026-11-24", runsOutOn: "2026-11-28" },
    ],
    // At €10 a day, €560 lasts 56 days: past the reset, so the cap never stops it.
    ["on, the cap resets first", { balance: 6_000, burn30Days: 30_000, today, autoTopUp: auto({ monthlyCap: 50_000 }) }, { kind: "refills" }],
    [
      "the cap holds top-ups back and credit runs out before it resets",
      { balance: 6_000, burn30Days: burn, today, autoTopUp: auto({ monthlyCap: 50_000, spentThisMonth: 50_000, capHolds: "reached" }) },
      { kind: "runs_out", runsOutOn: "2026-11-12" },
    ],
    [
      "the cap holds top-ups back but resets before credit runs out",
      { balance: 90_000, burn30Days: burn, today, autoTopUp: auto({ monthlyCap: 50_000, spentThisMonth: 50_000, capHolds: "reached" }) },
      { kind: "resumes", resumesOn: "2026-12-01" },
    ],
  ])("%s", (_name, input, expected) => {
    expect(runwayOutlook(input)).toEqual(expected);
  });
});

describe("a suggestion that lasts to the end of the month", () => {
  const nextMonth = "2026-12-01";
  const suggest = (input: RunwayInput) => suggestTopUp(input, runwayOutlook(input), nextMonth);

  it.each<[string, RunwayInput, ReturnType<typeof suggestTopUp>]>([
    // €30 a day, 21 days from the 10th to the 1st: €630; the balance of €60 leaves €570.
    // Threshold: three days, €90. One top-up of €570.
    ["auto top-up off", { balance: 6_000, burn30Days: burn, today, autoTopUp: null }, { threshold: 9_000, amount: 57_000, topUps: 1, monthlyCap: null }],
    // €570 rounds up to whole tens: €41 + €529 -> needs €529 -> €530.
    ["rounded up to whole tens", { balance: 10_100, burn30Days: burn, today, autoTopUp: null }, { threshold: 9_000, amount: 53_000, topUps: 1, monthlyCap: null }],
    // The €500 cap with €400 spent is reached on the 11th: €570 more needs a cap of €400 + €570.
    [
      "the cap is too low: it says which cap it needs",
      { balance: 6_000, burn30Days: burn, today, autoTopUp: auto({ monthlyCap: 50_000, spentThisMonth: 40_000 }) },
      { threshold: 9_000, amount: 57_000, topUps: 1, monthlyCap: 97_000 },
    ],
    // €300 a day: €6,300 to the 1st, less €60: €6,240, over the €5,000 largest top-up:
    // two top-ups of €3,120. Threshold: €900.
    [
      "more than the largest top-up: equal top-ups",
      { balance: 6_000, burn30Days: 900_000, today, autoTopUp: null },
      { threshold: 90_000, amount: 312_000, topUps: 2, monthlyCap: null },
    ],
    // €300 a day with €49,000 of top-ups spent against a €49,500 cap: it would need
    // €55,240, beyond the €50,000 the settings allow; it suggests the largest cap allowed.
    [
      "a cap the settings would refuse is never suggested",
      { balance: 6_000, burn30Days: 900_000, today, autoTopUp: auto({ monthlyCap: 4_950_000, spentThisMonth: 4_900_000 }) },
      { threshold: 90_000, amount: 312_000, topUps: 2, monthlyCap: 5_000_000 },
    ],
    // €1 a day: the smallest threshold (€5) and the smallest amount (€10).
    [
      "small spend: the smallest settings allowed",
      { balance: 1_500, burn30Days: 3_000, today, autoTopUp: null },
      { threshold: 1_000, amount: 1_000, topUps: 1, monthlyCap: null },
    ],
  ])("%s", (_name, input, expected) => {
    expect(suggest(input)).toEqual(expected);
  });

  it.each<[string, RunwayInput]>([
    ["credit lasts past the month", { balance: 90_000, burn30Days: burn, today, autoTopUp: null }],
    ["auto top-up refills without a cap", { balance: 6_000, burn30Days: burn, today, autoTopUp: auto() }],
    ["nothing spent", { balance: 6_000, burn30Days: 0, today, autoTopUp: null }],
    ["already run out: add credit first", { balance: 0, burn30Days: burn, today, autoTopUp: null }],
  ])("none when %s", (_name, input) => {
    expect(suggest(input)).toBeNull();
  });

  it("says the spend per day, rounded once", () => {
    expect(dailySpend(123_000)).toBe(4_100);
    expect(dailySpend(100)).toBe(3);
    expect(dailySpend(-50)).toBe(0);
  });
});
