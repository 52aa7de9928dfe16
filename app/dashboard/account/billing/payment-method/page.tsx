import type { Metadata } from "next";
import { requirePageAccess } from "@/lib/auth/access";
import { getAccount } from "@/lib/auth/account";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { gatewayName, getGateway } from "@/lib/payments";
import { customerFor } from "@/lib/credit/top-ups";
import { SandboxPaymentMethodForm, StripePaymentMethodForm } from "../_components/payment-method-forms";
import { SubPage } from "../_components/sub-page";

export const metadata: Metadata = { title: "Payment method" };

export default async function PaymentMethodPage() {
  const user = await requirePageAccess("billing.manage", "/dashboard/account/billing/payment-method");
  const intro = "Used for your subscription, for credit you add, and for automatic top-ups. It replaces the current one.";
  if (gatewayName() === "sandbox") {
    return (
      <SubPage title="Payment method" intro={`${intro} Sandbox: no money moves.`}>
        <SandboxPaymentMethodForm />
      </SubPage>
    );
  }
  const env = getEnv();
  const db = await getDb();
  const gateway = getGateway(db);
  const account = await getAccount(db, user.accountId);
  const customerId = await customerFor(db, gateway, account.id);
  const setup = await gateway.createSetup({ customerId, accountId: account.id });
  return (
    <SubPage title="Payment method" intro={intro}>
      {env.STRIPE_PUBLISHABLE_KEY ? (
        <StripePaymentMethodForm
          publishableKey={env.STRIPE_PUBLISHABLE_KEY}
          clientSecret={setup.clientSecret}
          returnUrl={`${env.NEXTAUTH_URL}/dashboard/account/billing?payment-method=saved`}
        />
      ) : (
        <p role="alert">STRIPE_PUBLISHABLE_KEY is not set, so the card form cannot be shown.</p>
      )}
    </SubPage>
  );
}
