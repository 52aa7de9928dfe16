"use client";

import { useId, useState } from "react";

/**
 * A labelled button that shows a panel below it. The panel stays in the page while
 * hidden, so a form in it keeps its state (and its idempotency key) when closed and
 * opened again.
 */
export function Reveal({ label, children }: { label: string; children: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <div>
      <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)} className="btn-primary">
        {label}
      </button>
      <div id={id} hidden={!open} className="mt-3">
        {children}
      </div>
    </div>
  );
}
