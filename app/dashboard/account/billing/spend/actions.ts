"use server";

import { type ActionResult, protectedAction } from "@/lib/auth/action";
import { getEnv } from "@/lib/env";
import { LINK_LIFETIME_SECONDS } from "@/lib/exports/signed-link";
import { signSpendLink, spendLinkQuery } from "@/lib/exports/spend";
import { spendParamsSchema } from "@/lib/usage/spend-params";

/** A signed direct link to the spend export shown (the breakdown or a row's charges), valid for 24 hours. */
export const createSpendLink = protectedAction(
  "billing.export",
  spendParamsSchema.pick({ by: true, sort: true, period: true, row: true }),
  async (params, user): Promise<ActionResult> => {
    const env = getEnv();
    const claims = {
      accountId: user.accountId,
      creatorId: user.id,
      params,
      expires: Math.floor(Date.now() / 1000) + LINK_LIFETIME_SECONDS,
    };
    return {
      ok: true,
      status: "link",
      message: "Link copied. It works for 24 hours, for anyone who has it.",
      href: `${env.NEXTAUTH_URL}/api/billing/spend.csv?${spendLinkQuery(claims, signSpendLink(claims, env.NEXTAUTH_SECRET))}`,
    };
  },
);
