"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionResult, fromResult, protectedAction } from "@/lib/auth/action";
import { getAccount } from "@/lib/auth/account";
import { getDb } from "@/lib/db";
import { formatMoney } from "@/lib/money";
import { getGateway } from "@/lib/payments";
import { CANCEL_REASONS, cancelAtPeriodEnd, resumeSubscription } from "@/lib/subscription/cancel";
import { getPlanState } from "@/lib/subscription/plan-catalog";
import { changePlan, type PlanRequest, previewPlanChange, undoScheduledChange } from "@/lib/subscription/plan-change";
import { previewStart, startPlan } from "@/lib/subscription/plan-start";
import { setSavedNotice } from "../_notice";

const BILLING = "/dashboard/account/billing";
const PLAN = "/dashboard/account/billing/plan";

const planFields = {
  plan: z.string().trim().min(1, "Choose a plan.").max(40, "Choose one of the plans shown."),
  interval: z.enum(["month", "year"], { message: "Choose monthly or yearly billing." }),
  packages: z
    .string()
    .max(1_000)
    .default("")
    .transform((value) => value.split(",").map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(z.uuid("Choose calling packages from the list shown.")).max(20, "Choose calling packages from the list shown.")),
};

const requestOf = (input: { plan: string; interval: "month" | "year"; packages: string[] }): PlanRequest => ({
  planCode: input.plan,
  interval: input.interval,
  packageIds: input.packages,
});

/** How long a previewed price holds: the change is made at the preview's instant. */
const PREVIEW_VALID_MS = 15 * 60_000;
const EXPIRED = "This preview has expired; preview the change again.";
const pricedAtField = z.coerce
  .number({ message: EXPIRED })
  .int(EXPIRED)
  .refine((ms) => ms <= Date.now() + 60_000 && Date.now() - ms <= PREVIEW_VALID_MS, EXPIRED)
  .transform((ms) => new Date(ms));

const UNCONFIRMED =
  "We could not confirm the change yet. Confirm it again to check; it is made once and you will not be charged twice.";

function sentence(items: string[]): string {
  const text = items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const previewPlan = protectedAction("billing.manage", z.object(planFields), async (input, user) => {
  const db = await getDb();
  const account = await getAccount(db, user.accountId);
  const money = (minor: number) => formatMoney(minor, account.currency);
  const day = (date: Date) => new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: account.timeZone }).format(date);
  const pricedAt = new Date();
  const state = await getPlanState(db, user.accountId);
  // No plan yet, or one that ended: the first-plan choice.
  if (!state || state.subscription.status === "canceled") {
    const result = await previewStart(db, user.accountId, requestOf(input));
    return fromResult(result, (start): ActionResult => ({
      ok: true,
      status: "preview",
      message: [
        `${start.planName}, billed ${start.interval === "year" ? "yearly" : "monthly"}, for ${start.seats} ${start.seats === 1 ? "seat" : "seats"}${start.packages.length ? `, with ${sentence(start.packages)}` : ""}.`,
        `${money(start.perRenewal)} each ${start.interval}, invoiced when the ${start.interval} ends and charged to your saved payment method.`,
      ].join("\n"),
      values: { pricedAt: String(pricedAt.getTime()) },
    }));
  }
  const result = await previewPlanChange(db, getGateway(db), user.accountId, requestOf(input), pricedAt);
  return fromResult(result, (preview): ActionResult => {
    const lines: string[] = [];
    if (preview.now.length) {
      const charge =
        preview.prorationNow >= 0
          ? `${money(preview.prorationNow)} is added to your next invoice for the rest of this period`
          : `${money(-preview.prorationNow)} is credited to your next invoice for the rest of this period`;
      lines.push(`Now: ${sentence(preview.now)}. ${charge}.`);
    }
    if (preview.atRenewal.length) {
      lines.push(`At the renewal on ${day(preview.renewsAt)}: ${sentence(preview.atRenewal)}. Until then nothing changes, and you can undo it.`);
    }
    lines.push(`From ${day(preview.renewsAt)} each renewal costs ${money(preview.nextRenewal)} (now ${money(preview.currentRenewal)}).`);
    return { ok: true, status: "preview", message: lines.join("\n"), values: { pricedAt: String(pricedAt.getTime()) } };
  });
});

