import { describe, expect, it } from "vitest";
import { type AdviceInput, type CreditCalls, type PackageOffer, packageAdvice } from "@/lib/usage/package-advice";

const europe: PackageOffer = {
  id: "p-eu",
  code: "europe",
  name: "Europe",
  scope: "international",
  coveredCountries: ["DE", "FR", "ES", "IT"],
  minutesPerUser: 3_000,
  monthlyPrice: 900,
};
const germany: PackageOffer = {
  id: "p-de",
  code: "unlimited-de",
  name: "Unlimited Germany",
  scope: "domestic",
  coveredCountries: [],
  minutesPerUser: 100,
  monthlyPrice: 500,
};

/** Six users, each €52 to France and Spain from a German number: €312 in all. */
const sixUsers: CreditCalls[] = [1, 2, 3, 4, 5, 6].flatMap((n) => [
  { userId: `u${n}`, fromCountry: "DE", destinationCountry: "FR", seconds: 1_200, amount: 3_000 },
  { userId: `u${n}`, fromCountry: "DE", destinationCountry: "ES", seconds: 900, amount: 2_200 },
]);

const input = (overrides: Partial<AdviceInput> = {}): AdviceInput => ({
  accountCountry: "DE",
  calls: sixUsers,
  offers: [europe, germany],
  held: [],
  allows: () => true,
  seats: 6,
  ...overrides,
});

describe("package-fit advice", () => {
  it("advises the package that would have cost less: €312 from credit against €54 for 6 seats", () => {
    expect(packageAdvice(input())).toEqual({
      package: { id: "p-eu", code: "europe", name: "Europe" },
      countries: ["FR", "ES"],
      users: 6,
      creditSpend: 31_200,
      seats: 6,
      packageCost: 5_400,
      savings: 25_800,
    });
  });

  it("prices the package for every seat, not only for the users who called: it is bought per seat", () => {
    // The same €312 on a 40-seat subscription: 40 × €9 = €360, more than the calls cost.
    expect(packageAdvice(input({ seats: 40 }))).toBeNull();
    // One caller of 20 seats, €18.68 to France: 20 × €9 = €180, never advised.
    const calls: CreditCalls[] = [{ userId: "u1", fromCountry: "DE", destinationCountry: "FR", seconds: 900, amount: 1_868 }];
    expect(packageAdvice(input({ calls, seats: 20 }))).toBeNull();
    expect(packageAdvice(input({ calls, seats: 1 }))).toMatchObject({ users: 1, seats: 1, packageCost: 900, savings: 968 });
  });

  it.each<[string, Partial<AdviceInput>]>([
    ["the account already has it", { held: ["europe"] }],
    ["the plan does not allow it", { allows: (code) => code !== "europe" }],
    // €312 against 6 × €60 = €360: it would cost more.
    ["it costs more than the calls", { offers: [{ ...europe, monthlyPrice: 6_000 }] }],
    // Calls from a US number are outside the Europe package's region.
    ["the calls come from a number outside its region", { calls: sixUsers.map((c) => ({ ...c, fromCountry: "US" })) }],
    ["no call goes to its countries", { calls: sixUsers.map((c) => ({ ...c, destinationCountry: "JP" })) }],
    ["nothing was charged", { calls: [] }],
  ])("says nothing when %s", (_name, overrides) => {
    expect(packageAdvice(input(overrides))).toBeNull();
  });

  it("counts a user's calls only up to the package's minutes per user", () => {
    // One user: 200 min to Germany for €40. Unlimited Germany includes 100 min: €20 of it,
    // less €5: saves €15.
    const calls: CreditCalls[] = [{ userId: "u1", fromCountry: "DE", destinationCountry: "DE", seconds: 12_000, amount: 4_000 }];
    expect(packageAdvice(input({ calls, offers: [germany], seats: 1 }))).toMatchObject({
      package: { code: "unlimited-de" },
      users: 1,
      creditSpend: 4_000,
      packageCost: 500,
      savings: 1_500,
    });
  });

  it("rounds what the limit includes down, so it never promises more than it saves", () => {
    // 7,000 s for €1.01 against a 100-min (6,000 s) limit: 101 × 6,000 / 7,000 = 86.57 -> 86.
    const calls: CreditCalls[] = [{ userId: "u1", fromCountry: "DE", destinationCountry: "DE", seconds: 7_000, amount: 101 }];
    expect(packageAdvice(input({ calls, offers: [{ ...germany, monthlyPrice: 85 }], seats: 1 }))?.savings).toBe(1);
    expect(packageAdvice(input({ calls, offers: [{ ...germany, monthlyPrice: 86 }], seats: 1 }))).toBeNull();
  });

  it("picks the package that saves most", () => {
    // Germany-only calls, one seat: Europe (€9) and Unlimited Germany (€5) both include them.
    const calls: CreditCalls[] = [{ userId: "u1", fromCountry: "DE", destinationCountry: "DE", seconds: 3_000, amount: 2_000 }];
    expect(packageAdvice(input({ calls, seats: 1 }))).toMatchObject({ package: { code: "unlimited-de" }, savings: 1_500 });
  });
});
