import { eq } from "drizzle-orm";
import { chargeForSeconds, chargeForUnits } from "../../lib/money";
import type { Database, Executor } from "../client";
import {
  accountAddons,
  accountPackages,
  accounts,
  autoTopUpSettings,
  billingDetails,
  creditBalances,
  creditMovements,
  paymentMethods,
  phoneNumbers,
  prepaidBundles,
  subscriptions,
  topUpAttempts,
  users,
  type NewCreditMovement,
} from "../schema";
import { type CatalogIds, catalogKey, seedCatalog } from "./catalog";
import { demoPeople } from "./people";
import { createRandom, type Random } from "./random";
import { TENANTS, type TenantSpec } from "./tenants";

const DAY = 24 * 60 * 60 * 1000;
export const MOVEMENT_HISTORY_DAYS = 120;

export interface SeedResult {
  seeded: boolean;
  accounts: { slug: string; users: number; numbers: number; movements: number; balance: number }[];
}

/** Seeds the catalogue and the demo tenants once; a second call changes nothing. */
export async function seedDemo(db: Database, now = new Date()): Promise<SeedResult> {
  const existing = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.slug, "acme"));
  if (existing.length > 0) return { seeded: false, accounts: [] };
  return db.transaction(async (tx) => {
    const catalog = await seedCatalog(tx);
    const result: SeedResult = { seeded: true, accounts: [] };
    for (const spec of TENANTS) {
      result.accounts.push(await seedTenant(tx, spec, catalog, now));
    }
    return result;
  });
}

function periodFor(interval: "month" | "year", now: Date): { start: Date; end: Date } {
  if (interval === "month") {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    return { start, end };
  }
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 4, 1));
  const end = new Date(Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth() - 4, 1));
  return { start, end };
}

async function seedTenant(tx: Executor, spec: TenantSpec, catalog: CatalogIds, now: Date) {
  const random = createRandom(spec.seed);
  const [account] = await tx
    .insert(accounts)
    .values({
      slug: spec.slug,
      name: spec.name,
      country: spec.country,
      currency: spec.currency,
      timeZone: spec.timeZone,
      createdAt: new Date(now.getTime() - 400 * DAY),
    })
    .returning();
  if (!account) throw new Error(`could not create account ${spec.slug}`);
  const accountId = account.id;

  const people = demoPeople().filter((p) => p.accountSlug === spec.slug);
  const userRows = await tx
    .insert(users)
    .values(
      people.map((p) => ({
        accountId,
        email: p.email,
        name: p.name,
        role: p.role,
        active: p.active,
        createdAt: new Date(now.getTime() - 300 * DAY),
        deactivatedAt: p.active ? null : new Date(now.getTime() - 20 * DAY),
      })),
    )
    .returning();
  const admin = userRows.find((u) => u.role === "admin" && u.active);
  if (!admin) throw new Error(`tenant ${spec.slug} needs an active admin`);
  const callers = userRows.filter((u) => u.active);

  const period = periodFor(spec.plan.interval, now);
  const planId = catalog.plan[catalogKey(spec.plan.code, spec.currency, spec.plan.interval)];
  if (!planId) throw new Error(`no plan ${spec.plan.code} in ${spec.currency}`);
  await tx.insert(subscriptions).values({
    accountId,
    planId,
    interval: spec.plan.interval,
    status: "active",
    seatsPurchased: spec.plan.seats,
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
    rateCardId: catalog.rateCard[spec.currency],
    providerCustomerId: `cus_demo_${spec.slug}`,
    providerSubscriptionId: `sub_demo_${spec.slug}`,
    providerSubscriptionItemId: `si_demo_${spec.slug}`,
  });

  for (const pkg of spec.packages) {
    const packageId = catalog.pkg[catalogKey(pkg.code, spec.currency)];
    if (!packageId) throw new Error(`no package ${pkg.code}`);
    const unitPrice = await packagePrice(tx, packageId);
    await tx.insert(accountPackages).values({
      accountId,
      packageId,
      quantity: pkg.quantity,
      unitPrice,
      startedAt: new Date(now.getTime() - 200 * DAY),
    });
  }
  if (spec.bundle) {
    await tx.insert(prepaidBundles).values({
      accountId,
      name: spec.bundle.name,
      secondsIncluded: spec.bundle.minutes * 60,
      secondsUsed: spec.bundle.minutesUsed * 60,
      price: spec.bundle.price,
      purchasedAt: new Date(now.getTime() - 40 * DAY),
      expiresAt: new Date(now.getTime() + 325 * DAY),
    });
  }
  for (const addon of spec.addons) {
    const addonId = catalog.addon[catalogKey(addon.code, spec.currency)];
    if (!addonId) throw new Error(`no add-on ${addon.code}`);
    const unitPrice = await addonPrice(tx, addonId);
    await tx.insert(accountAddons).values({
      accountId,
      addonId,
      quantity: addon.quantity,
      unitPrice,
      startedAt: new Date(now.getTime() - 150 * DAY),
    });
  }

  const numbers = numberRows(spec, accountId, period.start, now);
  await tx.insert(phoneNumbers).values(numbers);

  const pm = spec.paymentMethod;
  await tx.insert(paymentMethods).values(
    pm.type === "card"
      ? {
          accountId,
          provider: "sandbox",
          type: "card",
          providerPaymentMethodId: `pm_demo_${spec.slug}`,
          cardBrand: pm.brand,
          cardLast4: pm.last4,
          cardExpMonth: pm.expMonth,
          cardExpYear: pm.expYear,
        }
      : {
          accountId,
          provider: "sandbox",
          type: "paypal",
          providerPaymentMethodId: `pm_demo_${spec.slug}`,
          paypalEmail: pm.email,
        },
  );
  await tx
    .insert(billingDetails)
    .values({ accountId, ...spec.billingDetails, updatedByUserId: admin.id });
  if (spec.autoTopUp) {
    await tx.insert(autoTopUpSettings).values({
      accountId,
      enabled: true,
      threshold: spec.autoTopUp.threshold,
      amount: spec.autoTopUp.amount,
      monthlyCap: spec.autoTopUp.monthlyCap,
      updatedByUserId: admin.id,
    });
  }

  const history = movementHistory(spec, accountId, admin.id, callers.map((u) => u.id), now, random);
  for (let i = 0; i < history.movements.length; i += 1000) {
    await tx.insert(creditMovements).values(history.movements.slice(i, i + 1000));
  }
  if (history.topUps.length > 0) {
    await tx.insert(topUpAttempts).values(history.topUps);
  }
  await tx.insert(creditBalances).values({ accountId, balance: history.balance, updatedAt: now });

  return {
    slug: spec.slug,
    users: userRows.length,
    numbers: numbers.length,
    movements: history.movements.length,
    balance: history.balance,
  };
}

