import { z } from "zod";
import type { Database } from "@/db/client";
import { can } from "@/lib/auth/permissions";
import { withAccess } from "@/lib/auth/route";
import { findSessionUser } from "@/lib/auth/users";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { errorResponse } from "@/lib/http/respond";
import { verifyDocumentLink } from "@/lib/invoices/document-link";
import { renderInvoicePdf, pdfFileName } from "@/lib/invoices/pdf";
import { getInvoiceDocument } from "@/lib/invoices/queries";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Not kept by a cache, and a link's signature not sent on from the browser. */
const PRIVATE = { "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer" };
const invoiceId = z.uuid();

const linkSchema = z.object({
  account: z.uuid("account must be an account id"),
  by: z.uuid("by must be a user id"),
  expires: z.coerce.number().int().positive("expires must be a time"),
  sig: z.string().min(1).max(200),
});

/**
 * One invoice or credit note as a PDF: of the signed-in admin's account, or through a
 * signed link an admin made. Any other id is a 404.
 */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }) {
  const { id } = await context.params;
  const query = Object.fromEntries(new URL(request.url).searchParams);
  if (query.sig !== undefined) return linkDownload(id, query);
  return withAccess(
    "billing.view",
    { signedOut: "Sign in to download invoices, or use a signed link.", forbidden: "Only admins can download invoices.", headers: PRIVATE },
    async (_request, user) => pdfResponse(await getDb(), user.accountId, id),
  )(request);
}

async function linkDownload(id: string, query: Record<string, string>): Promise<Response> {
  const refuse = (error: string) => errorResponse(403, error, PRIVATE);
  const link = linkSchema.safeParse(query);
  if (!link.success) return refuse(`This link is not valid: ${link.error.issues.map((i) => i.message).join("; ")}.`);
  if (!invoiceId.safeParse(id).success) return refuse("This link is not valid: it was changed or not made by this console.");
  const { account, by, expires, sig } = link.data;
  const check = verifyDocumentLink({ accountId: account, creatorId: by, invoiceId: id, expires }, sig, getEnv().NEXTAUTH_SECRET);
  if (!check.ok) return refuse(check.failure.message);
  const db = await getDb();
  const creator = await findSessionUser(db, by, account);
  if (!creator || !creator.active || !can(creator.role, "billing.view")) {
    return refuse("The admin who made this link can no longer see invoices. Ask an admin for a new one.");
  }
  return pdfResponse(db, account, id);
}

async function pdfResponse(db: Database, accountId: string, id: string): Promise<Response> {
  const notFound = () => errorResponse(404, "No such invoice.", PRIVATE);
  if (!invoiceId.safeParse(id).success) return notFound();
  const document = await getInvoiceDocument(db, accountId, id);
  if (!document) return notFound();
  const pdf = await renderInvoicePdf(document);
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="${pdfFileName(document)}"`,
      "Content-Length": String(pdf.length),
      ...PRIVATE,
      "X-Content-Type-Options": "nosniff",
    },
  });
}
