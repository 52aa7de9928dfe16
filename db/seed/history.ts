import { countryName } from "../../lib/format";
import { chargeForSeconds, chargeForUnits } from "../../lib/money";
import type { RatingReason } from "../../lib/usage/reasons";
import type { NewCreditMovement, topUpAttempts, usageRecords } from "../schema";
import type { Random } from "./random";
import type { TenantSpec } from "./tenants";

type NewTopUp = typeof topUpAttempts.$inferInsert;
type NewUsage = typeof usageRecords.$inferInsert;

/** The reason the rating engine gives for such a record, stored as it stores it. */
const because = (reason: RatingReason) => ({ ratingReason: reason.code, ratingReasonParams: reason.params });

const DAY = 24 * 60 * 60 * 1000;
export const MOVEMENT_HISTORY_DAYS = 120;

export interface HistoryContext {
  spec: TenantSpec;
  accountId: string;
  adminId: string;
  callerIds: string[];
  /** The account's own numbers (and their countries), used as the caller id of usage records. */
  ownNumbers: { e164: string; country: string }[];
  periodStart: Date;
  now: Date;
  random: Random;
}

/**
 * 120 days of credit movements (calls, SMS, forwarded legs, toll-free inbound, refunds,
 * top-ups) with a running balance, and the rated usage records of the current period's
 * charged interactions.
 */