async function packagePrice(tx: Executor, packageId: string): Promise<number> {
  const row = await tx.query.callingPackages.findFirst({
    where: (p, { eq: equals }) => equals(p.id, packageId),
  });
  if (!row) throw new Error("package vanished");
  return row.monthlyPrice;
}

async function addonPrice(tx: Executor, addonId: string): Promise<number> {
  const row = await tx.query.addons.findFirst({ where: (a, { eq: equals }) => equals(a.id, addonId) });
  if (!row) throw new Error("add-on vanished");
  return row.unitPrice;
}

function numberRows(spec: TenantSpec, accountId: string, periodStart: Date, now: Date) {
  const rows: (typeof phoneNumbers.$inferInsert)[] = [];
  for (const plan of spec.numbers) {
    for (let i = 0; i < plan.count; i++) {
      rows.push({
        accountId,
        e164: `${plan.prefix}${String(100 + i * 7).padStart(4, "0")}`,
        country: plan.country,
        type: plan.type,
        label: plan.label,
        monthlyPrice: plan.monthlyPrice,
        acquiredAt: new Date(now.getTime() - (200 + i) * DAY),
      });
    }
  }
  // One number added and one released in the current period: the summary marks both.
  const sinceStart = Math.max(now.getTime() - periodStart.getTime(), 2 * 60 * 60 * 1000);
  const added = rows[1];
  const released = rows[rows.length - 1];
  if (added) added.acquiredAt = new Date(periodStart.getTime() + Math.floor(sinceStart / 2));
  if (released) released.releasedAt = new Date(periodStart.getTime() + Math.floor(sinceStart / 3));
  return rows;
}

type NewTopUp = typeof topUpAttempts.$inferInsert;

