import { render } from "@react-email/render";
import { eq } from "drizzle-orm";
import type { ReactNode } from "react";
import type { Executor } from "@/db/client";
import { accounts, autoTopUpSettings, billingDetails, type Notice } from "@/db/schema";
import { accountFormat, type AccountFormat } from "@/lib/format";
import { getInvoiceDocument } from "@/lib/invoices/queries";
import { pdfFileName, renderInvoicePdf } from "@/lib/invoices/pdf";
import type { ChangeLine } from "./outbox";
import { settingPath } from "./kinds";
import { type EmailAction, Facts, NoticeLayout, Paragraph } from "./templates";

/**
 * A notice as an email: subject, HTML and plain text (from the same React tree), and the
 * invoice PDF where there is one. Amounts in the account currency and times in its time
 * zone, written as the billing page writes them.
 */

export interface ComposedEmail {
  subject: string;
  html: string;
  text: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
}

interface Content {
  subject: string;
  heading: string;
  body: ReactNode;
  action?: EmailAction;
  attachments?: ComposedEmail["attachments"];
}

const BILLING = "/dashboard/account/billing";

type Data = Record<string, unknown>;
const num = (data: Data, key: string) => Number(data[key] ?? 0);
const str = (data: Data, key: string) => (typeof data[key] === "string" ? (data[key] as string) : null);

interface Context {
  db: Executor;
  accountId: string;
  f: AccountFormat;
  url: (path: string) => string;
}

