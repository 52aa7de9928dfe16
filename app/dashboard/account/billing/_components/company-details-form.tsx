"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { updateCompanyDetails } from "../actions";
import { describedBy, FieldError, ResultMessage, SubmitButton } from "./form-parts";

export interface CompanyDetailsValues {
  companyName: string;
  vatNumber: string;
  invoiceEmail: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
}

const FIELDS: { name: Exclude<keyof CompanyDetailsValues, "country">; label: string; type?: string; autoComplete: string }[] = [
  { name: "companyName", label: "Company name", autoComplete: "organization" },
  { name: "vatNumber", label: "VAT number (optional)", autoComplete: "off" },
  { name: "invoiceEmail", label: "Invoice email", type: "email", autoComplete: "email" },
  { name: "street", label: "Street and number", autoComplete: "street-address" },
  { name: "city", label: "City", autoComplete: "address-level2" },
  { name: "postalCode", label: "Postal code", autoComplete: "postal-code" },
];

export function CompanyDetailsForm({
  initial,
  countries,
}: {
  initial: CompanyDetailsValues;
  countries: { code: string; name: string }[];
}) {
  const [result, action] = useActionState<ActionResult | null, FormData>(updateCompanyDetails, null);
  // What the admin typed stays in the form when something is wrong.
  const value = (name: keyof CompanyDetailsValues) =>
    result && !result.ok && result.values ? (result.values[name] ?? "") : initial[name];
  return (
    <form action={action} className="space-y-4" key={JSON.stringify(result)} noValidate>
      {FIELDS.map((field) => (
        <div key={field.name}>
          <label htmlFor={field.name} className="block text-sm font-medium text-slate-900">
            {field.label}
          </label>
          <input
            id={field.name}
            name={field.name}
            type={field.type ?? "text"}
            autoComplete={field.autoComplete}
            defaultValue={value(field.name)}
            className="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5"
            {...describedBy(result, field.name)}
          />
          <FieldError result={result} name={field.name} />
        </div>
      ))}
      <div>
        <label htmlFor="country" className="block text-sm font-medium text-slate-900">
          Country
        </label>
        <select
          id="country"
          name="country"
          defaultValue={value("country")}
          className="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5"
          {...describedBy(result, "country")}
        >
          {countries.map((c) => (
            <option key={c.code} value={c.code}>
              {c.name}
            </option>
          ))}
        </select>
        <FieldError result={result} name="country" />
      </div>
      <p className="text-xs text-slate-500">Changes apply to future invoices only.</p>
      <SubmitButton pendingLabel="Saving…">Save company details</SubmitButton>
      <ResultMessage result={result} follow />
    </form>
  );
}
