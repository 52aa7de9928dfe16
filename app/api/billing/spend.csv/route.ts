import type { Database } from "@/db/client";
import { getAccount } from "@/lib/auth/account";
import { can } from "@/lib/auth/permissions";
import { withAccess } from "@/lib/auth/route";
import { findSessionUser } from "@/lib/auth/users";
import { getDb, getReplicaDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { resolveSpendExport, spendCsv, spendFileName, spendLinkSchema, verifySpendLink } from "@/lib/exports/spend";
import { errorResponse, failureResponse } from "@/lib/http/respond";
import { paramsProblem, type SpendParams, spendParamsFrom } from "@/lib/usage/spend-params";

export const dynamic = "force-dynamic";

/** Not kept by a cache, and the link's signature not sent on from the browser. */
const PRIVATE = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };
const refuse = (status: number, error: string) => errorResponse(status, error, PRIVATE);

/** An admin's own export, by session. */
const sessionExport = (params: SpendParams) =>
  withAccess(
    "billing.export",
    { signedOut: "Sign in to export, or use a signed link.", forbidden: "Only admins can export billing data.", headers: PRIVATE },
    async (_request, user) => csvResponse(await getDb(), user.accountId, params),
  );

/** The spend breakdown (or one row's charges) as CSV, for an admin's session or a signed link made by an admin. */
export async function GET(request: Request) {
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = spendParamsFrom(query);
  if (!parsed.success) return refuse(400, paramsProblem(parsed.error));
  const params = parsed.data;
  if (query.sig === undefined) return sessionExport(params)(request);

  const link = spendLinkSchema.safeParse(query);
  if (!link.success) return refuse(403, `This link is not valid: ${link.error.issues.map((i) => i.message).join("; ")}.`);
  const check = verifySpendLink(
    { accountId: link.data.account, creatorId: link.data.by_user, params, expires: link.data.expires },
    link.data.sig,
    getEnv().NEXTAUTH_SECRET,
  );
  if (!check.ok) return refuse(403, check.failure.message);
  const db = await getDb();
  const creator = await findSessionUser(db, link.data.by_user, link.data.account);
  if (!creator || !creator.active || !can(creator.role, "billing.export")) {
    return refuse(403, "The admin who made this link can no longer export billing data.");
  }
  return csvResponse(db, link.data.account, params);
}

async function csvResponse(db: Database, accountId: string, params: SpendParams): Promise<Response> {
  const account = await getAccount(db, accountId);
  const target = await resolveSpendExport(db, account, params);
  if (!target.ok) return failureResponse(target.failure, PRIVATE);
  // Access was checked on the primary; the rows stream from the replica when there is one.
  return new Response(spendCsv(await getReplicaDb(), account, target.value), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${spendFileName(account, target.value)}"`,
      ...PRIVATE,
      "X-Content-Type-Options": "nosniff",
    },
  });
}
