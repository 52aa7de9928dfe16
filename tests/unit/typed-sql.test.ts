import { sql } from "drizzle-orm";
import { describe, expectTypeOf, it } from "vitest";
import type { Executor } from "@/db/client";
import { creditMovements, usageRecords } from "@/db/schema";
import { insertFromJson, queryRows, type RowOf } from "@/db/typed-sql";

/**
 * The typed SQL helper's promise is made at compile time: `npm run typecheck` checks the
 * `@ts-expect-error` lines below (each must be an error, or the typecheck fails).
 */
describe("typed raw SQL", () => {
  it("types a row from the schema's columns and from sql<T> expressions", () => {
    const selection = {
      id: creditMovements.id,
      amount: creditMovements.amount,
      interaction: creditMovements.interactionId,
      amountText: sql<string>`${creditMovements.amount}::text`,
    };
    expectTypeOf<RowOf<typeof selection>>().toEqualTypeOf<{
      id: number;
      amount: number;
      interaction: string | null;
      amountText: string;
    }>();
  });

  it("refuses a column the table does not have", () => {
    const compileOnly = (db: Executor) => {
      // @ts-expect-error: credit_movements has no column "amountMinor"
      void queryRows(db, { amount: creditMovements.amountMinor }, sql`from ${creditMovements}`);
      // @ts-expect-error: usage_records has no column "charged"
      void insertFromJson(db, usageRecords, ["accountId", "charged"], []);
    };
    expectTypeOf(compileOnly).toBeFunction();
  });
});
