import type { Database } from "../../db/client";
import { accounts, phoneNumbers, plans, rateCards, rates, subscriptions, users } from "../../db/schema";
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
      // The account's own plan, not one the catalogue offers to others.
      offered: false,
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

/** A small rate card (EUR): Germany, France, the US, Japan; calls, toll-free inbound and SMS. */
export async function createRateCard(db: Database, currency = "EUR") {
  const [card] = await db
    .insert(rateCards)
    .values({ code: `test-${Math.random().toString(36).slice(2, 10)}`, name: "Test rates", currency })
    .returning();
  const call = (prefix: string, country: string, destinationType: "fixed" | "mobile" | "toll_free" | "premium", rateMicros: number) => ({
    rateCardId: card!.id,
    kind: "call_outbound" as const,
    prefix,
    country,
    destinationType,
    description: `${country} ${destinationType}`,
    rateMicros,
  });
  await db.insert(rates).values([
    call("49", "DE", "fixed", 12_000),
    call("4915", "DE", "mobile", 45_000),
    call("49900", "DE", "premium", 990_000),
    call("33", "FR", "fixed", 14_000),
    call("1", "US", "fixed", 10_000),
    call("81", "JP", "fixed", 60_000),
    { ...call("49800", "DE", "toll_free", 60_000), kind: "call_inbound_toll_free" as const },
    { ...call("44", "GB", "mobile", 40_000), kind: "sms" as const },
    { ...call("49", "DE", "mobile", 75_000), kind: "sms" as const },
  ]);
  return card!;
}

/** A phone number the account holds: from `acquiredAt` (long ago by default) until `releasedAt`. */
export async function addNumber(
  db: Database,
  accountId: string,
  e164: string,
  options: { country?: string; type?: "local" | "mobile" | "toll_free"; acquiredAt?: Date; releasedAt?: Date | null } = {},
) {
  const [number] = await db
    .insert(phoneNumbers)
    .values({
      accountId,
      e164,
      country: options.country ?? "DE",
      type: options.type ?? "local",
      monthlyPrice: 300,
      acquiredAt: options.acquiredAt ?? new Date("2020-01-01T00:00:00Z"),
      releasedAt: options.releasedAt ?? null,
    })
    .returning();
  return number!;
}
