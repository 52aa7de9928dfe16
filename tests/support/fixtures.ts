import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import {
  accounts,
  creditBalances,
  creditMovements,
  plans,
  subscriptions,
  users,
  type NewCreditMovement,
} from "../../db/schema";

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

/** Appends movements with a running balance and stores the balance, as the ledger does. */
export async function addMovements(
  db: Database,
  accountId: string,
  movements: (Pick<NewCreditMovement, "amount" | "type"> & Partial<NewCreditMovement>)[],
) {
  const [current] = await db.select().from(creditBalances).where(eq(creditBalances.accountId, accountId));
  let balance = current?.balance ?? 0;
  const rows = movements.map((m) => {
    balance += m.amount;
    return { description: m.type, actor: "test", ...m, accountId, balanceAfter: balance };
  });
  if (rows.length) await db.insert(creditMovements).values(rows);
  await db
    .insert(creditBalances)
    .values({ accountId, balance })
    .onConflictDoUpdate({ target: creditBalances.accountId, set: { balance } });
  return balance;
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
