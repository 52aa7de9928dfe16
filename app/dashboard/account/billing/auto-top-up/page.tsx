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
import { getCreditOverview } from "@/lib/credit/queries";
import { LOW_BALANCE_ALERT_MAX } from "@/lib/notices/preferences";
import { NOTIFICATIONS_PATH } from "@/lib/notices/kinds";
import Link from "next/link";
import { AutoTopUpForm } from "../_components/auto-top-up-form";
import { LowBalanceForm } from "../_components/low-balance-form";
import { SubPage } from "../_components/sub-page";

export const metadata: Metadata = { title: "Auto top-up" };

export default async function AutoTopUpPage() {
  const user = await requirePageAccess("billing.manage", "/dashboard/account/billing/auto-top-up");
  const db = await getDb();
  const account = await getAccount(db, user.accountId);
  const [settings, details, credit] = await Promise.all([
    getAutoTopUpSettings(db, user.accountId),
    getBillingDetails(db, user.accountId),
    getCreditOverview(db, user.accountId),
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
      <section id="low-balance" aria-labelledby="low-balance-heading" className="mt-8 scroll-mt-4 space-y-3 border-t border-slate-200 pt-6">
        <h2 id="low-balance-heading" className="text-base font-semibold text-slate-900">
          Low-balance alert
        </h2>
        <p className="text-sm text-slate-600">
          Admins and billing contacts get one email each time the balance drops below this amount, whether or not auto
          top-up is on.{" "}
          <Link href={NOTIFICATIONS_PATH} className="font-medium text-indigo-700 underline">
            Email notifications
          </Link>
        </p>
        <LowBalanceForm
          currency={c}
          initial={minorToDecimal(credit.lowBalanceThreshold, c)}
          hint={`Up to ${formatMoney(LOW_BALANCE_ALERT_MAX, c)}; 0 turns it off (running out is always emailed)`}
        />
      </section>
    </SubPage>
  );
}
