import { z } from "zod";
import { withAccess } from "@/lib/auth/route";
import { getDb } from "@/lib/db";
import { errorResponse } from "@/lib/http/respond";
import { renderInvoicePdf, pdfFileName } from "@/lib/invoices/pdf";
import { getInvoiceDocument } from "@/lib/invoices/queries";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const PRIVATE = { "Cache-Control": "private, no-store" };
const invoiceId = z.uuid();

/** One invoice or credit note of the signed-in admin's account as a PDF; any other id is a 404. */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }) {
  const { id } = await context.params;
  return withAccess(
    "billing.view",
    { signedOut: "Sign in to download invoices.", forbidden: "Only admins can download invoices.", headers: PRIVATE },
    async (_request, user) => {
      const notFound = () => errorResponse(404, "No such invoice.", PRIVATE);
      if (!invoiceId.safeParse(id).success) return notFound();
      const document = await getInvoiceDocument(await getDb(), user.accountId, id);
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
    },
  )(request);
}
