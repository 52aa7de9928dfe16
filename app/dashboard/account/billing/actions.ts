"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionResult, fromResult, protectedAction } from "@/lib/auth/action";
import { getAccount } from "@/lib/auth/account";
import { companyDetailsSchema, saveCompanyDetails } from "@/lib/company/details";
import { exportParamsSchema } from "@/lib/exports/credit-movements";
import { LINK_LIFETIME_SECONDS, linkQuery, signLink } from "@/lib/exports/signed-link";
import { getEnv } from "@/lib/env";
import { changeSeats, previewSeats } from "@/lib/subscription/seats";
import { saveAutoTopUpSettings } from "@/lib/credit/auto-top-up-settings";
import { AMOUNT_HINT } from "@/lib/credit/limits";
import { completeSandboxAuthentication as completeAuthentication } from "@/lib/credit/authentication";
import { type AddedCredit, addCredit as addCreditToAccount } from "@/lib/credit/top-ups";
import { getDb } from "@/lib/db";
import { getQueue } from "@/lib/jobs/app-queue";
import { formatMoney } from "@/lib/money";
import { getGateway, getSandboxGateway } from "@/lib/payments";
import { saveSandboxPaymentMethod as saveSandboxMethod } from "@/lib/payments/sandbox-payment-methods";
import { setSavedNotice } from "./_notice";

const BILLING = "/dashboard/account/billing";

export const addCredit = protectedAction(
  "billing.manage",
  z.object({
    amount: z.string().min(1, "Choose an amount."),
    customAmount: z.string().max(20, AMOUNT_HINT).optional(),
    idempotencyKey: z.uuid("This form has expired; reload the page."),
  }),
  async (input, user): Promise<ActionResult> => {
    const db = await getDb();
    const result = await addCreditToAccount(db, getGateway(db), {
      accountId: user.accountId,
      userId: user.id,
      choice: input.amount,
      customAmount: input.customAmount,
      idempotencyKey: input.idempotencyKey,
    });
    // A refused payment is recorded too; only a form that was not valid changed nothing.
    if (result.ok || result.failure.kind !== "invalid") revalidatePath(BILLING);
    return fromResult(result, creditAdded, formValues(input));
  },
);

function creditAdded(outcome: AddedCredit): ActionResult {
  switch (outcome.status) {
    case "succeeded":
      // The attempt's amount: a form sent again after an unknown outcome may show another.
      return {
        ok: true,
        outcome: "known",
        status: "succeeded",
        message: `${formatMoney(outcome.amount, outcome.currency)} added to your credit.${
          outcome.charged > outcome.amount
            ? ` Charged ${formatMoney(outcome.charged, outcome.currency)}, including ${formatMoney(outcome.charged - outcome.amount, outcome.currency)} VAT.`
            : ""
        }`,
      };
    case "requires_action":
      return {
        ok: true,
        outcome: "known",
        status: "requires_action",
        message: `${outcome.message} Nothing is charged until it is confirmed.`,
        href: `${BILLING}/authenticate/${outcome.attemptId}`,
      };
    case "pending":
      return { ok: true, outcome: "unknown", status: "pending", message: outcome.message };
  }
}

export const saveAutoTopUp = protectedAction(
  "billing.manage",
  z.object({
    enabled: z.enum(["on"], { message: "Tick the box to turn auto top-up on, or leave it empty." }).optional(),
    threshold: z.string().max(20, AMOUNT_HINT),
    amount: z.string().max(20, AMOUNT_HINT),
    monthlyCap: z.string().max(20, AMOUNT_HINT).optional(),
  }),
  async (input, user): Promise<ActionResult> => {
    const result = await saveAutoTopUpSettings(await getDb(), await getQueue(), {
      accountId: user.accountId,
      userId: user.id,
      enabled: input.enabled === "on",
      threshold: input.threshold,
      amount: input.amount,
      monthlyCap: input.monthlyCap,
    });
    if (!result.ok) return fromResult(result, () => ({ ok: true, message: "" }), formValues(input));
    const saved = result.value;
    const money = (minor: number) => formatMoney(minor, saved.currency);
    const message = saved.enabled
      ? `Auto top-up saved: ${money(saved.amount)} when credit falls below ${money(saved.threshold)}, ${saved.monthlyCap === null ? "no monthly cap" : `up to ${money(saved.monthlyCap)} a month`}.${saved.triggered ? ` Your balance is below the threshold, so ${money(saved.amount)} is being added now.` : ""}`
      : "Auto top-up saved: off. Nothing is charged automatically.";
    await setSavedNotice(message);
    revalidatePath(BILLING);
    return { ok: true, message, href: BILLING };
  },
);

