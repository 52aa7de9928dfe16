/**
 * Money is integer minor units (cents). Usage rates are integer micros: millionths of the
 * major unit. Conversions divide integers and round once, half away from zero.
 */

const currencyFormats = new Map<string, Intl.NumberFormat>();

/** Intl formatters are costly to build: one per locale and currency, reused. */
function currencyFormat(currency: string, locale = "en"): Intl.NumberFormat {
  const key = `${locale}:${currency}`;
  let format = currencyFormats.get(key);
  if (!format) {
    const digits = new Intl.NumberFormat(locale, { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
    format = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    currencyFormats.set(key, format);
  }
  return format;
}

/** Minor units per major unit: 100 for EUR and USD, 1 for JPY. */
const minorUnits = new Map<string, number>();

export function minorUnitsPerMajor(currency: string): number {
  let units = minorUnits.get(currency);
  if (units === undefined) {
    units = 10 ** (currencyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2);
    minorUnits.set(currency, units);
  }
  return units;
}

/** numerator / denominator, rounded half away from zero; both must be safe integers. */
export function divideRounded(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator === 0) {
    throw new RangeError(`divideRounded needs safe integers and a non-zero denominator`);
  }
  const sign = Math.sign(numerator) * Math.sign(denominator);
  const n = Math.abs(numerator);
  const d = Math.abs(denominator);
  const quotient = Math.floor(n / d);
  const remainder = n - quotient * d;
  const rounded = remainder * 2 >= d ? quotient + 1 : quotient;
  return sign * rounded || 0;
}

/** Price of `seconds` at `microsPerMinute`, in minor units of `currency`. */
export function chargeForSeconds(seconds: number, microsPerMinute: number, currency: string): number {
  const microsPerMinor = 1_000_000 / minorUnitsPerMajor(currency);
  return divideRounded(seconds * microsPerMinute, 60 * microsPerMinor);
}

/** Price of `units` at `microsPerUnit`, in minor units of `currency`. */
export function chargeForUnits(units: number, microsPerUnit: number, currency: string): number {
  const microsPerMinor = 1_000_000 / minorUnitsPerMajor(currency);
  return divideRounded(units * microsPerUnit, microsPerMinor);
}

/**
 * An integer count of `1 / scale` units as a plain decimal string, digit by digit (never
 * through a float): (-1234, 100) -> "-12.34", (45_000, 1_000_000) -> "0.045000".
 * `scale` is a power of ten: minor units per major unit, or 1,000,000 for micros.
 */
export function decimalString(units: number, scale: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`decimalString needs a safe integer, got ${units}`);
  const digits = Math.round(Math.log10(scale));
  const abs = Math.abs(units);
  const whole = Math.floor(abs / scale);
  const fraction = digits > 0 ? `.${String(abs % scale).padStart(digits, "0")}` : "";
  return `${units < 0 ? "-" : ""}${whole}${fraction}`;
}

/** Minor units as a plain decimal string of the major unit, e.g. -1234 EUR -> "-12.34". */
export function minorToDecimal(minor: number, currency: string): string {
  return decimalString(minor, minorUnitsPerMajor(currency));
}

/** Formats minor units in the account currency, e.g. "€1,234.56" or "-$3.10". */
export function formatMoney(minor: number, currency: string, locale = "en"): string {
  // Format through a decimal string so that no float ever carries the amount.
  const formatted = currencyFormat(currency, locale).format(minorToDecimal(Math.abs(minor), currency) as unknown as number);
  return minor < 0 ? `-${formatted}` : formatted;
}

/**
 * Reads an amount typed in major units ("50", "49.90", "49,90") as minor units, without
 * floating point; null when it is not a plain positive amount with at most the
 * currency's decimals.
 */
export function parseMajorAmount(text: string, currency: string): number | null {
  const perMajor = minorUnitsPerMajor(currency);
  const decimals = Math.round(Math.log10(perMajor));
  const match = text.trim().match(/^(\d{1,9})(?:[.,](\d+))?$/);
  if (!match) return null;
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) return null;
  return Number(match[1]) * perMajor + Number(fraction.padEnd(decimals, "0") || "0");
}
