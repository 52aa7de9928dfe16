import Link from "next/link";

export function SubPage({ title, intro, children }: { title: string; intro?: string; children: React.ReactNode }) {
  return (
    <main className="mx-auto max-w-xl px-4 py-8">
      <Link href="/dashboard/account/billing" className="inline-flex min-h-11 items-center text-sm text-indigo-700 underline">
        ‹ Back to billing
      </Link>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">{title}</h1>
      {intro ? <p className="mt-2 text-sm text-slate-600">{intro}</p> : null}
      <div className="mt-6 rounded-xl bg-white p-4 shadow-sm sm:p-6 ring-1 ring-slate-200">{children}</div>
    </main>
  );
}
