import { divideRounded } from "@/lib/money";

/**
 * The "Current plan and services summary": pure integer arithmetic on minor units.
 * Subtotals and the grand total are sums of the lines, so they agree to the minor unit.
 *
 * - A line held for the whole period is item x quantity x unit price = total.
 * - Numbers and add-ons added, released or ended within the period are prorated by day
 *   (daysHeld), rounded once per line.
 * - Seats are charged as the payment provider invoices them: the seats at the period's
 *   start for the whole period, then each change within it as its own line, with the
 *   amount the provider charged or credited for it (never priced again here).
 */

export type UsageCategory = "outside_packages" | "premium" | "forwarded" | "toll_free_inbound" | "sms";

export interface SummaryInput {
  period: { start: Date; end: Date };
  /** Monthly prices are charged this many times in the period: 1 (monthly plan) or 12 (yearly). */
  monthsInPeriod: number;
  subscription: {
    planName: string;
    interval: "month" | "year";
    /** Seats now; the period starts with the first change's `from` when there were changes. */
    seats: number;
    seatPrice: number;
    /** Seat changes within the period, in order, with what the provider charged for each. */
    seatChanges?: {
      from: number;
      to: number;
      at: Date;
      amount: number;
      /** A plan change (plan, packages) in words, charged as the provider prorated it. */
      description?: string | null;
      /** The plan before a plan change: the period's seats are charged at its price. */
      fromPlan?: { name: string; seatPrice: number } | null;
    }[];
  } | null;
  /** Numbers held for the whole period, already counted per type and price (by the query). */
  numberGroups?: { type: "local" | "mobile" | "toll_free"; monthlyPrice: number; count: number }[];
  /** Individual numbers; those held for the whole period are grouped like numberGroups. */
  numbers: {
    e164: string;
    type: "local" | "mobile" | "toll_free";
    monthlyPrice: number;
    acquiredAt: Date;
    releasedAt: Date | null;
  }[];
  packages: { name: string; quantity: number; monthlyPrice: number }[];
  /**
   * Prepaid minute bundles not yet expired: one bought within the period is charged in it;
   * one bought before is shown as already paid (total 0) with its minutes left.
   */
  bundles: { name: string; price: number; purchasedAt?: Date; minutesIncluded?: number; minutesLeft?: number }[];
  usage: { category: UsageCategory; records: number; seconds?: number; fragments?: number; amount: number }[];
  /** Without startedAt, an add-on is held for the whole period. */
  addons: { name: string; quantity: number; monthlyPrice: number; startedAt?: Date; endedAt?: Date | null }[];
}

export interface SummaryLine {
  item: string;
  quantity: number;
  /** How the quantity reads, e.g. "12 of 30 days" or "5,374 min". */
  quantityLabel?: string;
  /** Null when the unit price varies (usage rated per destination). */
  unitPrice: number | null;
  total: number;
  /**
   * A change within the period: numbers are added or released, seats and add-ons added or
   * removed. A line that stands for several changes has no single date.
   */
  change?: { kind: "added" | "released" | "removed" | "changed"; at?: Date };
  paidFromCredit?: boolean;
  /** How the total comes about, said under the item (see basisText). */
  basis?: Basis;
}

/**
 * What a line's total is made of:
 * - "price": count x price a month (or a year, for seats on a yearly plan), times the
 *   months of the period, then prorated when held `days` of the period's days;
 * - "usage": what was rated, in the unit it is billed by (minutes, SMS fragments);
 * - "each": several changes, each prorated by the days held;
 * - "provider": seats changed within the period, at what the provider charged;
 * - "bundle": prepaid minutes, bought within the period (charged) or before (already paid).
 */
export type Basis =
  | { kind: "price"; count: number; noun?: [string, string]; price: number; per: "month" | "year"; months: number; days?: [number, number] }
  | { kind: "usage"; quantity: number; unit: "min" | "SMS fragments" }
  | { kind: "each"; count: number }
  | { kind: "provider"; count: number }
  | { kind: "bundle"; minutesIncluded: number; minutesLeft: number; purchasedAt: Date; paidEarlier: boolean };

export type SummaryGroupKey = "subscription" | "numbers" | "calls" | "addons";

export interface SummaryGroup {
  key: SummaryGroupKey;
  title: string;
  lines: SummaryLine[];
  subtotal: number;
}

export interface Summary {
  groups: SummaryGroup[];
  /** Grand total for the period, excluding VAT. */
  total: number;
  /** The part of the total paid from prepaid credit rather than invoiced. */
  paidFromCredit: number;
}

const DAY_MS = 86_400_000;