/** What the admin typed, for the form to show again with its errors. */
function formValues(input: Record<string, string | undefined>): Record<string, string> {
  return { ...input } as Record<string, string>;
}

const EXPIRY = /^(0[1-9]|1[0-2])\/(\d{2})$/;

export const saveSandboxPaymentMethod = protectedAction(
  "billing.manage",
  z.discriminatedUnion("type", [
    z.object({
      type: z.literal("card"),
      cardNumber: z.string().transform((v) => v.replace(/[\s-]/g, "")).pipe(z.string().regex(/^\d{12,19}$/, "Enter the card number.")),
      expiry: z
        .string()
        .regex(EXPIRY, "Enter the expiry as MM/YY.")
        .transform((text) => {
          const [, month, year] = text.match(EXPIRY)!;
          return { text, month: Number(month), year: 2000 + Number(year) };
        }),
    }),
    z.object({ type: z.literal("paypal"), paypalEmail: z.email("Enter the PayPal account's email.").max(254) }),
  ], { message: "Choose card or PayPal." }),
  async (input, user): Promise<ActionResult> => {
    const db = await getDb();
    const gateway = getSandboxGateway(db);
    if (!gateway) return { ok: false, error: "Payment methods are saved with Stripe here." };
    const method =
      input.type === "card"
        ? { type: "card" as const, cardNumber: input.cardNumber, expMonth: input.expiry.month, expYear: input.expiry.year }
        : input;
    const result = await saveSandboxMethod(db, gateway, { accountId: user.accountId, userId: user.id, method });
    if (!result.ok) {
      // Refused cards (declined ones too) keep what was typed; the card number stays in the browser's form.
      const typed: Record<string, string> =
        input.type === "card" ? { type: "card", expiry: input.expiry.text } : { type: "paypal", paypalEmail: input.paypalEmail };
      const answer = fromResult(result, () => ({ ok: true, message: "" }));
      return answer.ok ? answer : { ...answer, values: typed };
    }
    const message = `Payment method saved: ${result.value.saved}.`;
    await setSavedNotice(message);
    revalidatePath(BILLING);
    return { ok: true, message, href: BILLING };
  },
  { private: ["cardNumber"] },
);

export const completeSandboxAuthentication = protectedAction(
  "billing.manage",
  z.object({ attemptId: z.uuid("This payment link is not valid."), decision: z.enum(["approve", "decline"]) }),
  async (input, user): Promise<ActionResult> => {
    const db = await getDb();
    const gateway = getSandboxGateway(db);
    if (!gateway) return { ok: false, error: "Authentication happens on your bank's page." };
    const result = await completeAuthentication(db, gateway, {
      accountId: user.accountId,
      userId: user.id,
      attemptId: input.attemptId,
      approve: input.decision === "approve",
    });
    revalidatePath(BILLING);
    return fromResult(result, (outcome): ActionResult =>
      outcome.status === "confirmed"
        ? { ok: true, outcome: "known", status: "succeeded", message: "Payment confirmed: your credit was added.", href: BILLING }
        : { ok: true, outcome: "unknown", status: "pending", message: outcome.message },
    );
  },
);

export const updateCompanyDetails = protectedAction("billing.manage", companyDetailsSchema, async (input, user) => {
  const { changes } = await saveCompanyDetails(await getDb(), user.accountId, user.id, input);
  const message = `Company details saved${changes ? `: ${changes}` : ""}. They apply to future invoices.`;
  await setSavedNotice(message);
  revalidatePath(BILLING);
  return { ok: true, message, href: BILLING };
});

