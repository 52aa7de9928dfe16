/** A page section: a landmark with a heading, and an edit control in its top-right corner. */
export function Section({
  id,
  title,
  action,
  children,
}: {
  id: string;
  title: string;
  action?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <section
      id={id}
      aria-labelledby={`${id}-heading`}
      className="card"
    >
      <div className="card-head">
        <h2 id={`${id}-heading`}>{title}</h2>
        {action}
      </div>
      <div className="card-body">{children}</div>
    </section>
  );
}

/** The pencil in a section's top-right corner: a link to the section's form. */
export function EditButton({ label, href }: { label: string; href: string }) {
  return (
    <a
      href={href}
      aria-label={label}
      title={label}
      className="edit"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
        <path d="M13.6 2.6a2 2 0 0 1 2.8 0l1 1a2 2 0 0 1 0 2.8l-9.5 9.5-4.2 1.2 1.2-4.2 9.5-9.5z" />
      </svg>
    </a>
  );
}

/** What a section shows until its data arrives: its title over a pulsing bar. */
export function SectionSkeleton({ title }: { title: string }) {
  return (
    <section aria-busy="true" className="card">
      <h2 className="font-semibold">{title}</h2>
      <div className="skeleton" />
    </section>
  );
}

/** A horizontal bar for "used of total", with its figures in words for screen readers. */
export function UsageBar({ used, total, label }: { used: number; total: number; label: string }) {
  const percent = total > 0 ? Math.min(100, Math.round((used * 100) / total)) : 0;
  const tone = used > total ? "fill-red-600" : percent >= 90 ? "fill-amber-500" : "fill-indigo-600";
  // An SVG attribute, not a style attribute: the Content-Security-Policy refuses those.
  return (
    <svg role="img" aria-label={label} className="block h-2 w-full overflow-hidden rounded-full bg-slate-200">
      <rect width={`${percent}%`} height="100%" className={tone} />
    </svg>
  );
}
