import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { requirePageAccess } from "@/lib/auth/access";
import { NOTICE_COOKIE, NOTICE_PATH, readSavedNotice } from "./_notice";
import { SavedNotice } from "./_components/saved-notice";
import { SectionSkeleton } from "./_components/section";
import { ActivitySection } from "./_sections/activity";
import { AddonsSection } from "./_sections/addons";
import { CompanySection } from "./_sections/company";
import { CreditSection, trendDays } from "./_sections/credit";
import { GlanceSection } from "./_sections/glance";
import { PastDueBanner } from "./_sections/past-due";
import { PaymentSection } from "./_sections/payment";
import { SubscriptionSection } from "./_sections/subscription";
import { SummarySection } from "./_sections/summary";
import { UsageSection } from "./_sections/usage";

export const metadata: Metadata = { title: "Billing" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function BillingPage({ searchParams }: { searchParams: SearchParams }) {
  // The account comes from the session's user, read from the database; never from the request.
  const user = await requirePageAccess("billing.view", "/dashboard/account/billing");
  const accountId = user.accountId;
  const params = await searchParams;
  const trend = trendDays(params.trend);
  const notice = await readSavedNotice();
  return (
    <main className="mx-auto max-w-7xl px-4 py-6 sm:py-8">
      <p className="text-sm text-slate-500">
        Dashboard › Account › <span aria-current="page">Billing</span>
      </p>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">Billing</h1>
      <p className="mt-1 text-sm text-slate-600">
        Your subscription, usage and charges for {user.accountName}, and your payment settings.{" "}
        <Link href="/dashboard/account/billing/invoices" className="text-indigo-700 underline">Invoices and credit notes</Link>
      </p>
      <Suspense fallback={null}>
        <PastDueBanner accountId={accountId} />
      </Suspense>
      {notice ? <SavedNotice text={notice} cookie={NOTICE_COOKIE} path={NOTICE_PATH} /> : null}
      {/* Back from Stripe's card form: the card itself arrives by Stripe's webhook. */}
      {!notice && params["payment-method"] === "saved" ? (
        <div role="status">
          <p data-testid="saved-notice" className="mt-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 ring-1 ring-emerald-200">
            Card details sent to Stripe. The new payment method shows here as soon as Stripe confirms it, usually within seconds.
          </p>
        </div>
      ) : null}
      <div className="mt-5 min-h-16">
        <Suspense fallback={null}>
          <GlanceSection accountId={accountId} />
        </Suspense>
      </div>
      {/*
        One boundary per column: each column streams in as soon as its slowest section is
        ready, behind a placeholder of its first section.
      */}
      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="space-y-6" data-column="details">
          <Suspense fallback={<SectionSkeleton title="Subscription and seats" />}>
            <SubscriptionSection accountId={accountId} />
            <CreditSection accountId={accountId} trendDays={trend} />
            <UsageSection accountId={accountId} />
            <AddonsSection accountId={accountId} />
            <CompanySection accountId={accountId} />
          </Suspense>
        </div>
        <div className="space-y-6" data-column="summary">
          <Suspense fallback={<SectionSkeleton title="Current plan and services summary" />}>
            <SummarySection accountId={accountId} />
            <PaymentSection accountId={accountId} />
            <ActivitySection accountId={accountId} />
          </Suspense>
        </div>
      </div>
    </main>
  );
}