const seatsField = z.coerce
  .number({ message: "Enter a whole number of seats." })
  .int("Enter a whole number of seats.")
  .min(1, "Enter a whole number of seats, at least 1.")
  .max(100_000, "Enter a whole number of seats.");

const SEATS_UNCONFIRMED =
  "We could not confirm the seat change yet. Confirm it again to check; the change is made once and you will not be charged twice.";

/**
 * How long a previewed price holds: the change is made at the preview's instant, so that
 * what is charged is what was shown; an older preview (or a forged instant) is refused.
 */
const PREVIEW_VALID_MS = 15 * 60_000;

const pricedAtField = z.coerce
  .number({ message: "This preview has expired; preview the change again." })
  .int("This preview has expired; preview the change again.")
  .refine((ms) => ms <= Date.now() + 60_000 && Date.now() - ms <= PREVIEW_VALID_MS, "This preview has expired; preview the change again.")
  .transform((ms) => new Date(ms));

export const previewSeatChange = protectedAction("billing.manage", z.object({ quantity: seatsField }), async (input, user) => {
  const db = await getDb();
  const account = await getAccount(db, user.accountId);
  const pricedAt = new Date();
  const result = await previewSeats(db, getGateway(db), user.accountId, input.quantity, pricedAt);
  return fromResult(result, (preview): ActionResult => {
    const money = (minor: number) => formatMoney(minor, account.currency);
    const renews = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: account.timeZone }).format(preview.renewsAt);
    if (preview.to === preview.from) return { ok: false, error: `You already have ${preview.from} seats.` };
    const now =
      preview.prorationNow >= 0
        ? `${money(preview.prorationNow)} is added to your next invoice for the rest of this period`
        : `${money(-preview.prorationNow)} is credited to your next invoice for the rest of this period`;
    return {
      ok: true,
      status: "preview",
      message: `${preview.from} to ${preview.to} seats: ${now}; from ${renews} each renewal costs ${money(preview.nextRenewal)} (now ${money(preview.currentRenewal)}).`,
      values: { pricedAt: String(pricedAt.getTime()) },
    };
  });
});

export const confirmSeatChange = protectedAction(
  "billing.manage",
  z.object({ quantity: seatsField, idempotencyKey: z.uuid("This form has expired; reload the page."), pricedAt: pricedAtField }),
  async (input, user) => {
    const db = await getDb();
    const result = await changeSeats(db, getGateway(db), {
      accountId: user.accountId,
      userId: user.id,
      quantity: input.quantity,
      idempotencyKey: input.idempotencyKey,
      at: input.pricedAt,
    });
    if (!result.ok) return fromResult(result, () => ({ ok: true, message: "" }));
    revalidatePath(BILLING);
    const change = result.value;
    if (change.status === "unconfirmed") {
      return { ok: true, outcome: "unknown", status: "pending", message: SEATS_UNCONFIRMED };
    }
    // The same request again after its answer was lost finds the change already made.
    const message = change.from === change.to ? `You have ${change.to} seats.` : `Seats changed from ${change.from} to ${change.to}.`;
    await setSavedNotice(message);
    return { ok: true, outcome: "known", message, href: BILLING };
  },
);

/** A signed direct link to the export, valid for 24 hours, for finance people without a login. */
export const createExportLink = protectedAction("billing.export", exportParamsSchema, async (params, user) => {
  const env = getEnv();
  const claims = {
    accountId: user.accountId,
    creatorId: user.id,
    params,
    expires: Math.floor(Date.now() / 1000) + LINK_LIFETIME_SECONDS,
  };
  const url = `${env.NEXTAUTH_URL}/api/billing/credit-movements.csv?${linkQuery(claims, signLink(claims, env.NEXTAUTH_SECRET))}`;
  return { ok: true, status: "link", message: "Link copied. It works for 24 hours, for anyone who has it.", href: url };
});
