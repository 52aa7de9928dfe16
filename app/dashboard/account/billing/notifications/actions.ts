"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionResult, fromResult, protectedAction } from "@/lib/auth/action";
import { AMOUNT_HINT } from "@/lib/credit/limits";
import { getDb } from "@/lib/db";
import { formatMoney } from "@/lib/money";
import { NOTIFICATIONS_PATH } from "@/lib/notices/kinds";
import { saveLowBalanceAlert, saveNoticeSettings } from "@/lib/notices/preferences";

const BILLING = "/dashboard/account/billing";

export const saveLowBalanceAlertAction = protectedAction(
  "billing.manage",
  z.object({ lowBalanceThreshold: z.string().max(20, AMOUNT_HINT) }),
  async (input, user): Promise<ActionResult> => {
    const result = await saveLowBalanceAlert(await getDb(), { accountId: user.accountId, userId: user.id, threshold: input.lowBalanceThreshold });
    return fromResult(
      result,
      (saved) => {
        revalidatePath(BILLING);
        revalidatePath(NOTIFICATIONS_PATH);
        return {
          ok: true,
          message:
            saved.threshold === 0
              ? "Low-balance alert off. Admins are still emailed when credit runs out."
              : `Low-balance alert saved: an email when the balance drops below ${formatMoney(saved.threshold, saved.currency)}.`,
        };
      },
      { lowBalanceThreshold: input.lowBalanceThreshold },
    );
  },
);

/** Each checkbox is named "kind:audience" with the value "on"; unticked ones are not sent. */
export const saveNoticeSettingsAction = protectedAction(
  "billing.manage",
  z.record(z.string().regex(/^[a-z_]+:(admins|billing_contacts)$/, "Unknown setting."), z.literal("on", { message: "Unknown setting." })),
  async (input, user): Promise<ActionResult> => {
    const result = await saveNoticeSettings(await getDb(), { accountId: user.accountId, userId: user.id, on: new Set(Object.keys(input)) });
    return fromResult(result, () => {
      revalidatePath(NOTIFICATIONS_PATH);
      return { ok: true, message: "Email settings saved." };
    });
  },
);
