import { formatMoney, parseMajorAmount } from "@/lib/money";
import { fail, ok, type Result } from "@/lib/result";

/** Bounds on amounts an admin may enter, in minor units (the same for EUR and USD). */
export const TOP_UP_PRESETS = [2_500, 5_000, 10_000, 25_000] as const;
export const TOP_UP_MIN = 1_000;
export const TOP_UP_MAX = 500_000;

export const AUTO_TOP_UP_THRESHOLD_MIN = 500;
export const AUTO_TOP_UP_THRESHOLD_MAX = 100_000;
export const AUTO_TOP_UP_AMOUNT_MIN = 1_000;
export const AUTO_TOP_UP_AMOUNT_MAX = 500_000;
export const AUTO_TOP_UP_CAP_MAX = 5_000_000;


export const AMOUNT_HINT = "Enter an amount such as 50 or 49.90.";

/** An amount typed in major units, within bounds, in minor units; what to type otherwise. */
export function amountInBounds(text: string, currency: string, min: number, max: number): Result<number> {
  const minor = parseMajorAmount(text, currency);
  if (minor === null) return fail("invalid", AMOUNT_HINT);
  if (minor < min || minor > max) {
    return fail("invalid", `Enter an amount from ${formatMoney(min, currency)} to ${formatMoney(max, currency)}.`);
  }
  return ok(minor);
}
