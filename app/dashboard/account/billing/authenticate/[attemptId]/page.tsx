import { chargedAmount } from "@/lib/invoices/top-up";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { requirePageAccess } from "@/lib/auth/access";
import { getDb } from "@/lib/db";
import { formatMoney } from "@/lib/money";
import { authenticationExpired, findTopUpAttempt } from "@/lib/credit/authentication";
import { gatewayName, getGateway } from "@/lib/payments";
import { getEnv } from "@/lib/env";
import { SandboxAuthenticateForm, StripeAuthenticate } from "../../_components/authenticate-form";
import { SubPage } from "../../_components/sub-page";

export const metadata: Metadata = { title: "Confirm payment" };

const attemptIdSchema = z.uuid();

export default async function AuthenticatePage({ params }: { params: Promise<{ attemptId: string }> }) {
  const { attemptId } = await params;
  const user = await requirePageAccess("billing.manage", `/dashboard/account/billing/authenticate/${attemptId}`);
  if (!attemptIdSchema.safeParse(attemptId).success) notFound();
  const db = await getDb();
  const attempt = await findTopUpAttempt(db, user.accountId, attemptId);
  if (!attempt) notFound();
  // The payment is the credit plus its VAT; the credit is what the balance gains.
  const credit = formatMoney(attempt.amount, attempt.currency);
  const amount =
    attempt.taxAmount > 0
      ? `${formatMoney(chargedAmount(attempt), attempt.currency)} (${credit} credit + ${formatMoney(attempt.taxAmount, attempt.currency)} VAT)`
      : credit;
  // Past its time a payment is no longer offered for confirmation, even before the sweep cancels it.
  const expired = authenticationExpired(attempt) || (attempt.status === "canceled" && attempt.failureCode === "authentication_expired");
  if (attempt.status !== "requires_action" || expired) {
    const text = expired
      ? `The payment of ${amount} was not confirmed with the bank within 24 hours, so it was canceled. Nothing was charged.`
      : attempt.status === "succeeded"
        ? `Payment confirmed: ${credit} was added to your credit.`
        : attempt.status === "failed" || attempt.status === "canceled"
          ? `The payment of ${amount} was not confirmed, and nothing was charged.`
          : `The payment of ${amount} is being processed.`;
    return (
      <SubPage title="Confirm payment">
        <p role="status">{text}</p>
      </SubPage>
    );
  }
  if (gatewayName() !== "sandbox") {
    const publishableKey = getEnv().STRIPE_PUBLISHABLE_KEY;
    const charge = attempt.providerPaymentIntentId
      ? await getGateway(db).retrieveCharge({ accountId: attempt.accountId, paymentIntentId: attempt.providerPaymentIntentId })
      : null;
    return (
      <SubPage title="Confirm payment" intro={`Your bank asks you to confirm the payment of ${amount}.`}>
        {publishableKey && charge?.clientSecret ? (
          <StripeAuthenticate publishableKey={publishableKey} clientSecret={charge.clientSecret} />
        ) : (
          <p role="alert">The bank's confirmation page cannot be opened here (STRIPE_PUBLISHABLE_KEY is not set).</p>
        )}
      </SubPage>
    );
  }
  return (
    <SubPage title="Confirm payment" intro={`Sandbox bank: confirm the payment of ${amount} to add ${credit} to your credit.`}>
      <SandboxAuthenticateForm attemptId={attempt.id} />
    </SubPage>
  );
}
