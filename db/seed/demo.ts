import { and, eq, gt, inArray, sql } from "drizzle-orm";
import { type MovementInput, postMovements } from "../../lib/credit/ledger";
import { zonedMidnight, zonedParts } from "../../lib/time";
import type { Database, Executor } from "../client";
import {
  accountAddons,
  accountPackages,
  accounts,
  autoTopUpSettings,
  billingDetails,
  notices,
  creditMovements,
  paymentMethods,
  phoneNumbers,
  prepaidBundles,
  subscriptions,
  topUpAttempts,
  usageRecords,
  users,
} from "../schema";
import { type CatalogIds, catalogKey, seedCatalog } from "./catalog";
import { demoPeople } from "./people";
import { creditHistory, type HistoryContext, includedUsage } from "./history";
import { seedInvoiceHistory } from "./invoices";
import { createRandom } from "./random";
import { TENANTS, type TenantSpec } from "./tenants";

const DAY = 24 * 60 * 60 * 1000;

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
    await seedInvoiceHistory(tx, TENANTS.map((t) => t.slug), now);
    // The seeded history happened before anyone could be emailed: its notices are not news.
    const seeded = await tx.select({ id: accounts.id }).from(accounts).where(inArray(accounts.slug, TENANTS.map((t) => t.slug)));
    await tx.delete(notices).where(inArray(notices.accountId, seeded.map((a) => a.id)));
    return result;
  });
}

/** Monthly plans renew on the 1st; the yearly one started four months ago. Local midnight. */
function periodFor(interval: "month" | "year", now: Date, timeZone: string): { start: Date; end: Date } {
  const { year, month } = zonedParts(now, timeZone);
  if (interval === "month") {
    return { start: zonedMidnight(year, month, 1, timeZone), end: zonedMidnight(year, month + 1, 1, timeZone) };
  }
  return { start: zonedMidnight(year, month - 4, 1, timeZone), end: zonedMidnight(year, month + 8, 1, timeZone) };
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

  const period = periodFor(spec.plan.interval, now, spec.timeZone);
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

  const boughtPackages: { id: string; name: string; coveredCountries: string[]; limitMinutes: number; quantity: number }[] = [];
  for (const pkg of spec.packages) {
    const packageId = catalog.pkg[catalogKey(pkg.code, spec.currency)];
    if (!packageId) throw new Error(`no package ${pkg.code}`);
    const catalogue = await packageById(tx, packageId);
    boughtPackages.push({
      id: packageId,
      name: catalogue.name,
      coveredCountries: catalogue.scope === "domestic" ? [spec.country] : catalogue.coveredCountries,
      limitMinutes: catalogue.fairUseMinutesPerUser ?? catalogue.includedMinutesPerUser ?? 0,
      quantity: pkg.quantity,
    });
    const unitPrice = catalogue.monthlyPrice;
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

  const ctx: HistoryContext = {
    spec,
    accountId,
    adminId: admin.id,
    callerIds: callers.map((u) => u.id),
    // Held through the whole period, so every record of the period comes from one the account held then.
    ownNumbers: numbers
      .filter((n) => n.type !== "toll_free" && !n.releasedAt && n.acquiredAt.getTime() <= period.start.getTime())
      .map((n) => ({ e164: n.e164, country: n.country })),
    periodStart: period.start,
    now,
    random,
  };
  const history = creditHistory(ctx);
  const { year, month } = zonedParts(now, spec.timeZone);
  const included = includedUsage(ctx, boughtPackages, zonedMidnight(year, month, 1, spec.timeZone));
  for (let i = 0; i < history.movements.length; i += 1000) {
    const chunk = history.movements.slice(i, i + 1000).map(({ accountId: _, balanceAfter: __, ...m }) => m);
    await postMovements(tx, accountId, chunk as MovementInput[]);
  }
  const usage = [...history.usage, ...included];
  for (let i = 0; i < usage.length; i += 1000) {
    await tx.insert(usageRecords).values(usage.slice(i, i + 1000));
  }
  await tx
    .update(usageRecords)
    .set({ movementId: sql`${creditMovements.id}` })
    .from(creditMovements)
    .where(
      and(
        eq(usageRecords.accountId, accountId),
        eq(creditMovements.accountId, accountId),
        eq(creditMovements.interactionId, usageRecords.externalId),
        gt(usageRecords.amount, 0),
      ),
    );
  if (history.topUps.length > 0) {
    await tx.insert(topUpAttempts).values(history.topUps);
  }

  return {
    slug: spec.slug,
    users: userRows.length,
    numbers: numbers.length,
    movements: history.movements.length,
    balance: history.balance,
  };
}

async function packageById(tx: Executor, packageId: string) {
  const row = await tx.query.callingPackages.findFirst({
    where: (p, { eq: equals }) => equals(p.id, packageId),
  });
  if (!row) throw new Error("package vanished");
  return row;
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

