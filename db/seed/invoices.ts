import { and, eq, inArray, sql } from "drizzle-orm";
import { closePeriodIn } from "../../lib/invoices/close";
import { issueTopUpInvoice, taxOfTopUp } from "../../lib/invoices/top-up";
import { zonedMidnight, zonedParts } from "../../lib/time";
import type { Executor } from "../client";
import { accounts, invoices, subscriptions, topUpAttempts } from "../schema";

/**
 * A year of past invoices for the demo tenants, made by the code that makes them in
 * production: the subscription is wound back a year and each period is closed in turn
 * (lib/invoices/close.ts), and each past credit purchase is invoiced as its settlement
 * would (lib/invoices/top-up.ts). Documents are issued in date order across the tenants,
 * so that the numbers follow the issue dates. Past invoices are paid a few days after
 * issue; the latest period invoice of the first tenant is left open, to be paid.
 */
export async function seedInvoiceHistory(tx: Executor, slugs: string[], now: Date) {
  const tenants = await tx
    .select({ account: accounts, subscription: subscriptions })
    .from(accounts)
    .innerJoin(subscriptions, eq(subscriptions.accountId, accounts.id))
    .where(inArray(accounts.slug, slugs));

  const events: { at: Date; run: () => Promise<unknown> }[] = [];
  for (const { account, subscription } of tenants) {
    const current = subscription.currentPeriodStart;
    const months = subscription.interval === "year" ? 12 : 1;
    const periods = subscription.interval === "year" ? 1 : 12;
    const { year, month, day } = zonedParts(current, account.timeZone);
    const start = zonedMidnight(year, month - months * periods, day, account.timeZone);
    await tx
      .update(subscriptions)
      .set({ currentPeriodStart: start, currentPeriodEnd: zonedMidnight(year, month - months * (periods - 1), day, account.timeZone) })
      .where(eq(subscriptions.accountId, account.id));
    for (let i = periods - 1; i >= 0; i--) {
      const end = zonedMidnight(year, month - months * i, day, account.timeZone);
      events.push({ at: end, run: () => closePeriodIn(tx, account.id, end) });
    }
    const attempts = await tx
      .select()
      .from(topUpAttempts)
      .where(and(eq(topUpAttempts.accountId, account.id), eq(topUpAttempts.status, "succeeded")));
    for (const bought of attempts) {
      // Each purchase was charged its VAT on top, as a top-up is today.
      const tax = await taxOfTopUp(tx, account.id, bought.amount);
      await tx.update(topUpAttempts).set(tax).where(and(eq(topUpAttempts.accountId, account.id), eq(topUpAttempts.id, bought.id)));
      const attempt = { ...bought, ...tax };
      const at = attempt.settledAt ?? attempt.createdAt;
      if (at <= now) events.push({ at, run: () => issueTopUpInvoice(tx, attempt, at) });
    }
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const event of events) await event.run();

  for (const { account, subscription } of tenants) {
    const [moved] = await tx.select().from(subscriptions).where(eq(subscriptions.accountId, account.id));
    if (moved!.currentPeriodStart.getTime() !== subscription.currentPeriodStart.getTime()) {
      throw new Error(`seed: ${account.slug}'s periods did not close back to the current one`);
    }
  }
  // Paid three days after issue (by then in the past), except the first tenant's latest.
  const first = tenants.find((t) => t.account.slug === slugs[0]);
  const [latest] = first
    ? await tx
        .select({ id: invoices.id })
        .from(invoices)
        .where(and(eq(invoices.accountId, first.account.id), eq(invoices.kind, "period")))
        .orderBy(sql`${invoices.periodStart} desc`)
        .limit(1)
    : [];
  await tx
    .update(invoices)
    .set({ status: "paid", paidAt: sql`least(${invoices.issuedAt} + interval '3 days', ${now})`, updatedAt: now })
    .where(
      and(
        inArray(invoices.accountId, tenants.map((t) => t.account.id)),
        eq(invoices.status, "open"),
        latest ? sql`${invoices.id} <> ${latest.id}` : sql`true`,
      ),
    );
}
