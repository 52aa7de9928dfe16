import { type SQL, sql } from "drizzle-orm";

/**
 * A list as ONE parameter, in Postgres's array text form, for `= any(${pgArray(ids)}::uuid[])`.
 * (Drizzle spreads a JS array into a list of parameters; both drivers read this form.)
 */
export function pgArray(values: readonly (string | number)[]): SQL {
  const items = values.map((value) =>
    typeof value === "number" ? String(value) : `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
  );
  return sql`${`{${items.join(",")}}`}`;
}
