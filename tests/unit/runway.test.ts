import { describe, expect, it } from "vitest";
import { type RunwayInput, runwayOutlook } from "@/lib/credit/runway";

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
