import type { Metadata } from "next";
import Link from "next/link";
import { requirePageAccess } from "@/lib/auth/access";
import { getAccount } from "@/lib/auth/account";
import { getCreditOverview } from "@/lib/credit/queries";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { accountFormat } from "@/lib/format";
import { AUDIENCE_LABELS, AUDIENCES, canTurnOff, NOTICE_KINDS, NOTICE_LABELS, NOTIFICATIONS_PATH } from "@/lib/notices/kinds";
import { noticeSubject, outcomeText, recentNotices } from "@/lib/notices/queries";
import { formatMoney } from "@/lib/money";
import { getAudiences, getNoticeSettings } from "@/lib/notices/recipients";
import { NoticeSettingsForm } from "../_components/notice-settings-form";
import { SubPage } from "../_components/sub-page";

export const metadata: Metadata = { title: "Email notifications" };

function AddressList({ label, addresses, empty }: { label: string; addresses: string[]; empty: React.ReactNode }) {
  return (
    <div>
      <h3 className="font-medium text-slate-900">{label}</h3>
      {addresses.length === 0 ? (
        <p className="text-slate-600">{empty}</p>
      ) : (
        <ul className="text-slate-700">
          {addresses.map((a) => (
            <li key={a} className="break-words">
              {a}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export default async function NotificationsPage() {
  const user = await requirePageAccess("billing.manage", NOTIFICATIONS_PATH);
  const db = await getDb();
  const [account, audiences, settings, recent, credit] = await Promise.all([
    getAccount(db, user.accountId),
    getAudiences(db, user.accountId),
    getNoticeSettings(db, user.accountId),
    recentNotices(db, user.accountId),
    getCreditOverview(db, user.accountId),
  ]);
  const f = accountFormat(account);
  const money = (minor: number, currency?: string) => (currency && currency !== account.currency ? formatMoney(minor, currency) : f.money(minor));
  const rows = NOTICE_KINDS.map((kind) => ({
    kind,
    anchor: `notice-${kind.replaceAll("_", "-")}`,
    ...NOTICE_LABELS[kind],
    audiences: AUDIENCES.map((audience) => ({
      audience,
      label: AUDIENCE_LABELS[audience],
      on: settings[kind][audience],
      required: !canTurnOff(kind, audience),
    })),
  }));
  return (
    <SubPage title="Email notifications" intro="Billing emails go to the account's active admins and its billing contacts, once per event.">
      <div className="space-y-8 text-sm">
        {!getEnv().SMTP_URL ? (
          <p role="status" className="rounded-md bg-amber-50 p-3 text-amber-900 ring-1 ring-amber-200">
            Email is not set up on this server yet: notices are kept and go out once it is.
          </p>
        ) : null}
        <section aria-labelledby="recipients-heading" className="space-y-3">
          <h2 id="recipients-heading" className="text-base font-semibold text-slate-900">
            Recipients
          </h2>
          <div className="grid gap-4 sm:grid-cols-2">
            <AddressList label="Admins" addresses={audiences.admins} empty="No active admins." />
            <AddressList
              label="Billing contacts"
              addresses={audiences.billingContacts}
              empty="None yet."
            />
          </div>
          <p>
            <Link href="/dashboard/account/billing/company-details" className="inline-flex min-h-11 items-center font-medium text-indigo-700 underline">
              Change billing contacts
            </Link>
          </p>
        </section>
        <section aria-labelledby="alert-heading" className="space-y-1">
          <h2 id="alert-heading" className="text-base font-semibold text-slate-900">
            Low-balance alert
          </h2>
          <p data-testid="low-balance-alert">
            {credit.lowBalanceThreshold > 0
              ? `An email when the balance drops below ${f.money(credit.lowBalanceThreshold)}.`
              : "Off: only an email when credit runs out."}{" "}
            <Link href="/dashboard/account/billing/auto-top-up#low-balance" className="inline-flex min-h-11 items-center font-medium text-indigo-700 underline">
              Change the alert
            </Link>
          </p>
        </section>
        <section aria-labelledby="settings-heading" className="space-y-1">
          <h2 id="settings-heading" className="text-base font-semibold text-slate-900">
            Which emails go to whom
          </h2>
          <NoticeSettingsForm rows={rows} />
        </section>
        <section aria-labelledby="recent-heading" className="space-y-2">
          <h2 id="recent-heading" className="text-base font-semibold text-slate-900">
            Last notices
          </h2>
          {recent.length === 0 ? (
            <p className="text-slate-600">No notices yet.</p>
          ) : (
            <ul className="divide-y divide-slate-200" data-testid="recent-notices">
              {recent.map((n) => (
                <li key={n.id} className="py-2">
                  <p className="flex flex-wrap justify-between gap-x-3">
                    <span className="font-medium text-slate-900">
                      {NOTICE_LABELS[n.kind].title}
                      {noticeSubject(n, money) ? <span className="font-normal text-slate-700">: {noticeSubject(n, money)}</span> : null}
                    </span>
                    <span className="text-slate-600">{f.dateTime(n.sentAt ?? n.createdAt)}</span>
                  </p>
                  <p className={n.status === "failed" ? "text-red-800" : "text-slate-700"}>{outcomeText(n)}</p>
                  {n.recipients.length > 0 ? <p className="break-words text-slate-600">To {n.recipients.join(", ")}</p> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </SubPage>
  );
}