export const confirmPlan = protectedAction(
  "billing.manage",
  z.object({ ...planFields, idempotencyKey: z.uuid("This form has expired; reload the page."), pricedAt: pricedAtField }),
  async (input, user) => {
    const db = await getDb();
    const gateway = getGateway(db);
    const request = { ...requestOf(input), accountId: user.accountId, userId: user.id, idempotencyKey: input.idempotencyKey, at: input.pricedAt };
    const state = await getPlanState(db, user.accountId);
    // No plan yet, or one that ended: the first-plan choice.
  if (!state || state.subscription.status === "canceled") {
      const result = await startPlan(db, gateway, request);
      if (!result.ok) return fromResult(result, () => ({ ok: true, message: "" }));
      revalidatePath(BILLING);
      if (result.value.status === "unconfirmed") return { ok: true, outcome: "unknown", status: "pending", message: UNCONFIRMED };
      const message = `Your ${result.value.planName} plan has started. Next: your credit and auto top-up.`;
      await setSavedNotice(message);
      return { ok: true, outcome: "known", message, href: `${BILLING}/auto-top-up` };
    }
    const result = await changePlan(db, gateway, request);
    if (!result.ok) return fromResult(result, () => ({ ok: true, message: "" }));
    revalidatePath(BILLING);
    revalidatePath(PLAN);
    const change = result.value;
    if (change.status === "unconfirmed") return { ok: true, outcome: "unknown", status: "pending", message: UNCONFIRMED };
    const account = await getAccount(db, user.accountId);
    const day = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: account.timeZone }).format(change.renewsAt);
    const parts = [
      ...(change.now.length ? [`${sentence(change.now)} now.`] : []),
      ...(change.atRenewal.length ? [`Scheduled for ${day}: ${change.atRenewal.join(", ")}.`] : []),
    ];
    const message = `Plan changed. ${parts.join(" ")}`;
    await setSavedNotice(message);
    return { ok: true, outcome: "known", message, href: BILLING };
  },
);

export const undoPlanChange = protectedAction("billing.manage", z.object({}), async (_input, user) => {
  const db = await getDb();
  const result = await undoScheduledChange(db, getGateway(db), { accountId: user.accountId, userId: user.id });
  if (result.ok) {
    revalidatePath(BILLING);
    revalidatePath(PLAN);
  }
  return fromResult(result, ({ undone }) => ({ ok: true, outcome: "known", message: `Undone: ${undone.join(", ")}. Your plan stays as it is.` }));
});

const reasonCodes = Object.keys(CANCEL_REASONS) as [keyof typeof CANCEL_REASONS, ...(keyof typeof CANCEL_REASONS)[]];

export const cancelPlan = protectedAction(
  "billing.manage",
  z.object({
    reason: z.enum(reasonCodes, { message: "Choose a reason." }),
    details: z.string().trim().max(500, "Keep it under 500 characters.").default(""),
  }),
  async (input, user) => {
    const db = await getDb();
    const account = await getAccount(db, user.accountId);
    const result = await cancelAtPeriodEnd(db, getGateway(db), { accountId: user.accountId, userId: user.id, reason: input.reason, details: input.details });
    if (result.ok) {
      revalidatePath(BILLING);
      revalidatePath(PLAN);
    }
    return fromResult(
      result,
      ({ endsAt }) => ({
        ok: true,
        outcome: "known",
        message: `Canceled. Your subscription ends on ${new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: account.timeZone }).format(endsAt)}; until then everything works as today.`,
      }),
      { reason: input.reason, details: input.details },
    );
  },
);

export const resumePlan = protectedAction("billing.manage", z.object({}), async (_input, user) => {
  const db = await getDb();
  const account = await getAccount(db, user.accountId);
  const result = await resumeSubscription(db, getGateway(db), { accountId: user.accountId, userId: user.id });
  if (result.ok) {
    revalidatePath(BILLING);
    revalidatePath(PLAN);
  }
  return fromResult(result, ({ renewsAt }) => ({
    ok: true,
    outcome: "known",
    message: `Resumed. Your subscription renews on ${new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: account.timeZone }).format(renewsAt)}.`,
  }));
});