async function contentOf(notice: Notice, ctx: Context): Promise<Content | null> {
  const { f, url } = ctx;
  const data = notice.data;
  switch (notice.kind) {
    case "low_balance": {
      const [auto] = await ctx.db
        .select({ enabled: autoTopUpSettings.enabled, amount: autoTopUpSettings.amount })
        .from(autoTopUpSettings)
        .where(eq(autoTopUpSettings.accountId, ctx.accountId));
      return {
        subject: `Credit is running low: ${f.money(num(data, "balance"))} left`,
        heading: "Your credit is running low",
        body: (
          <>
            <Facts rows={[["Balance", f.money(num(data, "balance"))], ["Alert below", f.money(num(data, "threshold"))], ["Since", f.dateTime(notice.createdAt)]]} />
            <Paragraph>
              At zero, outbound calls and inbound calls to toll-free numbers are blocked.{" "}
              {auto?.enabled ? `Auto top-up is on and adds ${f.money(auto.amount)} when the balance drops below its threshold.` : "Add credit, or turn on auto top-up."}
            </Paragraph>
          </>
        ),
        action: { label: "Add credit", href: url(`${BILLING}#credit`) },
      };
    }
    case "credit_ran_out":
      return {
        subject: "Your credit has run out: outbound calls are blocked",
        heading: "Your credit has run out",
        body: (
          <>
            <Facts rows={[["Balance", f.money(num(data, "balance"))], ["Since", f.dateTime(notice.createdAt)]]} />
            <Paragraph alert>Outbound calls and inbound calls to toll-free numbers are blocked. Other inbound calls still work.</Paragraph>
            <Paragraph>Add credit to call again.</Paragraph>
          </>
        ),
        action: { label: "Add credit", href: url(`${BILLING}#credit`) },
      };
    case "auto_top_up_failed": {
      const switchedOff = data.switchedOff === true;
      return {
        subject: switchedOff ? "Auto top-up failed and is switched off" : `Automatic top-up of ${f.money(num(data, "amount"))} failed`,
        heading: switchedOff ? "Auto top-up failed and switched itself off" : "An automatic top-up failed",
        body: (
          <>
            <Facts
              rows={[
                ["Amount", f.money(num(data, "amount"))],
                ["Reason", str(data, "reason") ?? "The payment was declined."],
                ["Failures in a row", `${num(data, "failures")} of 3`],
              ]}
            />
            <Paragraph alert={switchedOff}>
              {switchedOff
                ? "After 3 failed payments in a row, auto top-up is off. Check the payment method, then turn auto top-up on again."
                : "It is tried again later. If the card has expired or was replaced, update the payment method."}
            </Paragraph>
          </>
        ),
        action: switchedOff
          ? { label: "Review auto top-up", href: url(`${BILLING}/auto-top-up`) }
          : { label: "Update the payment method", href: url(`${BILLING}/payment-method`) },
      };
    }
    case "authentication_required":
      return {
        subject: `Confirm the automatic top-up of ${f.money(num(data, "amount"))} with your bank`,
        heading: "Your bank asks to confirm a payment",
        body: (
          <>
            <Facts rows={[["Automatic top-up", f.money(num(data, "amount"))], ["Asked on", f.dateTime(notice.createdAt)]]} />
            <Paragraph>Nothing is charged until the cardholder confirms it. Unconfirmed payments are canceled after 24 hours.</Paragraph>
          </>
        ),
        action: { label: "Confirm with your bank", href: url(`${BILLING}/authenticate/${str(data, "attemptId") ?? ""}`) },
      };
    case "invoice_issued": {
      const document = await getInvoiceDocument(ctx.db, ctx.accountId, str(data, "invoiceId") ?? "");
      if (!document) return null;
      const { invoice } = document;
      const what = invoice.kind === "credit_note" ? "Credit note" : "Invoice";
      const rows: [string, string][] = [
        ["Number", invoice.number],
        ["Issued", f.date(invoice.issuedAt)],
        ["Total", f.money(invoice.grossTotal)],
      ];
      // The period ends at midnight: its last day is the day before.
      if (invoice.kind === "period") rows.push(["Period", `${f.date(invoice.periodStart)} to ${f.date(new Date(invoice.periodEnd.getTime() - 1))}`]);
      return {
        subject: `${what} ${invoice.number}: ${f.money(invoice.grossTotal)}`,
        heading: `${what} ${invoice.number}`,
        body: (
          <>
            <Facts rows={rows} />
            <Paragraph>
              {invoice.status === "paid"
                ? "Paid. The PDF is attached."
                : invoice.kind === "credit_note"
                  ? "The PDF is attached."
                  : "It is charged to your saved payment method. The PDF is attached."}
            </Paragraph>
          </>
        ),
        action: { label: "View invoices", href: url("/dashboard/account/invoices") },
        attachments: [{ filename: pdfFileName(document), content: await renderInvoicePdf(document), contentType: "application/pdf" }],
      };
    }
    case "subscription_past_due": {
      const number = str(data, "invoiceNumber");
      return {
        subject: `Payment failed${number ? ` for invoice ${number}` : ""}: ${f.money(num(data, "amount"))}`,
        heading: "A subscription payment failed",
        body: (
          <>
            <Facts
              rows={[
                ...(number ? ([["Invoice", number]] as [string, string][]) : []),
                ["Amount", f.money(num(data, "amount"))],
                ["Reason", str(data, "reason") ?? "The payment was declined."],
              ]}
            />
            <Paragraph alert>The subscription is past due. Pay the invoice or update the payment method to keep the service.</Paragraph>
          </>
        ),
        action: { label: "Pay the invoice", href: url(`${BILLING}/invoices`) },
      };
    }
    case "plan_changed": {
      const lines = (Array.isArray(data.lines) ? data.lines : []) as ChangeLine[];
      const amount = data.amount === null || data.amount === undefined ? null : num(data, "amount");
      const effective = str(data, "effectiveAt");
      return {
        subject: `Your subscription changed: ${lines.map((l) => (l.from ? `${l.label.toLowerCase()} ${l.from} → ${l.to}` : l.to)).join(", ")}`,
        heading: "Subscription changed",
        body: (
          <>
            <Facts
              rows={[
                ...lines.map((l): [string, string] => [l.label, l.from ? `${l.from} → ${l.to}` : l.to]),
                ...(effective ? ([["Effective", f.dateTime(new Date(effective))]] as [string, string][]) : []),
                ...(amount
                  ? ([[amount > 0 ? "Added to the next invoice" : "Credited on the next invoice", f.money(Math.abs(amount))]] as [string, string][])
                  : []),
              ]}
            />
            <Paragraph>This is a receipt of the change. The next invoice shows it.</Paragraph>
          </>
        ),
        action: { label: "View the subscription", href: url(BILLING) },
      };
    }
  }
}

/** The email of a notice, or null when what it is about no longer exists. */
export async function composeNotice(db: Executor, notice: Notice, appUrl: string): Promise<ComposedEmail | null> {
  const [account] = await db
    .select({ name: accounts.name, currency: accounts.currency, timeZone: accounts.timeZone, country: accounts.country, companyName: billingDetails.companyName })
    .from(accounts)
    .leftJoin(billingDetails, eq(billingDetails.accountId, accounts.id))
    .where(eq(accounts.id, notice.accountId));
  if (!account) return null;
  const base = appUrl.replace(/\/+$/, "");
  const ctx: Context = { db, accountId: notice.accountId, f: accountFormat(account), url: (path) => `${base}${path}` };
  const content = await contentOf(notice, ctx);
  if (!content) return null;
  const company = account.companyName ?? account.name;
  const tree = (
    <NoticeLayout
      preview={content.subject}
      heading={content.heading}
      company={company}
      action={content.action}
      settingHref={ctx.url(settingPath(notice.kind))}
      reason={`You receive this as an admin or billing contact of ${company}.`}
    >
      {content.body}
    </NoticeLayout>
  );
  const [html, text] = await Promise.all([render(tree), render(tree, { plainText: true })]);
  return { subject: `${content.subject} · ${company}`, html, text, attachments: content.attachments ?? [] };
}
