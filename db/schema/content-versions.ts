import { bigint, pgTable, uuid } from "drizzle-orm/pg-core";

/**
 * A number per account that changes with every committed change to what the billing page
 * shows (migration 0006 keeps it from triggers, bumped at commit). The row of the nil
 * uuid changes with the shared catalog (plans, packages, add-ons, rates). The page cache
 * keeps a rendered page only while both numbers are what they were when it was rendered.
 */
export const contentVersions = pgTable("content_versions", {
  /** An account's id, or the nil uuid for the catalog; no foreign key for that reason. */
  accountId: uuid("account_id").primaryKey(),
  version: bigint("version", { mode: "number" }).notNull().default(0),
});

export const CATALOG_VERSION_KEY = "00000000-0000-0000-0000-000000000000";