export function creditHistory(ctx: HistoryContext) {
  const { spec, accountId, adminId, callerIds, random, now } = ctx;
  const movements: NewCreditMovement[] = [];
  const topUps: NewTopUp[] = [];
  const usage: NewUsage[] = [];
  const refunded = new Set<string>();
  let balance = 0;
  let sequence = 0;

  const push = (m: Omit<NewCreditMovement, "accountId" | "balanceAfter">) => {
    balance += m.amount;
    movements.push({ ...m, accountId, balanceAfter: balance });
  };
  const rated = (record: Omit<NewUsage, "accountId" | "fromNumber"> & { fromNumber?: string }) => {
    if (record.startedAt < ctx.periodStart) return;
    usage.push({ fromNumber: random.pick(ctx.ownNumbers).e164, ...record, accountId });
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
        let destination = random.pick(spec.chargedDestinations);
        // Premium numbers are dialled rarely.
        if (destination.premium && random.chance(0.85)) {
          destination = random.pick(spec.chargedDestinations.filter((d) => !d.premium));
        }
        const seconds = random.int(15, destination.premium ? 240 : 900);
        const number = `${destination.e164}${String(random.int(1000, 9999))}`;
        const amount = Math.max(1, chargeForSeconds(seconds, destination.rateMicros, spec.currency));
        const interactionId = `call-${spec.slug}-${sequence}`;
        push({
          occurredAt: at,
          type: "call",
          interactionId,
          description: `${destination.premium ? "Premium call" : "Call"} to ${destination.country}`,
          destination: number,
          units: seconds,
          unitType: "seconds",
          rateMicros: destination.rateMicros,
          amount: -amount,
          actorUserId: caller,
          actor: "platform",
        });
        rated({
          externalId: interactionId,
          kind: "call",
          direction: "outbound",
          toNumber: number,
          startedAt: new Date(time - seconds * 1000),
          durationSeconds: seconds,
          userId: caller,
          destinationCountry: destination.country,
          destinationType: destination.premium ? "premium" : "fixed",
          category: destination.premium ? "premium" : "outside_packages",
          billableUnits: seconds,
          rateMicros: destination.rateMicros,
          amount,
          ...because(
            destination.premium
              ? { code: "premium_destination", params: { destination: `${countryName(destination.country)} premium`, billedSeconds: seconds } }
              : { code: "not_in_package", params: { destination: `${countryName(destination.country)} fixed`, creditSeconds: seconds } },
          ),
        });
      } else if (roll < 0.84) {
        const fragments = random.int(1, 3);
        const destination = random.pick(spec.chargedDestinations.filter((d) => !d.premium));
        const number = `${destination.e164}${random.int(1000, 9999)}`;
        const amount = Math.max(1, chargeForUnits(fragments, spec.smsRateMicros, spec.currency));
        const interactionId = `sms-${spec.slug}-${sequence}`;
        push({
          occurredAt: at,
          type: "sms",
          interactionId,
          description: `SMS to ${destination.country}`,
          destination: number,
          units: fragments,
          unitType: "fragments",
          rateMicros: spec.smsRateMicros,
          amount: -amount,
          actorUserId: caller,
          actor: "platform",
        });
        rated({
          externalId: interactionId,
          kind: "sms",
          direction: "outbound",
          toNumber: number,
          startedAt: at,
          fragments,
          userId: caller,
          destinationCountry: destination.country,
          destinationType: "mobile",
          category: "sms",
          billableUnits: fragments,
          rateMicros: spec.smsRateMicros,
          amount,
          ...because({ code: "sms_charged", params: { destination: countryName(destination.country), fragments } }),
        });
      } else if (roll < 0.91) {
        const seconds = random.int(30, 600);
        const destination = random.pick(spec.chargedDestinations.filter((d) => !d.premium));
        const number = `${destination.e164}${random.int(1000, 9999)}`;
        const amount = Math.max(1, chargeForSeconds(seconds, destination.rateMicros, spec.currency));
        const interactionId = `call-${spec.slug}-${sequence}-fwd`;
        push({
          occurredAt: at,
          type: "forwarded_leg",
          interactionId,
          description: `Forwarded leg to ${destination.country}`,
          destination: number,
          units: seconds,
          unitType: "seconds",
          rateMicros: destination.rateMicros,
          amount: -amount,
          actorUserId: caller,
          actor: "platform",
        });
        rated({
          externalId: interactionId,
          kind: "call",
          direction: "outbound",
          toNumber: number,
          startedAt: new Date(time - seconds * 1000),
          durationSeconds: seconds,
          forwarded: true,
          userId: caller,
          destinationCountry: destination.country,
          destinationType: "fixed",
          category: "forwarded",
          billableUnits: seconds,
          rateMicros: destination.rateMicros,
          amount,
          ...because({ code: "forwarded_leg", params: { destination: `${countryName(destination.country)} fixed`, billedSeconds: seconds } }),
        });
      } else if (roll < 0.995) {
        const seconds = random.int(30, 1200);
        const tollFree = spec.numbers.find((n) => n.type === "toll_free");
        const ourNumber = tollFree ? `${tollFree.prefix}0100` : random.pick(ctx.ownNumbers).e164;
        const amount = Math.max(1, chargeForSeconds(seconds, spec.tollFreeInboundMicros, spec.currency));
        const interactionId = `call-${spec.slug}-${sequence}-in`;
        push({
          occurredAt: at,
          type: "toll_free_inbound",
          interactionId,
          description: "Inbound call to toll-free number",
          destination: ourNumber,
          units: seconds,
          unitType: "seconds",
          rateMicros: spec.tollFreeInboundMicros,
          amount: -amount,
          actorUserId: caller,
          actor: "platform",
        });
        rated({
          externalId: interactionId,
          kind: "call",
          direction: "inbound",
          fromNumber: `${random.pick(spec.chargedDestinations).e164}${random.int(1000, 9999)}`,
          toNumber: ourNumber,
          startedAt: new Date(time - seconds * 1000),
          durationSeconds: seconds,
          userId: caller,
          destinationCountry: spec.country,
          destinationType: "toll_free",
          category: "toll_free_inbound",
          billableUnits: seconds,
          rateMicros: spec.tollFreeInboundMicros,
          amount,
          ...because({ code: "toll_free_inbound", params: { billedSeconds: seconds } }),
        });
      } else {
        const last = movements.findLast((m) => m.type === "call");
        if (last && !refunded.has(last.interactionId!)) {
          refunded.add(last.interactionId!);
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
  return { movements, topUps, usage, balance };
}

/**
 * Calls inside the account's packages this month, made from the account's numbers in each
 * package's region: free, but counted against each user's fair-use (or included) minutes.
 * One heavy caller sits just under the fair-use limit.
 */
export function includedUsage(
  ctx: HistoryContext,
  packages: { id: string; name: string; coveredCountries: string[]; limitMinutes: number; quantity: number }[],
  monthStart: Date,
) {
  const { spec, random, now } = ctx;
  const usage: NewUsage[] = [];
  const elapsed = Math.max(now.getTime() - monthStart.getTime(), 60 * 60 * 1000);
  let sequence = 0;
  packages.forEach((pkg, packageIndex) => {
    const destinations = spec.includedDestinations.filter((d) => pkg.coveredCountries.includes(d.country));
    // A package covers only calls made from a number in its region.
    const callingNumbers = ctx.ownNumbers.filter((n) => pkg.coveredCountries.includes(n.country));
    if (destinations.length === 0 || callingNumbers.length === 0) return;
    // A package is bought for `quantity` users: those users' calls are the covered ones.
    ctx.callerIds.slice(0, pkg.quantity).forEach((userId, userIndex) => {
      const share = userIndex === 0 && packageIndex === 0 ? 0.98 : random.int(5, 75) / 100;
      let remaining = Math.floor(pkg.limitMinutes * share * 60);
      while (remaining > 0) {
        const seconds = Math.min(remaining, random.int(60, 1200));
        remaining -= seconds;
        const destination = random.pick(destinations);
        sequence++;
        usage.push({
          accountId: ctx.accountId,
          externalId: `call-${spec.slug}-inc-${packageIndex}-${sequence}`,
          kind: "call",
          direction: "outbound",
          fromNumber: random.pick(callingNumbers).e164,
          toNumber: `${destination.e164}${random.int(1000, 9999)}`,
          startedAt: new Date(monthStart.getTime() + Math.floor(random.next() * (elapsed - seconds * 1000))),
          durationSeconds: seconds,
          userId,
          destinationCountry: destination.country,
          destinationType: "fixed",
          category: "included",
          coveredByPackageId: pkg.id,
          billableUnits: 0,
          amount: 0,
          ...because({ code: "included_in_package", params: { package: pkg.name } }),
        });
      }
    });
  });
  return usage;
}
