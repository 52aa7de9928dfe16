/** Calendar arithmetic in an account's IANA time zone, without a date library. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const parts: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of the zone from UTC at `instant`, in milliseconds (Berlin in winter: +3,600,000). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant of local midnight starting the given calendar day (month is 1-12; overflow rolls). */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  let instant = guess - zoneOffsetMs(new Date(guess), timeZone);
  // Across a DST change the offset at the result can differ from the guess's.
  instant = guess - zoneOffsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

/** "YYYY-MM-DD" of the instant's calendar day in the zone. */
export function zonedDateString(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

/** Adds days to a "YYYY-MM-DD" date (pure calendar arithmetic). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

/** Whole calendar days from `from` to `to` ("YYYY-MM-DD"). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The first of the month containing the instant, in the zone, as "YYYY-MM-01". */
export function zonedMonthStart(instant: Date, timeZone: string): string {
  return `${zonedDateString(instant, timeZone).slice(0, 7)}-01`;
}

/**
 * Locales tried in turn for a zone's short name: each knows the abbreviations of its own
 * region ("CET" in en-GB, "EST" in en-US, "AEDT" in en-AU, "IST" in en-IN, "JST" in ja)
 * and writes others as an offset ("GMT-5"), which is the answer when none has a name.
 */
const ZONE_NAME_LOCALES = ["en-GB", "en-US", "en-AU", "en-IN", "ja"] as const;
const OFFSET_NAME = /^(GMT|UTC)[+\-\u2212]/;
const zoneNameFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneName(instant: Date, timeZone: string, locale: string): string {
  const key = `${locale}:${timeZone}`;
  let formatter = zoneNameFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "short" });
    zoneNameFormatters.set(key, formatter);
  }
  return formatter.formatToParts(instant).find((part) => part.type === "timeZoneName")?.value ?? timeZone;
}

/** The zone's abbreviation at the instant ("CET", "EDT"), or its offset ("GMT+9") where it has none in English. */
export function zoneAbbreviation(instant: Date, timeZone: string): string {
  let fallback: string | null = null;
  for (const locale of ZONE_NAME_LOCALES) {
    const name = zoneName(instant, timeZone, locale);
    if (!OFFSET_NAME.test(name)) return name;
    fallback ??= name;
  }
  return fallback!;
}

/** The first day of the month after the one of `day` ("YYYY-MM-DD"). */
export function nextMonthStart(day: string): string {
  const [year, month] = day.split("-").map(Number) as [number, number];
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, "0")}-01`;
}
