"use client";

import { useActionState, useState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { REGION_LABELS } from "@/lib/company/address";
import { taxIdLabel } from "@/lib/company/tax-id";
import { updateCompanyDetails } from "../actions";
import { describedBy, FIELD, FieldError, ResultMessage, SubmitButton } from "./form-parts";

export interface CompanyDetailsValues {
  companyName: string;
  vatNumber: string;
  invoiceEmail: string;
  /** One address per line. */
  billingContacts: string;
  street: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
}

type TextField = Exclude<keyof CompanyDetailsValues, "country">;

export function CompanyDetailsForm({
  initial,
  countries,
}: {
  initial: CompanyDetailsValues;
  countries: { code: string; name: string }[];
}) {
  const [result, action] = useActionState<ActionResult | null, FormData>(updateCompanyDetails, null);
  // What the admin typed stays in the form when something is wrong.
  const values = result && !result.ok && result.values ? { ...initial, ...result.values } : initial;
  return (
    // A new form per answer: its fields start from what was sent.
    <form action={action} className="space-y-4" key={JSON.stringify(result)} noValidate>
      <Fields values={values} countries={countries} result={result} />
      <p className="text-xs text-slate-500">Changes apply to future invoices only.</p>
      <SubmitButton pendingLabel="Saving…">Save company details</SubmitButton>
      <ResultMessage result={result} follow />
    </form>
  );
}

function Fields({ values, countries, result }: { values: CompanyDetailsValues; countries: { code: string; name: string }[]; result: ActionResult | null }) {
  // The country names the tax number and decides whether the address has a state.
  const [country, setCountry] = useState(values.country);
  const regionLabel = REGION_LABELS[country];
  const input = (name: TextField, label: string, options: { type?: string; autoComplete: string; optional?: boolean; width?: string }) => (
    <div>
      <label htmlFor={name} className="block text-sm font-medium text-slate-900">
        {label}
        {options.optional ? <span className="ml-2 text-xs font-normal text-slate-500">Optional</span> : null}
      </label>
      <input
        id={name}
        name={name}
        type={options.type ?? "text"}
        autoComplete={options.autoComplete}
        defaultValue={values[name]}
        className={`${FIELD} ${options.width ?? "w-full"}`}
        {...describedBy(result, name)}
      />
      <FieldError result={result} name={name} />
    </div>
  );
  return (
    <>
      {input("companyName", "Company name", { autoComplete: "organization" })}
      <div>
        <label htmlFor="country" className="block text-sm font-medium text-slate-900">
          Country
        </label>
        <select
          id="country"
          name="country"
          autoComplete="country"
          defaultValue={values.country}
          onChange={(event) => setCountry(event.target.value)}
          className={`${FIELD} w-full`}
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
      {input("vatNumber", taxIdLabel(country), { autoComplete: "off", optional: true })}
      {input("invoiceEmail", "Invoice email", { type: "email", autoComplete: "email" })}
      <div>
        <label htmlFor="billingContacts" className="block text-sm font-medium text-slate-900">
          Other billing contacts
          <span className="ml-2 text-xs font-normal text-slate-500">Optional</span>
        </label>
        <p id="billingContacts-hint" className="text-xs text-slate-500">
          One email address per line, up to 9. They receive billing emails with the invoice email and the admins.
        </p>
        <textarea
          id="billingContacts"
          name="billingContacts"
          rows={3}
          autoComplete="off"
          defaultValue={values.billingContacts}
          className={`${FIELD} w-full`}
          {...describedBy(result, "billingContacts", { hint: true })}
        />
        <FieldError result={result} name="billingContacts" />
      </div>
      {input("street", "Street and number", { autoComplete: "street-address" })}
      {input("city", "City", { autoComplete: "address-level2" })}
      {regionLabel ? input("region", regionLabel, { autoComplete: "address-level1", width: "w-28" }) : null}
      {input("postalCode", country === "US" ? "ZIP code" : "Postal code", { autoComplete: "postal-code", width: "w-40" })}
    </>
  );
}
