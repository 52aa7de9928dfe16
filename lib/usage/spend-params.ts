import { z } from "zod";
import type { usageCategory } from "@/db/schema";
import { validDate } from "@/lib/exports/range";

/**
 * The spend page's query string (and its export's): which breakdown, sorted how, for which
 * period, the row drilled into and the page; checked with zod, refused in words.
 */

export const SPEND_VIEWS = ["user", "number", "country", "category"] as const;
export type SpendView = (typeof SPEND_VIEWS)[number];
export const SPEND_SORTS = ["amount", "minutes", "name"] as const;
export type SpendSort = (typeof SPEND_SORTS)[number];
export type Category = (typeof usageCategory.enumValues)[number];

export const DRILL_PAGE = 25;
/** Rows of a breakdown shown at a time (the export has them all). */
export const BREAKDOWN_PAGE = 25;
/** Package-fit advice prices this many days of calls against a month of a package. */
export const ADVICE_WINDOW_DAYS = 30;

export const CURSOR = /^(\d{1,17})~([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const emptyAsUnset = (value: unknown) => (value === "" ? undefined : value);

/** The page's query string: which breakdown, sorted how, for which period, and the row drilled into. */
export const spendParamsSchema = z.object({
  by: z.preprocess(emptyAsUnset, z.enum(SPEND_VIEWS, { message: `by must be one of ${SPEND_VIEWS.join(", ")}` }).default("user")),
  sort: z.preprocess(
    emptyAsUnset,
    z.enum(SPEND_SORTS, { message: `sort must be one of ${SPEND_SORTS.join(", ")}` }).default("amount"),
  ),
  period: z.preprocess(
    emptyAsUnset,
    z
      .string({ message: "period must be the first day of a billing period, as YYYY-MM-DD" })
      .refine(validDate, "period must be the first day of a billing period, as YYYY-MM-DD")
      .optional(),
  ),
  /** The row drilled into: a user id, a number, a country code or a category; "" for "none". */
  row: z.string({ message: "row must be text" }).max(64, "row must be at most 64 characters").optional(),
  after: z.preprocess(
    emptyAsUnset,
    z.string({ message: "after must be a page cursor" }).regex(CURSOR, "after must be a page cursor from this page").optional(),
  ),
  /** Which rows of the breakdown: 1 for the first BREAKDOWN_PAGE. */
  page: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number({ message: "page must be a whole number from 1" })
      .int("page must be a whole number from 1")
      .min(1, "page must be a whole number from 1")
      .max(100_000, "page must be a whole number from 1")
      .default(1),
  ),
});
export type SpendParams = z.output<typeof spendParamsSchema>;

/** The page's or the export's query; a name given twice is refused (it is not text). */
export function spendParamsFrom(query: Record<string, string | string[] | undefined>) {
  const { by, sort, period, row, after, page } = query;
  return spendParamsSchema.safeParse({ by, sort, period, row, after, page });
}

export function paramsProblem(error: z.ZodError): string {
  return error.issues.map((issue) => issue.message).join("; ");
}

export const CATEGORY_NAMES: Record<Category, string> = {
  included: "Included in packages",
  bundle: "Prepaid minutes",
  outside_packages: "Calls outside your packages",
  premium: "Premium destinations",
  forwarded: "Forwarded call legs",
  toll_free_inbound: "Inbound calls to toll-free numbers",
  sms: "SMS",
};

/** Whether a row key can name a row of the view (a user id must be a uuid, a category one of ours). */
export function validRowKey(view: SpendView, key: string): boolean {
  switch (view) {
    case "user":
      return key === "" || z.uuid().safeParse(key).success;
    case "number":
      return /^\+[1-9][0-9]{6,14}$/.test(key);
    case "country":
      return key === "" || /^[A-Z]{2}$/.test(key);
    case "category":
      // Own keys only: `in` would also take an inherited name such as "toString".
      return Object.hasOwn(CATEGORY_NAMES, key);
  }
}
