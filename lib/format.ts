import { divideRounded, formatMoney, minorUnitsPerMajor } from "@/lib/money";
import { zoneAbbreviation, zonedParts } from "@/lib/time";

export interface AccountFormat {
  money(minor: number): string;
  /** A money amount with an explicit sign: "+€10.00", "-€0.42". */
  signedMoney(minor: number): string;
  /** An amount rounded to whole units of the currency, for chart axes: "€200". */
  wholeMoney(minor: number): string;
  /** "29 Nov 2026" (or "Nov 29, 2026" where the month comes first), in the account time zone. */
  date(instant: Date): string;
  /** A "YYYY-MM-DD" calendar date, written like date(). */
  day(date: string): string;
  dateTime(instant: Date): string;
  number(n: number): string;
}

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });

export function countryName(code: string): string {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

const formats = new Map<string, AccountFormat>();

/** Countries that write the month before the day ("Nov 29, 2026"). */
const MONTH_FIRST = new Set(["US", "PR", "PH", "CA"]);

/**
 * Three-letter month names, the same in every month: en-GB's own short form is "Sept",
 * which would sit beside "Nov" on the same page.
 */
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function writeDate(year: number, month: number, day: number, monthFirst: boolean): string {
  const name = MONTHS[month - 1];
  return monthFirst ? `${name} ${day}, ${year}` : `${day} ${name} ${year}`;
}

/**
 * Amounts in the account currency; dates and times in the account time zone, in the order
 * of its country (day first unless the country writes the month first). One date style
 * for the whole page.
 */
export function accountFormat(account: { currency: string; timeZone: string; country?: string }): AccountFormat {
  const key = `${account.currency}:${account.timeZone}:${account.country ?? ""}`;
  let format = formats.get(key);
  if (!format) {
    format = buildFormat(account);
    formats.set(key, format);
  }
  return format;
}

function buildFormat(account: { currency: string; timeZone: string; country?: string }): AccountFormat {
  const monthFirst = MONTH_FIRST.has(account.country ?? "");
  const time = new Intl.DateTimeFormat(monthFirst ? "en-US" : "en-GB", {
    hour: monthFirst ? "numeric" : "2-digit",
    minute: "2-digit",
    timeZone: account.timeZone,
  });
  const number = new Intl.NumberFormat("en");
  const whole = new Intl.NumberFormat("en", { style: "currency", currency: account.currency, maximumFractionDigits: 0, minimumFractionDigits: 0 });
  const date = (instant: Date) => {
    const p = zonedParts(instant, account.timeZone);
    return writeDate(p.year, p.month, p.day, monthFirst);
  };
  return {
    money: (minor) => formatMoney(minor, account.currency),
    signedMoney: (minor) => (minor > 0 ? `+${formatMoney(minor, account.currency)}` : formatMoney(minor, account.currency)),
    wholeMoney: (minor) => whole.format(divideRounded(minor, minorUnitsPerMajor(account.currency))),
    date,
    day: (value) => {
      const [y, m, d] = value.split("-").map(Number);
      return writeDate(y!, m!, d!, monthFirst);
    },
    // The zone's abbreviation where English has one (CET, EST), not the locale's "GMT-5".
    dateTime: (instant) => `${date(instant)}, ${time.format(instant)} ${zoneAbbreviation(instant, account.timeZone)}`,
    number: (n) => number.format(n),
  };
}
