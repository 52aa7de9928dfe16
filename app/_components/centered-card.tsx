export function CenteredCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <section aria-labelledby="card-title" className="lone">
        <h1 id="card-title" className="text-xl font-semibold">
          {title}
        </h1>
        <div className="mt-4 space-y-4 text-sm text-slate-600">{children}</div>
      </section>
    </main>
  );
}
