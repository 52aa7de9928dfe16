export function CenteredCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <section
        aria-labelledby="card-title"
        className="w-full max-w-md rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200"
      >
        <h1 id="card-title" className="text-xl font-semibold">
          {title}
        </h1>
        <div className="mt-4 space-y-4 text-sm text-slate-600">{children}</div>
      </section>
    </main>
  );
}
