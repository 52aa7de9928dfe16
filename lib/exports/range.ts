import { daysBetween } from "@/lib/time";

/** The date range of an export: checked by the route (for API clients) and by the form (for people). */

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written as YYYY-MM-DD. */
export function validDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
}

export const MAX_RANGE_DAYS = 5 * 366;

export type RangeProblem = "from" | "to" | "order" | "length";

/** What is wrong with a range, if anything: a date that is not one, from after to, or more than 5 years. */
export function rangeProblem(from: string, to: string): RangeProblem | null {
  if (!validDate(from)) return "from";
  if (!validDate(to)) return "to";
  if (from > to) return "order";
  if (daysBetween(from, to) > MAX_RANGE_DAYS) return "length";
  return null;
}
