import { describe, expect, it } from "vitest";
import {
  basisText,
  buildSummary,
  daysHeld,
  numberChanges,
  periodDays,
  prorate,
  type SummaryInput,
  type SummaryLine,
  usageQuantity,
} from "@/lib/subscription/summary";

const period = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const at = (iso: string) => new Date(iso);

function input(overrides: Partial<SummaryInput> = {}): SummaryInput {
  return {
    period,
    monthsInPeriod: 1,
    subscription: { planName: "Expert", interval: "month", seats: 30, seatPrice: 3900 },
    numbers: [],
    packages: [],
    bundles: [],
    usage: [],
    addons: [],
    ...overrides,
  };
}

/** A line's second row, with plain formatters (not the page's). */
const euro = (minor: number) => `€${(minor / 100).toFixed(2)}`;
const basis = (line: SummaryLine) =>
  line.basis
    ? basisText(line.basis, { money: euro, date: (d) => d.toISOString().slice(0, 10), number: (n) => n.toLocaleString("en") })
    : undefined;

function sumOfLines(summary: ReturnType<typeof buildSummary>) {
  return summary.groups.flatMap((g) => g.lines).reduce((sum, l) => sum + l.total, 0);
}

describe("days held in a period", () => {
  it("counts the whole period for a number held throughout", () => {
    expect(periodDays(period)).toBe(30);
    expect(daysHeld(period, at("2025-01-01T00:00:00Z"), null)).toBe(30);
  });

  it("counts from the day acquired to the day released", () => {
    expect(daysHeld(period, at("2026-11-14T09:00:00Z"), null)).toBe(17); // 14th..30th
    expect(daysHeld(period, at("2025-01-01T00:00:00Z"), at("2026-11-09T12:00:00Z"))).toBe(8); // 1st..8th
    expect(daysHeld(period, at("2026-11-10T08:00:00Z"), at("2026-11-20T08:00:00Z"))).toBe(10);
  });

  it("handles the edges of the period", () => {
    expect(daysHeld(period, at("2026-11-01T00:00:00Z"), null)).toBe(30); // acquired at the first instant
    expect(daysHeld(period, at("2026-11-30T23:59:59Z"), null)).toBe(1); // acquired in the last second
    expect(daysHeld(period, at("2026-12-01T00:00:00Z"), null)).toBe(0); // after the period
    expect(daysHeld(period, at("2025-01-01T00:00:00Z"), at("2026-11-01T00:00:00Z"))).toBe(0); // released at the start
    expect(daysHeld(period, at("2025-01-01T00:00:00Z"), at("2026-11-01T00:00:01Z"))).toBe(1); // released a second in
    expect(daysHeld(period, at("2026-11-05T10:00:00Z"), at("2026-11-05T11:00:00Z"))).toBe(1); // same day
    expect(daysHeld(period, at("2025-01-01T00:00:00Z"), at("2026-12-15T00:00:00Z"))).toBe(30); // released after
  });
});

describe("proration", () => {
  it("rounds once, half away from zero", () => {
    expect(prorate(300, 1, 17, 30)).toBe(170);
    expect(prorate(1500, 1, 8, 30)).toBe(400);
    expect(prorate(100, 1, 1, 30)).toBe(3); // 3.33 -> 3
    expect(prorate(45, 1, 1, 30)).toBe(2); // 1.5 -> 2
    expect(prorate(999, 1, 30, 30)).toBe(999);
    expect(prorate(200, 12, 100, 365)).toBe(658); // 657.53 -> 658
  });
});

