import type { Metadata } from "next";
import { requirePageAccess } from "@/lib/auth/access";
import { getAccount } from "@/lib/auth/account";
import { getAutoTopUpSettings } from "@/lib/credit/auto-top-up-settings";
import {
  AUTO_TOP_UP_AMOUNT_MAX,
  AUTO_TOP_UP_AMOUNT_MIN,
  AUTO_TOP_UP_CAP_MAX,
  AUTO_TOP_UP_THRESHOLD_MAX,
  AUTO_TOP_UP_THRESHOLD_MIN,
} from "@/lib/credit/limits";
import { getDb } from "@/lib/db";
import { getBillingDetails } from "@/lib/company/queries";
import { formatRate } from "@/lib/invoices/tax";
import { vatOnCredit } from "@/lib/invoices/top-up";
import { formatMoney, minorToDecimal } from "@/lib/money";
import { AutoTopUpForm } from "../_components/auto-top-up-form";
import { SubPage } from "../_components/sub-page";

export const metadata: Metadata = { title: "Auto top-up" };

export default async function AutoTopUpPage() {
  const user = await requirePageAccess("billing.manage", "/dashboard/account/billing/auto-top-up");
  const db = await getDb();
  const account = await getAccount(db, user.accountId);
  const [settings, details] = await Promise.all([
    getAutoTopUpSettings(db, user.accountId),
    getBillingDetails(db, user.accountId),
  ]);
  const c = account.currency;
  const vat = vatOnCredit(details ?? { country: account.country, vatNumber: null });
  const plusVat = vat.rateBasisPoints > 0 ? `, plus VAT at ${formatRate(vat.rateBasisPoints)},` : "";
  return (
    <SubPage
      title="Auto top-up"
      intro="When a call or message takes your balance below the threshold, your saved payment method is charged the amount you set, once. Credit is added when the payment succeeds."
    >
      {settings?.disabledReason && !settings.enabled ? (
        <p role="alert" className="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200">
          {settings.disabledReason}
        </p>
      ) : null}
      <AutoTopUpForm
        currency={c}
        initial={{
          enabled: settings?.enabled ?? false,
          threshold: minorToDecimal(settings?.threshold ?? 2_000, c),
          amount: minorToDecimal(settings?.amount ?? 10_000, c),
          monthlyCap: settings?.monthlyCap ? minorToDecimal(settings.monthlyCap, c) : "",
        }}
        bounds={{
          threshold: `From ${formatMoney(AUTO_TOP_UP_THRESHOLD_MIN, c)} to ${formatMoney(AUTO_TOP_UP_THRESHOLD_MAX, c)}`,
          amount: `Credit from ${formatMoney(AUTO_TOP_UP_AMOUNT_MIN, c)} to ${formatMoney(AUTO_TOP_UP_AMOUNT_MAX, c)}${plusVat} charged to your payment method each time`,
          monthlyCap: `Credit added by automatic top-ups in a calendar month, before VAT. Leave empty for no cap; up to ${formatMoney(AUTO_TOP_UP_CAP_MAX, c)}`,
        }}
      />
    </SubPage>
  );
}