export const NUMBER_TYPE_LABELS = { local: "Local", mobile: "Mobile", toll_free: "Toll-free" } as const;

export const USAGE_CATEGORY_LABELS: Record<UsageCategory, { item: string }> = {
  outside_packages: { item: "Calls outside your packages" },
  premium: { item: "Premium destinations" },
  forwarded: { item: "Forwarded call legs" },
  toll_free_inbound: { item: "Inbound calls to toll-free numbers" },
  sms: { item: "SMS" },
};

/**
 * The unit a usage category is billed by, as rated: call time in minutes (billed seconds,
 * rounded up to the minute once, over the total), SMS in message fragments. The usage
 * section and the summary both say it this way.
 */
export function usageQuantity(
  category: UsageCategory,
  seconds: number,
  fragments: number,
): { quantity: number; unit: "min" | "SMS fragments" } {
  return category === "sms"
    ? { quantity: fragments, unit: "SMS fragments" }
    : { quantity: Math.ceil(seconds / 60), unit: "min" };
}

const plural = (n: number, [one, many]: [string, string], number: (n: number) => string) =>
  `${number(n)} ${n === 1 ? one : many}`;

export interface BasisFormat {
  money(minor: number): string;
  date(instant: Date): string;
  number(n: number): string;
}

/**
 * A line's basis in words, e.g. "30 seats × €39.00 a month", "4 × $31.90 a month × 12
 * months", "€3.00 a month, 16 of 30 days", "5,374 min, charged from credit".
 */
export function basisText(basis: Basis, f: BasisFormat): string {
  switch (basis.kind) {
    case "price": {
      const count =
        basis.noun ? `${plural(basis.count, basis.noun, f.number)} × ` : basis.count === 1 ? "" : `${f.number(basis.count)} × `;
      const months = basis.months > 1 ? ` × ${basis.months} months` : "";
      const days = basis.days ? `, ${basis.days[0]} of ${basis.days[1]} days` : "";
      return `${count}${f.money(basis.price)} a ${basis.per}${months}${days}`;
    }
    case "usage":
      return `${f.number(basis.quantity)} ${basis.unit}, charged from credit`;
    case "each":
      return `${f.number(basis.count)} numbers, each prorated by the days held`;
    case "provider":
      return "Prorated for the rest of the period, as charged";
    case "bundle":
      return basis.paidEarlier
        ? `Paid ${f.date(basis.purchasedAt)}, ${f.number(basis.minutesLeft)} of ${f.number(basis.minutesIncluded)} min left`
        : `${f.number(basis.minutesIncluded)} min, bought ${f.date(basis.purchasedAt)}`;
  }
}

/** Days of the period, counted from its start; a day is 24 hours from the period's start. */
export function periodDays(period: { start: Date; end: Date }): number {
  return Math.max(1, Math.round((period.end.getTime() - period.start.getTime()) / DAY_MS));
}

/**
 * Days a number or an add-on is held within the period: from the day it was acquired
 * (counted) to the day it was released (not counted), at least one day if it was held at all.
 */
export function daysHeld(
  period: { start: Date; end: Date },
  acquiredAt: Date,
  releasedAt: Date | null,
): number {
  const total = periodDays(period);
  const start = period.start.getTime();
  if (acquiredAt >= period.end || (releasedAt && releasedAt <= period.start)) return 0;
  const from = Math.min(Math.max(Math.floor((acquiredAt.getTime() - start) / DAY_MS), 0), total);
  const to = releasedAt ? Math.min(Math.max(Math.floor((releasedAt.getTime() - start) / DAY_MS), 0), total) : total;
  return Math.max(to - from, 1);
}

/** A monthly price prorated by day over the period, rounded once. */
export function prorate(monthlyPrice: number, monthsInPeriod: number, days: number, totalDays: number): number {
  return divideRounded(monthlyPrice * monthsInPeriod * days, totalDays);
}

function group(key: SummaryGroupKey, title: string, lines: SummaryLine[]): SummaryGroup {
  return { key, title, lines, subtotal: lines.reduce((sum, line) => sum + line.total, 0) };
}

/**
 * The numbers added or released within the period, one line each, prorated by the days
 * held (the itemised list behind the summary's grouped lines).
 */
export function numberChanges(input: Pick<SummaryInput, "period" | "monthsInPeriod" | "numbers">): SummaryLine[] {
  return typedNumberChanges(input).map((c) => c.line);
}