function movementHistory(
  spec: TenantSpec,
  accountId: string,
  adminId: string,
  callerIds: string[],
  now: Date,
  random: Random,
) {
  const movements: NewCreditMovement[] = [];
  const topUps: NewTopUp[] = [];
  let balance = 0;
  let sequence = 0;

  const push = (m: Omit<NewCreditMovement, "accountId" | "balanceAfter">) => {
    balance += m.amount;
    movements.push({ ...m, accountId, balanceAfter: balance });
  };
  const topUp = (at: Date, kind: "manual" | "auto", amount: number) => {
    sequence++;
    const paymentId = `pi_demo_${spec.slug}_${sequence}`;
    push({
      occurredAt: at,
      type: kind === "auto" ? "top_up_auto" : "top_up_manual",
      interactionId: paymentId,
      description: kind === "auto" ? "Automatic top-up" : "Credit added",
      amount,
      actorUserId: kind === "manual" ? adminId : null,
      actor: kind === "auto" ? "auto top-up" : "admin",
    });
    topUps.push({
      accountId,
      kind,
      status: "succeeded",
      amount,
      currency: spec.currency,
      idempotencyKey: `seed-${paymentId}`,
      providerPaymentIntentId: paymentId,
      initiatedByUserId: kind === "manual" ? adminId : null,
      createdAt: at,
      updatedAt: at,
      settledAt: at,
    });
  };

  const start = new Date(now.getTime() - MOVEMENT_HISTORY_DAYS * DAY);
  start.setUTCHours(0, 0, 0, 0);
  topUp(new Date(start.getTime() + 8 * 60 * 60 * 1000), "manual", spec.manualTopUp.amount * 2);

  for (let day = 0; day < MOVEMENT_HISTORY_DAYS; day++) {
    const dayStart = start.getTime() + day * DAY;
    const count = random.int(spec.callsPerDay[0], spec.callsPerDay[1]);
    const times: number[] = [];
    for (let i = 0; i < count; i++) times.push(dayStart + random.int(7 * 3600, 19 * 3600) * 1000);
    times.sort((a, b) => a - b);
    for (const time of times) {
      if (time >= now.getTime()) break;
      const at = new Date(time);
      sequence++;
      const caller = random.pick(callerIds);
      const roll = random.next();
      if (roll < 0.72) {
        const destination = random.pick(spec.chargedDestinations);
        const seconds = random.int(15, destination.premium ? 240 : 900);
        const number = `${destination.e164}${String(random.int(1000, 9999))}`;
        push({
          occurredAt: at,
          type: "call",
          interactionId: `call-${spec.slug}-${sequence}`,
          description: `${destination.premium ? "Premium call" : "Call"} to ${destination.country}`,
          destination: number,
          units: seconds,
          unitType: "seconds",
          rateMicros: destination.rateMicros,
          amount: -Math.max(1, chargeForSeconds(seconds, destination.rateMicros, spec.currency)),
          actorUserId: caller,
          actor: "platform",
        });
      } else if (roll < 0.84) {
        const fragments = random.int(1, 3);
        push({
          occurredAt: at,
          type: "sms",
          interactionId: `sms-${spec.slug}-${sequence}`,
          description: "SMS",
          destination: `${random.pick(spec.chargedDestinations).e164}${random.int(1000, 9999)}`,
          units: fragments,
          unitType: "fragments",
          rateMicros: spec.smsRateMicros,
          amount: -Math.max(1, chargeForUnits(fragments, spec.smsRateMicros, spec.currency)),
          actorUserId: caller,
          actor: "platform",
        });
      } else if (roll < 0.91) {
        const seconds = random.int(30, 600);
        const destination = random.pick(spec.chargedDestinations.filter((d) => !d.premium));
        push({
          occurredAt: at,
          type: "forwarded_leg",
          interactionId: `call-${spec.slug}-${sequence}-fwd`,
          description: `Forwarded leg to ${destination.country}`,
          destination: `${destination.e164}${random.int(1000, 9999)}`,
          units: seconds,
          unitType: "seconds",
          rateMicros: destination.rateMicros,
          amount: -Math.max(1, chargeForSeconds(seconds, destination.rateMicros, spec.currency)),
          actorUserId: caller,
          actor: "platform",
        });
      } else if (roll < 0.995) {
        const seconds = random.int(30, 1200);
        const tollFree = spec.numbers.find((n) => n.type === "toll_free");
        push({
          occurredAt: at,
          type: "toll_free_inbound",
          interactionId: `call-${spec.slug}-${sequence}-in`,
          description: "Inbound call to toll-free number",
          destination: tollFree ? `${tollFree.prefix}0100` : null,
          units: seconds,
          unitType: "seconds",
          rateMicros: spec.tollFreeInboundMicros,
          amount: -Math.max(1, chargeForSeconds(seconds, spec.tollFreeInboundMicros, spec.currency)),
          actorUserId: caller,
          actor: "platform",
        });
      } else {
        const last = movements.findLast((m) => m.type === "call");
        if (last) {
          push({
            occurredAt: at,
            type: "refund",
            interactionId: `refund-${last.interactionId}`,
            description: `Refund of ${last.interactionId} (dropped call)`,
            amount: -last.amount,
            actorUserId: adminId,
            actor: "support",
          });
        }
      }
      if (spec.autoTopUp && balance < spec.autoTopUp.threshold) {
        topUp(new Date(time + 1000), "auto", spec.autoTopUp.amount);
      } else if (!spec.autoTopUp && balance < spec.manualTopUp.below) {
        topUp(new Date(time + 30 * 60 * 1000), "manual", spec.manualTopUp.amount);
      }
    }
  }
  return { movements, topUps, balance };
}
