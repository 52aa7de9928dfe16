"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { saveNoticeSettingsAction } from "../notifications/actions";
import { ResultMessage, SubmitButton } from "./form-parts";

export interface NoticeSettingRow {
  kind: string;
  anchor: string;
  title: string;
  description: string;
  audiences: { audience: string; label: string; on: boolean; required: boolean }[];
}

export function NoticeSettingsForm({ rows }: { rows: NoticeSettingRow[] }) {
  const [result, action] = useActionState<ActionResult | null, FormData>(saveNoticeSettingsAction, null);
  return (
    <form action={action} className="space-y-4" noValidate>
      <ul className="divide-y divide-slate-200">
        {rows.map((row) => (
          <li key={row.kind} id={row.anchor} className="scroll-mt-4 py-3">
            <fieldset>
              <legend className="font-medium text-slate-900">{row.title}</legend>
              <p className="text-sm text-slate-600">{row.description}</p>
              <div className="mt-1 flex flex-wrap gap-x-6">
                {row.audiences.map((a) => (
                  <label key={a.audience} className="flex min-h-11 items-center gap-2 text-sm text-slate-900">
                    <input
                      type="checkbox"
                      name={`${row.kind}:${a.audience}`}
                      defaultChecked={a.on}
                      disabled={a.required}
                      className="h-5 w-5"
                    />
                    {a.label}
                    {a.required ? <span className="text-xs text-slate-600">(always sent)</span> : null}
                  </label>
                ))}
              </div>
            </fieldset>
          </li>
        ))}
      </ul>
      <SubmitButton pendingLabel="Saving…">Save email settings</SubmitButton>
      <ResultMessage result={result} />
    </form>
  );
}