function typedNumberChanges(input: Pick<SummaryInput, "period" | "monthsInPeriod" | "numbers">) {
  const totalDays = periodDays(input.period);
  const lines: { type: (typeof TYPE_ORDER)[number]; line: SummaryLine }[] = [];
  const sorted = [...input.numbers].sort(
    (a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || a.e164.localeCompare(b.e164),
  );
  for (const number of sorted) {
    if (!changedInPeriod(input.period, number)) continue;
    const days = daysHeld(input.period, number.acquiredAt, number.releasedAt);
    if (days === 0) continue;
    const releasedInPeriod = !!number.releasedAt && number.releasedAt < input.period.end;
    const line: SummaryLine = {
      item: `${number.e164} (${NUMBER_TYPE_LABELS[number.type].toLowerCase()})`,
      quantity: days,
      quantityLabel: `${days} of ${totalDays} days`,
      unitPrice: number.monthlyPrice * input.monthsInPeriod,
      total: prorate(number.monthlyPrice, input.monthsInPeriod, days, totalDays),
      basis: { kind: "price", count: 1, price: number.monthlyPrice, per: "month", months: input.monthsInPeriod, days: [days, totalDays] },
      change: releasedInPeriod ? { kind: "released", at: number.releasedAt! } : { kind: "added", at: number.acquiredAt },
    };
    lines.push({ type: number.type, line });
  }
  return lines;
}

const TYPE_ORDER = ["local", "mobile", "toll_free"] as const;

function changedInPeriod(period: SummaryInput["period"], number: SummaryInput["numbers"][number]): boolean {
  return number.acquiredAt > period.start || (!!number.releasedAt && number.releasedAt < period.end);
}

/**
 * Numbers held all period, per type and price; then the numbers added or released within
 * it, one line per type and kind of change (a single one keeps its own line), so that the
 * summary stays short however many numbers change.
 */
function numberLines(input: SummaryInput): SummaryLine[] {
  const whole = new Map<string, SummaryLine>();
  const addWhole = (type: (typeof TYPE_ORDER)[number], monthlyPrice: number, count: number) => {
    const unitPrice = monthlyPrice * input.monthsInPeriod;
    const key = `${type}:${unitPrice}`;
    const basis = { kind: "price", count: 0, price: monthlyPrice, per: "month", months: input.monthsInPeriod } as const;
    const line = whole.get(key) ?? { item: `${NUMBER_TYPE_LABELS[type]} numbers`, quantity: 0, unitPrice, total: 0, basis: { ...basis } };
    line.quantity += count;
    line.total += unitPrice * count;
    line.basis = { ...basis, count: line.quantity };
    whole.set(key, line);
  };
  const groups = [...(input.numberGroups ?? [])].sort(
    (a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || a.monthlyPrice - b.monthlyPrice,
  );
  for (const group of groups) addWhole(group.type, group.monthlyPrice, group.count);
  const sorted = [...input.numbers].sort(
    (a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || a.e164.localeCompare(b.e164),
  );
  for (const number of sorted) {
    if (daysHeld(input.period, number.acquiredAt, number.releasedAt) === 0) continue;
    if (!changedInPeriod(input.period, number)) addWhole(number.type, number.monthlyPrice, 1);
  }
  const changes = new Map<string, { type: (typeof TYPE_ORDER)[number]; lines: SummaryLine[] }>();
  for (const { type, line } of typedNumberChanges(input)) {
    const key = `${type}:${line.change!.kind}`;
    const entry = changes.get(key) ?? { type, lines: [] };
    entry.lines.push(line);
    changes.set(key, entry);
  }
  const changed = [...changes.values()].map(({ type, lines }): SummaryLine => {
    if (lines.length === 1) return lines[0]!;
    const kind = lines[0]!.change!.kind;
    const prices = new Set(lines.map((l) => l.unitPrice));
    return {
      item: `${NUMBER_TYPE_LABELS[type]} numbers ${kind} this period`,
      quantity: lines.length,
      unitPrice: prices.size === 1 ? lines[0]!.unitPrice : null,
      basis: { kind: "each", count: lines.length },
      total: lines.reduce((sum, l) => sum + l.total, 0),
      change: { kind },
    };
  });
  return [...whole.values(), ...changed];
}

function subscriptionLines(input: SummaryInput): SummaryLine[] {
  const subscription = input.subscription;
  if (!subscription) return [];
  const changes = subscription.seatChanges ?? [];
  const seatsAtStart = changes[0]?.from ?? subscription.seats;
  // The plan the period started on: a plan change within it is charged on its own line.
  const startPlan = changes.find((c) => c.fromPlan)?.fromPlan ?? { name: subscription.planName, seatPrice: subscription.seatPrice };
  return [
    {
      item: `${startPlan.name} plan (${subscription.interval === "year" ? "yearly" : "monthly"}), seats`,
      quantity: seatsAtStart,
      unitPrice: startPlan.seatPrice,
      total: seatsAtStart * startPlan.seatPrice,
      basis: { kind: "price", count: seatsAtStart, noun: ["seat", "seats"], price: startPlan.seatPrice, per: subscription.interval, months: 1 },
    },
    ...changes.map((change): SummaryLine => {
      if (change.description) {
        return {
          item: `Plan changed: ${change.description}, prorated`,
          quantity: 1,
          unitPrice: null,
          total: change.amount,
          basis: { kind: "provider", count: 1 },
          // A plan change may charge or credit: it is a change, neither an addition nor a removal.
          change: { kind: "changed", at: change.at },
        };
      }
      const seats = Math.abs(change.to - change.from);
      const added = change.to > change.from;
      return {
        item: `${seats} ${seats === 1 ? "seat" : "seats"} ${added ? "added" : "removed"} (${change.from} to ${change.to}), prorated`,
        quantity: seats,
        unitPrice: subscription.seatPrice,
        total: change.amount,
        basis: { kind: "provider", count: seats },
        change: { kind: added ? "added" : "removed", at: change.at },
      };
    }),
  ];
}

function addonLines(input: SummaryInput): SummaryLine[] {
  const { period, monthsInPeriod: months } = input;
  const totalDays = periodDays(period);
  const lines: SummaryLine[] = [];
  for (const addon of input.addons) {
    const unitPrice = addon.monthlyPrice * months;
    const addedInPeriod = !!addon.startedAt && addon.startedAt > period.start;
    const endedInPeriod = !!addon.endedAt && addon.endedAt < period.end;
    if (!addedInPeriod && !endedInPeriod) {
      const basis: Basis = { kind: "price", count: addon.quantity, price: addon.monthlyPrice, per: "month", months };
      lines.push({ item: addon.name, quantity: addon.quantity, unitPrice, total: addon.quantity * unitPrice, basis });
      continue;
    }
    const days = daysHeld(period, addon.startedAt!, addon.endedAt ?? null);
    if (days === 0) continue;
    lines.push({
      item: addon.name,
      quantity: addon.quantity,
      unitPrice,
      basis: { kind: "price", count: addon.quantity, price: addon.monthlyPrice, per: "month", months, days: [days, totalDays] },
      total: prorate(addon.quantity * addon.monthlyPrice, months, days, totalDays),
      change: endedInPeriod ? { kind: "removed", at: addon.endedAt! } : { kind: "added", at: addon.startedAt! },
    });
  }
  return lines;
}

export function buildSummary(input: SummaryInput): Summary {
  const months = input.monthsInPeriod;
  const calls: SummaryLine[] = [
    ...input.packages.map((p): SummaryLine => ({
      item: `${p.name} calling package`,
      quantity: p.quantity,
      unitPrice: p.monthlyPrice * months,
      total: p.quantity * p.monthlyPrice * months,
      basis: { kind: "price", count: p.quantity, noun: ["user", "users"], price: p.monthlyPrice, per: "month", months },
    })),
    ...input.bundles.map((b): SummaryLine => {
      const paidEarlier = !!b.purchasedAt && b.purchasedAt < input.period.start;
      return {
        item: `Prepaid minutes: ${b.name}`,
        quantity: 1,
        unitPrice: b.price,
        total: paidEarlier ? 0 : b.price,
        basis: b.purchasedAt
          ? {
              kind: "bundle",
              minutesIncluded: b.minutesIncluded ?? 0,
              minutesLeft: b.minutesLeft ?? 0,
              purchasedAt: b.purchasedAt,
              paidEarlier,
            }
          : undefined,
      };
    }),
    ...input.usage
      .filter((u) => u.records > 0)
      .map((u): SummaryLine => {
        const { quantity, unit } = usageQuantity(u.category, u.seconds ?? 0, u.fragments ?? 0);
        return {
          item: USAGE_CATEGORY_LABELS[u.category].item,
          quantity,
          quantityLabel: `${quantity.toLocaleString("en")} ${unit}`,
          unitPrice: null,
          total: u.amount,
          paidFromCredit: true,
          basis: { kind: "usage", quantity, unit },
        };
      }),
  ];
  const groups = [
    group("subscription", "Subscription", subscriptionLines(input)),
    group("numbers", "Numbers", numberLines(input)),
    group("calls", "Calls and SMS", calls),
    group("addons", "Add-ons", addonLines(input)),
  ];
  const lines = groups.flatMap((g) => g.lines);
  return {
    groups,
    total: groups.reduce((sum, g) => sum + g.subtotal, 0),
    paidFromCredit: lines.filter((l) => l.paidFromCredit).reduce((sum, l) => sum + l.total, 0),
  };
}
