"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionResult, fromResult, protectedAction } from "@/lib/auth/action";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { DOCUMENT_LINK_LIFETIME_SECONDS, documentLinkPath, signDocumentLink } from "@/lib/invoices/document-link";
import { getInvoiceDocument } from "@/lib/invoices/queries";
import { payInvoice as payWithSavedMethod } from "@/lib/invoices/payment";
import { formatMoney } from "@/lib/money";
import { getGateway } from "@/lib/payments";

const INVOICES = "/dashboard/account/billing/invoices";

/** "Pay now": the saved payment method pays the invoice; pressing it again charges nothing more. */
export const payInvoice = protectedAction(
  "billing.manage",
  z.object({ invoiceId: z.uuid("This invoice is not one of yours; reload the page.") }),
  async (input, user): Promise<ActionResult> => {
    const db = await getDb();
    const result = await payWithSavedMethod(db, getGateway(db), {
      accountId: user.accountId,
      invoiceId: input.invoiceId,
      actorUserId: user.id,
    });
    if (result.ok || result.failure.kind === "refused") {
      revalidatePath(INVOICES);
      // A renewal paid settles the billing page's past-due banner.
      revalidatePath("/dashboard/account/billing");
    }
    return fromResult(result, (invoice) => ({
      ok: true,
      outcome: "known",
      message: `Invoice ${invoice.number} is paid: ${formatMoney(invoice.grossTotal, invoice.currency)}.`,
    }));
  },
);

/** A signed link to one document's PDF, valid for 7 days, for someone without a login. */
export const createDocumentLink = protectedAction(
  "billing.view",
  z.object({ invoiceId: z.uuid("This invoice is not one of yours; reload the page.") }),
  async (input, user): Promise<ActionResult> => {
    const db = await getDb();
    const document = await getInvoiceDocument(db, user.accountId, input.invoiceId);
    if (!document) return { ok: false, error: "This invoice is not one of yours; reload the page." };
    const env = getEnv();
    const claims = {
      accountId: user.accountId,
      creatorId: user.id,
      invoiceId: input.invoiceId,
      expires: Math.floor(Date.now() / 1000) + DOCUMENT_LINK_LIFETIME_SECONDS,
    };
    return {
      ok: true,
      status: "link",
      message: `Link to ${document.invoice.number} copied. It opens this PDF for 7 days, for anyone who has it.`,
      href: `${env.NEXTAUTH_URL}${documentLinkPath(claims, signDocumentLink(claims, env.NEXTAUTH_SECRET))}`,
    };
  },
);
