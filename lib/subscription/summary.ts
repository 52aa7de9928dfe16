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
    seatChanges?: { from: number; to: number; at: Date; amount: number }[];
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
  bundles: { name: string; price: number }[];
  usage: { category: UsageCategory; records: number; amount: number }[];
  /** Without startedAt, an add-on is held for the whole period. */
  addons: { name: string; quantity: number; monthlyPrice: number; startedAt?: Date; endedAt?: Date | null }[];
}

export interface SummaryLine {
  item: string;
  quantity: number;
  /** How the quantity reads, e.g. "12 of 30 days" or "312 calls". */
  quantityLabel?: string;
  /** What else the line needs to be read, shown under the item (the days of a prorated add-on). */
  detail?: string;
  /** Null when the unit price varies (usage rated per destination). */
  unitPrice: number | null;
  total: number;
  /**
   * A change within the period: numbers are added or released, seats and add-ons added or
   * removed. A line that stands for several changes has no single date.
   */
  change?: { kind: "added" | "released" | "removed"; at?: Date };
  paidFromCredit?: boolean;
}

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

export const USAGE_CATEGORY_LABELS: Record<UsageCategory, { item: string; unit: [string, string] }> = {
  outside_packages: { item: "Calls outside your packages", unit: ["call", "calls"] },
  premium: { item: "Premium destinations", unit: ["call", "calls"] },
  forwarded: { item: "Forwarded call legs", unit: ["leg", "legs"] },
  toll_free_inbound: { item: "Inbound calls to toll-free numbers", unit: ["call", "calls"] },
  sms: { item: "SMS", unit: ["message", "messages"] },
};

const plural = (n: number, [one, many]: [string, string]) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

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
    const line = whole.get(key) ?? { item: `${NUMBER_TYPE_LABELS[type]} numbers`, quantity: 0, unitPrice, total: 0 };
    line.quantity += count;
    line.total += unitPrice * count;
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
      detail: "Each prorated by the days held",
      unitPrice: prices.size === 1 ? lines[0]!.unitPrice : null,
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
  return [
    {
      item: `${subscription.planName} plan (${subscription.interval === "year" ? "yearly" : "monthly"}), seats`,
      quantity: seatsAtStart,
      unitPrice: subscription.seatPrice,
      total: seatsAtStart * subscription.seatPrice,
    },
    ...changes.map((change): SummaryLine => {
      const seats = Math.abs(change.to - change.from);
      const added = change.to > change.from;
      return {
        item: `${seats} ${seats === 1 ? "seat" : "seats"} ${added ? "added" : "removed"} (${change.from} to ${change.to}), prorated`,
        quantity: seats,
        unitPrice: subscription.seatPrice,
        total: change.amount,
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
      lines.push({ item: addon.name, quantity: addon.quantity, unitPrice, total: addon.quantity * unitPrice });
      continue;
    }
    const days = daysHeld(period, addon.startedAt!, addon.endedAt ?? null);
    if (days === 0) continue;
    lines.push({
      item: addon.name,
      quantity: addon.quantity,
      detail: `${days} of ${totalDays} days, prorated`,
      unitPrice,
      total: prorate(addon.quantity * addon.monthlyPrice, months, days, totalDays),
      change: endedInPeriod ? { kind: "removed", at: addon.endedAt! } : { kind: "added", at: addon.startedAt! },
    });
  }
  return lines;
}

export function buildSummary(input: SummaryInput): Summary {
  const months = input.monthsInPeriod;
  const calls: SummaryLine[] = [
    ...input.packages.map((p) => ({
      item: `${p.name} calling package`,
      quantity: p.quantity,
      unitPrice: p.monthlyPrice * months,
      total: p.quantity * p.monthlyPrice * months,
    })),
    ...input.bundles.map((b) => ({ item: `Prepaid minutes: ${b.name}`, quantity: 1, unitPrice: b.price, total: b.price })),
    ...input.usage
      .filter((u) => u.records > 0)
      .map((u) => ({
        item: USAGE_CATEGORY_LABELS[u.category].item,
        quantity: u.records,
        quantityLabel: plural(u.records, USAGE_CATEGORY_LABELS[u.category].unit),
        unitPrice: null,
        total: u.amount,
        paidFromCredit: true,
      })),
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
