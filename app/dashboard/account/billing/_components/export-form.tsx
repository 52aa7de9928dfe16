"use client";

import { useActionState, useRef, useState } from "react";
import { SignedLinkResult } from "./signed-link-result";
import type { ActionResult } from "@/lib/auth/action";
import { type RangeProblem, rangeProblem } from "@/lib/exports/range";
import { createExportLink } from "../actions";

const CSV_ROUTE = "/api/billing/credit-movements.csv";

/** The range is checked here before the browser leaves for the CSV, which answers API clients in JSON. */
const RANGE_MESSAGES: Record<RangeProblem, { field: "from" | "to"; message: string }> = {
  from: { field: "from", message: "Enter the first day of the export." },
  to: { field: "to", message: "Enter the last day of the export." },
  order: { field: "from", message: "The start date is after the end date. Choose a start on or before the end." },
  length: { field: "to", message: "Choose a range of at most 5 years." },
};

/** Range and type; download, download for Excel (with a BOM), or copy a signed link. */
export function ExportForm({ from, to, types }: { from: string; to: string; types: { value: string; label: string }[] }) {
  const form = useRef<HTMLFormElement>(null);
  const [result, linkAction, pending] = useActionState<ActionResult | null, FormData>(createExportLink, null);
  const [problem, setProblem] = useState<RangeProblem | null>(null);
  const invalid = problem ? RANGE_MESSAGES[problem] : null;
  const marked = (field: "from" | "to") =>
    invalid?.field === field ? { "aria-invalid": true, "aria-describedby": "export-range-error" } : {};
  const check = (event: React.FormEvent<HTMLFormElement>) => {
    const data = new FormData(event.currentTarget);
    const found = rangeProblem(String(data.get("from") ?? ""), String(data.get("to") ?? ""));
    setProblem(found);
    // Stops the download and the link alike: neither is made for a range that is not one.
    if (found) event.preventDefault();
  };
  const input =
    "mt-1 rounded-md border border-slate-300 px-2 py-1 aria-[invalid=true]:border-red-600 aria-[invalid=true]:ring-1 aria-[invalid=true]:ring-red-600";
  return (
    <form ref={form} method="get" action={CSV_ROUTE} onSubmit={check} noValidate className="space-y-3" aria-label="Export credit movements">
      <div className="flex flex-wrap gap-3">
        <label className="text-sm">
          <span className="block font-medium text-slate-900">From</span>
          <input type="date" name="from" defaultValue={from} required className={input} {...marked("from")} />
        </label>
        <label className="text-sm">
          <span className="block font-medium text-slate-900">To</span>
          <input type="date" name="to" defaultValue={to} required className={input} {...marked("to")} />
        </label>
        <label className="text-sm">
          <span className="block font-medium text-slate-900">Type</span>
          <select name="type" defaultValue="" className={input}>
            <option value="">All movements</option>
            {types.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {invalid ? (
        <p id="export-range-error" role="alert" className="text-sm text-red-700">
          {invalid.message}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <button type="submit" className="rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-100">
          Download CSV
        </button>
        <button type="submit" name="bom" value="1" className="rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-100">
          Download for Excel
        </button>
        <button
          type="submit"
          formAction={linkAction}
          disabled={pending}
          className="rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-100 disabled:opacity-60"
        >
          Copy link
        </button>
      </div>
      <SignedLinkResult result={result} label="Export link" />
    </form>
  );
}
