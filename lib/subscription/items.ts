import { and, asc, eq, gt, gte, isNull, lt, lte, not, or, type SQL, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { accountAddons, addons, phoneNumbers } from "@/db/schema";

export interface AddonView {
  name: string;
  category: "conversation_intelligence" | "dialer" | "voice_agents";
  description: string;
  quantity: number;
  unitLabel: string;
  monthlyPrice: number;
  monthlyTotal: number;
}

export async function getActiveAddons(db: Executor, accountId: string, now = new Date()): Promise<AddonView[]> {
  const rows = await db
    .select({
      name: addons.name,
      category: addons.category,
      description: addons.description,
      unitLabel: addons.unitLabel,
      quantity: accountAddons.quantity,
      monthlyPrice: accountAddons.unitPrice,
    })
    .from(accountAddons)
    .innerJoin(addons, eq(addons.id, accountAddons.addonId))
    .where(
      and(
        eq(accountAddons.accountId, accountId),
        lt(accountAddons.startedAt, now),
        or(isNull(accountAddons.endedAt), gt(accountAddons.endedAt, now)),
      ),
    )
    .orderBy(asc(addons.category), asc(addons.name));
  return rows.map((r) => ({ ...r, monthlyTotal: r.quantity * r.monthlyPrice }));
}

export interface AddonHeld {
  name: string;
  quantity: number;
  monthlyPrice: number;
  startedAt: Date;
  endedAt: Date | null;
}

/**
 * Add-ons held at any time during the period, one row per quantity held (a change of
 * quantity ends one row and starts another), for the period's charges.
 */
export async function getAddonsInPeriod(
  db: Executor,
  accountId: string,
  period: { start: Date; end: Date },
): Promise<AddonHeld[]> {
  return db
    .select({
      name: addons.name,
      quantity: accountAddons.quantity,
      monthlyPrice: accountAddons.unitPrice,
      startedAt: accountAddons.startedAt,
      endedAt: accountAddons.endedAt,
    })
    .from(accountAddons)
    .innerJoin(addons, eq(addons.id, accountAddons.addonId))
    .where(
      and(
        eq(accountAddons.accountId, accountId),
        lt(accountAddons.startedAt, period.end),
        or(isNull(accountAddons.endedAt), gt(accountAddons.endedAt, period.start)),
      ),
    )
    .orderBy(asc(addons.category), asc(addons.name), asc(accountAddons.startedAt));
}

/**
 * The numbers to charge for a period: those held for all of it, counted per type and
 * price in the database, and those added or released within it, one by one.
 */
export async function getNumberCharges(
  db: Executor,
  accountId: string,
  period: { start: Date; end: Date },
) {
  const heldThroughout = and(
    eq(phoneNumbers.accountId, accountId),
    lte(phoneNumbers.acquiredAt, period.start),
    or(isNull(phoneNumbers.releasedAt), gte(phoneNumbers.releasedAt, period.end)),
  );
  const [groups, changed] = await Promise.all([
    db
      .select({
        type: phoneNumbers.type,
        monthlyPrice: phoneNumbers.monthlyPrice,
        count: sql<number>`count(*)`.mapWith(Number),
      })
      .from(phoneNumbers)
      .where(heldThroughout)
      .groupBy(phoneNumbers.type, phoneNumbers.monthlyPrice),
    getNumbersInPeriod(db, accountId, period, not(heldThroughout!)),
  ]);
  return { groups, changed };
}

/** Numbers held at any time during the period. */
export async function getNumbersInPeriod(
  db: Executor,
  accountId: string,
  period: { start: Date; end: Date },
  extra?: SQL,
) {
  return db
    .select({
      e164: phoneNumbers.e164,
      type: phoneNumbers.type,
      monthlyPrice: phoneNumbers.monthlyPrice,
      acquiredAt: phoneNumbers.acquiredAt,
      releasedAt: phoneNumbers.releasedAt,
    })
    .from(phoneNumbers)
    .where(
      and(
        eq(phoneNumbers.accountId, accountId),
        lt(phoneNumbers.acquiredAt, period.end),
        or(isNull(phoneNumbers.releasedAt), gt(phoneNumbers.releasedAt, period.start)),
        extra,
      ),
    );
}
