import { z } from "zod";
import type { Database } from "@/db/client";
import { findSessionUser } from "@/lib/auth/users";
import { can } from "@/lib/auth/permissions";
import { getAccount } from "@/lib/auth/account";
import { withAccess } from "@/lib/auth/route";
import { creditMovementsCsv, type ExportParams, exportFileName, exportParamsSchema } from "@/lib/exports/credit-movements";
import { verifyLink } from "@/lib/exports/signed-link";
import { getDb, getReplicaDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { errorResponse } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** Not kept by a cache, and the link's signature not sent on from the browser. */
const PRIVATE = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };
const refuse = (status: number, error: string) => errorResponse(status, error, PRIVATE);

/** An admin's own export, by session. */
const sessionExport = (params: ExportParams) =>
  withAccess(
    "billing.export",
    { signedOut: "Sign in to export, or use a signed link.", forbidden: "Only admins can export billing data.", headers: PRIVATE },
    async (_request, user) => csvResponse(await getDb(), user.accountId, params),
  );

const linkSchema = z.object({
  account: z.uuid("account must be an account id"),
  by: z.uuid("by must be a user id"),
  expires: z.coerce.number().int().positive("expires must be a time"),
  sig: z.string().min(1).max(200),
});

/** Credit movements as CSV, for an admin's session or a signed link made by an admin. */
export async function GET(request: Request) {
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = exportParamsSchema.safeParse({ from: query.from, to: query.to, type: query.type, bom: query.bom });
  if (!parsed.success) return refuse(400, parsed.error.issues.map((i) => i.message).join("; "));
  const params = parsed.data;
  if (query.sig === undefined) return sessionExport(params)(request);

  const link = linkSchema.safeParse(query);
  if (!link.success) return refuse(403, `This link is not valid: ${link.error.issues.map((i) => i.message).join("; ")}.`);
  const check = verifyLink(
    { accountId: link.data.account, creatorId: link.data.by, params, expires: link.data.expires },
    link.data.sig,
    getEnv().NEXTAUTH_SECRET,
  );
  if (!check.ok) return refuse(403, check.failure.message);
  const db = await getDb();
  const creator = await findSessionUser(db, link.data.by, link.data.account);
  if (!creator || !creator.active || !can(creator.role, "billing.export")) {
    return refuse(403, "The admin who made this link can no longer export billing data.");
  }
  return csvResponse(db, link.data.account, params);
}

/** Access is checked on the primary (`db`); the rows stream from the replica when there is one. */
async function csvResponse(db: Database, accountId: string, params: ExportParams): Promise<Response> {
  const account = await getAccount(db, accountId);
  const body = creditMovementsCsv(await getReplicaDb(), account, params);
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${exportFileName(account, params)}"`,
      ...PRIVATE,
      "X-Content-Type-Options": "nosniff",
    },
  });
}
