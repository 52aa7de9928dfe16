import { formatMoney } from "@/lib/money";
import { zoneAbbreviation } from "@/lib/time";

export interface AccountFormat {
  money(minor: number): string;
  /** A money amount with an explicit sign: "+€10.00", "-€0.42". */
  signedMoney(minor: number): string;
  date(instant: Date): string;
  /** A "YYYY-MM-DD" calendar date. */
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

/** Amounts in the account currency; dates and times in the account time zone. */
export function accountFormat(account: { currency: string; timeZone: string }): AccountFormat {
  const key = `${account.currency}:${account.timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format = buildFormat(account);
    formats.set(key, format);
  }
  return format;
}

function buildFormat(account: { currency: string; timeZone: string }): AccountFormat {
  const date = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: account.timeZone });
  const day = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
  const dateTime = new Intl.DateTimeFormat("en-GB", {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: account.timeZone,
  });
  const number = new Intl.NumberFormat("en");
  return {
    money: (minor) => formatMoney(minor, account.currency),
    signedMoney: (minor) => (minor > 0 ? `+${formatMoney(minor, account.currency)}` : formatMoney(minor, account.currency)),
    date: (instant) => date.format(instant),
    day: (value) => day.format(new Date(`${value}T00:00:00Z`)),
    // The zone's abbreviation where English has one (CET, EST), not the locale's "GMT-5".
    dateTime: (instant) => `${dateTime.format(instant)} ${zoneAbbreviation(instant, account.timeZone)}`,
    number: (n) => number.format(n),
  };
}