describe("plan and services summary", () => {
  it("prices the subscription as seats x seat price", () => {
    const summary = buildSummary(input());
    expect(summary.groups[0]).toMatchObject({
      key: "subscription",
      lines: [{ item: "Expert plan (monthly), seats", quantity: 30, unitPrice: 3900, total: 117000 }],
      subtotal: 117000,
    });
  });

  it.each([
    {
      name: "seats added: the seats at the start, and the change at the provider's amount",
      seats: 32,
      changes: [{ from: 30, to: 32, at: at("2026-11-14T09:17:23Z"), amount: 4_420 }],
      lines: [
        ["Expert plan (monthly), seats", 30, 3900, 117_000, undefined],
        ["2 seats added (30 to 32), prorated", 2, 3900, 4_420, "added"],
      ],
    },
    {
      name: "added then removed: each change its own line, a removal credited",
      seats: 31,
      changes: [
        { from: 30, to: 32, at: at("2026-11-14T09:17:23Z"), amount: 4_420 },
        { from: 32, to: 31, at: at("2026-11-20T00:00:00Z"), amount: -1_301 },
      ],
      lines: [
        ["Expert plan (monthly), seats", 30, 3900, 117_000, undefined],
        ["2 seats added (30 to 32), prorated", 2, 3900, 4_420, "added"],
        ["1 seat removed (32 to 31), prorated", 1, 3900, -1_301, "removed"],
      ],
    },
    {
      name: "a plan change that charges and one that credits are changes, neither added nor removed",
      seats: 10,
      changes: [
        { from: 10, to: 10, at: at("2026-11-10T00:00:00Z"), amount: 9_000, description: "Essential becomes Expert", fromPlan: { name: "Essential", seatPrice: 2500 } },
        { from: 10, to: 10, at: at("2026-11-20T00:00:00Z"), amount: -2_000, description: "Europe is removed", fromPlan: null },
      ],
      lines: [
        ["Essential plan (monthly), seats", 10, 2500, 25_000, undefined],
        ["Plan changed: Essential becomes Expert, prorated", 1, null, 9_000, "changed"],
        ["Plan changed: Europe is removed, prorated", 1, null, -2_000, "changed"],
      ],
    },
  ])("seats: $name", ({ seats, changes, lines }) => {
    const summary = buildSummary(input({ subscription: { planName: "Expert", interval: "month", seats, seatPrice: 3900, seatChanges: changes } }));
    const subscription = summary.groups.find((g) => g.key === "subscription")!;
    expect(subscription.lines.map((l) => [l.item, l.quantity, l.unitPrice, l.total, l.change?.kind])).toEqual(lines);
    expect(subscription.subtotal, "subtotal").toBe(lines.reduce((sum, l) => sum + (l[3] as number), 0));
    for (const [i, change] of changes.entries()) expect(subscription.lines[i + 1]!.change!.at).toEqual(change.at);
  });

  it.each([
    // name, started, ended, expected [detail, total, change]; a prorated total is
    // quantity x monthly price x days held / days of the period, rounded once.
    ["ended before the period", "2025-01-01T00:00:00Z", "2026-10-20T00:00:00Z", null],
    ["started after the period", "2026-12-03T00:00:00Z", null, null],
    ["started on the 14th", "2026-11-14T09:00:00Z", null, ["3 × €14.99 a month, 17 of 30 days", 2_548, "added"]],
    ["ended on the 9th", "2025-01-01T00:00:00Z", "2026-11-09T12:00:00Z", ["3 × €14.99 a month, 8 of 30 days", 1_199, "removed"]],
    ["started and ended within", "2026-11-10T08:00:00Z", "2026-11-20T08:00:00Z", ["3 × €14.99 a month, 10 of 30 days", 1_499, "removed"]],
  ] as const)("add-ons: %s", (_name, started, ended, expected) => {
    const summary = buildSummary(
      input({ addons: [{ name: "Power Dialer", quantity: 3, monthlyPrice: 1499, startedAt: at(started), endedAt: ended ? at(ended) : null }] }),
    );
    const addons = summary.groups.find((g) => g.key === "addons")!;
    if (!expected) {
      expect(addons.lines).toEqual([]);
      return;
    }
    expect(addons.lines.map((l) => [basis(l), l.total, l.change?.kind])).toEqual([expected]);
    expect(addons.lines[0]).toMatchObject({ item: "Power Dialer", quantity: 3, unitPrice: 1499 });
  });

  it("add-ons: a change of quantity is two prorated lines, beside whole-period ones", () => {
    const change = at("2026-11-14T09:00:00Z");
    const summary = buildSummary(
      input({
        addons: [
          { name: "Conversation Intelligence", quantity: 2, monthlyPrice: 1900, startedAt: at("2025-01-01T00:00:00Z"), endedAt: null },
          { name: "Power Dialer", quantity: 3, monthlyPrice: 1499, startedAt: period.start, endedAt: period.end },
          { name: "Smart Dialer", quantity: 4, monthlyPrice: 3190, startedAt: at("2025-01-01T00:00:00Z"), endedAt: change },
          { name: "Smart Dialer", quantity: 6, monthlyPrice: 3190, startedAt: change, endedAt: null },
        ],
      }),
    );
    const addons = summary.groups.find((g) => g.key === "addons")!;
    expect(addons.lines.map((l) => [l.item, l.quantity, basis(l), l.total, l.change?.kind])).toEqual([
      ["Conversation Intelligence", 2, "2 × €19.00 a month", 2 * 1900, undefined],
      ["Power Dialer", 3, "3 × €14.99 a month", 3 * 1499, undefined], // started at the first instant, ended at the last: the whole period
      ["Smart Dialer", 4, "4 × €31.90 a month, 13 of 30 days", 5_529, "removed"],
      ["Smart Dialer", 6, "6 × €31.90 a month, 17 of 30 days", 10_846, "added"],
    ]);
    expect(addons.subtotal).toBe(2 * 1900 + 3 * 1499 + 5_529 + 10_846);
  });

  it("groups numbers by type, and lists the ones added or released this period, prorated", () => {
    const old = at("2025-01-01T00:00:00Z");
    const summary = buildSummary(
      input({
        numbers: [
          { e164: "+4930000001", type: "local", monthlyPrice: 300, acquiredAt: old, releasedAt: null },
          { e164: "+4930000002", type: "local", monthlyPrice: 300, acquiredAt: old, releasedAt: null },
          { e164: "+4930000003", type: "local", monthlyPrice: 500, acquiredAt: old, releasedAt: null },
          { e164: "+4915100001", type: "mobile", monthlyPrice: 900, acquiredAt: old, releasedAt: null },
          { e164: "+4980000001", type: "toll_free", monthlyPrice: 1500, acquiredAt: old, releasedAt: null },
          { e164: "+4930000009", type: "local", monthlyPrice: 300, acquiredAt: at("2026-11-14T09:00:00Z"), releasedAt: null },
          { e164: "+4980000009", type: "toll_free", monthlyPrice: 1500, acquiredAt: old, releasedAt: at("2026-11-09T12:00:00Z") },
          { e164: "+4930000010", type: "local", monthlyPrice: 300, acquiredAt: old, releasedAt: at("2026-10-20T00:00:00Z") },
        ],
      }),
    );
    const numbers = summary.groups.find((g) => g.key === "numbers")!;
    expect(numbers.lines.map((l) => [l.item, l.quantity, l.unitPrice, l.total, l.change?.kind])).toEqual([
      ["Local numbers", 2, 300, 600, undefined],
      ["Local numbers", 1, 500, 500, undefined],
      ["Mobile numbers", 1, 900, 900, undefined],
      ["Toll-free numbers", 1, 1500, 1500, undefined],
      ["+4930000009 (local)", 17, 300, 170, "added"],
      ["+4980000009 (toll-free)", 8, 1500, 400, "released"],
    ]);
    expect(numbers.lines[4]!.quantityLabel).toBe("17 of 30 days");
    expect(numbers.subtotal).toBe(600 + 500 + 900 + 1500 + 170 + 400);
  });

  it("groups several numbers added or released this period into one line per type and change; the itemised list adds up to it", () => {
    const old = at("2025-01-01T00:00:00Z");
    const numbers: SummaryInput["numbers"] = [
      { e164: "+4930000001", type: "local", monthlyPrice: 300, acquiredAt: old, releasedAt: null },
      { e164: "+4930000020", type: "local", monthlyPrice: 300, acquiredAt: at("2026-11-14T09:00:00Z"), releasedAt: null },
      { e164: "+4930000021", type: "local", monthlyPrice: 300, acquiredAt: at("2026-11-21T00:00:00Z"), releasedAt: null },
      { e164: "+4930000022", type: "local", monthlyPrice: 500, acquiredAt: at("2026-11-11T00:00:00Z"), releasedAt: null },
      { e164: "+4915100020", type: "mobile", monthlyPrice: 900, acquiredAt: old, releasedAt: at("2026-11-09T12:00:00Z") },
      { e164: "+4915100021", type: "mobile", monthlyPrice: 900, acquiredAt: old, releasedAt: at("2026-11-16T00:00:00Z") },
      { e164: "+4980000020", type: "toll_free", monthlyPrice: 1500, acquiredAt: at("2026-11-14T09:00:00Z"), releasedAt: null },
    ];
    const group = buildSummary(input({ numbers })).groups.find((g) => g.key === "numbers")!;
    expect(group.lines.map((l) => [l.item, l.quantity, l.unitPrice, l.total, l.change?.kind, !!l.change?.at])).toEqual([
      ["Local numbers", 1, 300, 300, undefined, false],
      // Prices differ within the group: the unit price varies.
      ["Local numbers added this period", 3, null, 170 + 100 + 333, "added", false],
      ["Mobile numbers released this period", 2, 900, 240 + 450, "released", false],
      // A single change keeps its own line, with its date.
      ["+4980000020 (toll-free)", 17, 1500, 850, "added", true],
    ]);
    const itemised = numberChanges({ period, monthsInPeriod: 1, numbers });
    expect(itemised.map((l) => [l.item, l.quantityLabel, l.total, l.change?.kind])).toEqual([
      ["+4930000020 (local)", "17 of 30 days", 170, "added"],
      ["+4930000021 (local)", "10 of 30 days", 100, "added"],
      ["+4930000022 (local)", "20 of 30 days", 333, "added"],
      ["+4915100020 (mobile)", "8 of 30 days", 240, "released"],
      ["+4915100021 (mobile)", "15 of 30 days", 450, "released"],
      ["+4980000020 (toll-free)", "17 of 30 days", 850, "added"],
    ]);
    expect(itemised.reduce((sum, l) => sum + l.total, 0), "itemised total").toBe(group.subtotal - 300);
  });

  it("charges monthly prices twelve times in a yearly period", () => {
    const year = { start: at("2026-07-01T00:00:00Z"), end: at("2027-07-01T00:00:00Z") };
    const summary = buildSummary(
      input({
        period: year,
        monthsInPeriod: 12,
        subscription: { planName: "Essential", interval: "year", seats: 15, seatPrice: 27500 },
        numbers: [{ e164: "+12125550100", type: "local", monthlyPrice: 200, acquiredAt: at("2020-01-01T00:00:00Z"), releasedAt: null }],
        addons: [{ name: "Smart Dialer", quantity: 4, monthlyPrice: 3190 }],
      }),
    );
    expect(summary.groups[0]!.lines[0]!.item).toBe("Essential plan (yearly), seats");
    expect(summary.groups[1]!.lines[0]).toMatchObject({ unitPrice: 2400, total: 2400 });
    expect(summary.groups[3]!.lines[0]).toMatchObject({ unitPrice: 38280, total: 153120 });
    // Said as the add-ons section says it (a month), times the months of the period.
    expect(summary.groups.map((g) => g.lines.map(basis))).toEqual([
      ["15 seats × €275.00 a year"],
      ["€2.00 a month × 12 months"],
      [],
      ["4 × €31.90 a month × 12 months"],
    ]);
  });

  it("shows calling packages, prepaid minutes and usage charged from credit under Calls and SMS", () => {
    const summary = buildSummary(
      input({
        packages: [{ name: "Europe", quantity: 20, monthlyPrice: 900 }],
        bundles: [
          { name: "1,000 international minutes", price: 4900, purchasedAt: at("2026-11-03T10:00:00Z"), minutesIncluded: 1000, minutesLeft: 1000 },
          { name: "500 minutes", price: 2900, purchasedAt: at("2026-10-12T10:00:00Z"), minutesIncluded: 500, minutesLeft: 88 },
        ],
        usage: [
          { category: "outside_packages", records: 659, seconds: 322_441, fragments: 0, amount: 36607 },
          { category: "sms", records: 1, seconds: 0, fragments: 3, amount: 23 },
          { category: "premium", records: 0, amount: 0 },
        ],
      }),
    );
    const calls = summary.groups.find((g) => g.key === "calls")!;
    expect(calls.lines.map((l) => [l.item, basis(l), l.total])).toEqual([
      ["Europe calling package", "20 users × €9.00 a month", 18000],
      // Bought this period: charged; bought before it: already paid, with what is left.
      ["Prepaid minutes: 1,000 international minutes", "1,000 min, bought 2026-11-03", 4900],
      ["Prepaid minutes: 500 minutes", "Paid 2026-10-12, 88 of 500 min left", 0],
      // Billed by the minute and by the SMS fragment, as rated (not by the call or message).
      ["Calls outside your packages", "5,375 min, charged from credit", 36607],
      ["SMS", "3 SMS fragments, charged from credit", 23],
    ]);
    expect(summary.paidFromCredit).toBe(36630);
    expect(calls.subtotal).toBe(18000 + 4900 + 36607 + 23);
  });

  it.each([
    ["outside_packages", 60, 0, { quantity: 1, unit: "min" }],
    ["premium", 61, 0, { quantity: 2, unit: "min" }],
    ["forwarded", 0, 0, { quantity: 0, unit: "min" }],
    ["toll_free_inbound", 7_200, 0, { quantity: 120, unit: "min" }],
    ["sms", 0, 254, { quantity: 254, unit: "SMS fragments" }],
  ] as const)("bills %s by the unit it is rated in", (category, seconds, fragments, expected) => {
    expect(usageQuantity(category, seconds, fragments)).toEqual(expected);
  });

  it("handles zero quantities and an account with nothing", () => {
    const summary = buildSummary(
      input({ subscription: { planName: "Expert", interval: "month", seats: 0, seatPrice: 3900 }, addons: [] }),
    );
    expect(summary.groups.map((g) => g.subtotal)).toEqual([0, 0, 0, 0]);
    expect(summary.total).toBe(0);
    expect(buildSummary(input({ subscription: null })).groups[0]!.lines).toEqual([]);
  });

  it("makes the grand total the sum of the lines to the minor unit", () => {
    // Many prorated lines whose roundings would drift if totals were rounded separately.
    const numbers = Array.from({ length: 37 }, (_, i) => ({
      e164: `+49300000${String(i).padStart(3, "0")}`,
      type: (["local", "mobile", "toll_free"] as const)[i % 3]!,
      monthlyPrice: 97 + i * 13,
      acquiredAt: at(`2026-11-${String(1 + (i % 29)).padStart(2, "0")}T07:00:00Z`),
      releasedAt: i % 4 === 0 ? at(`2026-11-${String(2 + (i % 28)).padStart(2, "0")}T19:00:00Z`) : null,
    }));
    const summary = buildSummary(
      input({
        numbers,
        addons: [{ name: "Power Dialer", quantity: 3, monthlyPrice: 1499 }],
        usage: [{ category: "forwarded", records: 7, amount: 1234 }],
      }),
    );
    expect(summary.total).toBe(sumOfLines(summary));
    expect(summary.total).toBe(summary.groups.reduce((s, g) => s + g.subtotal, 0));
    for (const g of summary.groups) expect(g.subtotal).toBe(g.lines.reduce((s, l) => s + l.total, 0));
    for (const line of summary.groups.flatMap((g) => g.lines)) expect(Number.isInteger(line.total)).toBe(true);
  });
});
