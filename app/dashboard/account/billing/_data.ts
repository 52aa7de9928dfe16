import { cache } from "react";
import { getBillingDetails } from "@/lib/company/queries";
import { getPaymentMethod } from "@/lib/payments/payment-methods";
import { getActiveAddons, getAddonsInPeriod, getNumberCharges } from "@/lib/subscription/items";
import { getAccount } from "@/lib/auth/account";
import { getBalanceTrend, getCreditOverview, getRunway } from "@/lib/credit/queries";
import { statementFrom } from "@/lib/subscription/statement";
import { getSeatChanges, getSubscription } from "@/lib/subscription/queries";
import { getActiveBundles, getIncludedPackages, getNotIncludedUsage } from "@/lib/usage/queries";
import { getDb } from "@/lib/db";

/**
 * Per-request loaders for the billing sections. Each takes the account id from the
 * checked session (never from the request), and React's cache() runs each query once per
 * request however many sections need it.
 */
export const loadAccount = cache(async (accountId: string) => getAccount(await getDb(), accountId));

export const loadSubscription = cache(async (accountId: string) => getSubscription(await getDb(), accountId));

export const loadCredit = cache(async (accountId: string) => getCreditOverview(await getDb(), accountId));

export const loadTrend = cache(async (accountId: string, days: number) =>
  getBalanceTrend(await getDb(), await loadAccount(accountId), days),
);

export const loadRunway = cache(async (accountId: string) => {
  const [account, credit] = await Promise.all([loadAccount(accountId), loadCredit(accountId)]);
  return getRunway(await getDb(), account, credit.balance, new Date(), credit.autoTopUp);
});

export const loadIncludedPackages = cache(async (accountId: string) =>
  getIncludedPackages(await getDb(), await loadAccount(accountId)),
);

export const loadBundles = cache(async (accountId: string) => getActiveBundles(await getDb(), accountId));

export const loadNotIncluded = cache(async (accountId: string) => {
  const [account, subscription] = await Promise.all([loadAccount(accountId), loadSubscription(accountId)]);
  if (!subscription) return null;
  return getNotIncludedUsage(await getDb(), account, { start: subscription.periodStart, end: subscription.periodEnd });
});

export const loadAddons = cache(async (accountId: string) => getActiveAddons(await getDb(), accountId));

export const loadBillingDetails = cache(async (accountId: string) => getBillingDetails(await getDb(), accountId));

export const loadPaymentMethod = cache(async (accountId: string) => getPaymentMethod(await getDb(), accountId));

/**
 * The summary reuses the other sections' loads; the period's seat changes, numbers and
 * add-ons (which include those ended within it) are its own queries.
 */
export const loadStatement = cache(async (accountId: string) => {
  const subscription = await loadSubscription(accountId);
  if (!subscription) return null;
  const period = { start: subscription.periodStart, end: subscription.periodEnd };
  const db = await getDb();
  const [seatChanges, numbers, packages, bundles, usage, addons] = await Promise.all([
    getSeatChanges(db, accountId, period),
    getNumberCharges(db, accountId, period),
    loadIncludedPackages(accountId),
    loadBundles(accountId),
    loadNotIncluded(accountId),
    getAddonsInPeriod(db, accountId, period),
  ]);
  return statementFrom({ subscription, seatChanges, numbers, packages, bundles, usage: usage ?? [], addons });
});
