import type { Database } from "../../db/client";
import { accounts, plans, subscriptions, users } from "../../db/schema";
import { type MovementInput, postMovements } from "../../lib/credit/ledger";

let counter = 0;

/** A bare tenant with one admin: the "brand-new account" of the tests. */
export async function createAccount(
  db: Database,
  overrides: Partial<typeof accounts.$inferInsert> = {},
) {
  counter++;
  const slug = overrides.slug ?? `t${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const [account] = await db
    .insert(accounts)
    .values({ name: `Tenant ${slug}`, country: "DE", currency: "EUR", timeZone: "Europe/Berlin", ...overrides, slug })
    .returning();
  const [admin] = await db
    .insert(users)
    .values({ accountId: account!.id, email: `admin@${slug}.test`, name: "Admin", role: "admin" })
    .returning();
  return { account: account!, admin: admin! };
}

/** Posts movements through the ledger; returns the balance after them. */
export async function addMovements(
  db: Database,
  accountId: string,
  movements: (Pick<MovementInput, "amount" | "type"> & Partial<MovementInput>)[],
) {
  const result = await postMovements(
    db,
    accountId,
    movements.map((m) => ({ description: m.type, actor: "test", ...m })),
  );
  return result.balanceAfter;
}

export async function subscribe(
  db: Database,
  accountId: string,
  period: { start: Date; end: Date },
  seats = 5,
  interval: "month" | "year" = "month",
) {
  const [plan] = await db
    .insert(plans)
    .values({
      code: `plan-${accountId.slice(0, 8)}`,
      name: "Test plan",
      currency: "EUR",
      interval,
      seatPrice: 2500,
      maxSeats: 50,
    })
    .returning();
  await db.insert(subscriptions).values({
    accountId,
    planId: plan!.id,
    interval,
    seatsPurchased: seats,
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
  });
  return plan!;
}
