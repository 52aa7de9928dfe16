"use client";

import { useActionState, useState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { addCredit } from "../actions";
import { formatMoney, parseMajorAmount } from "@/lib/money";
import { formatRate, taxOn } from "@/lib/invoices/tax";
import { describedBy, FieldError, ResultMessage, SubmitButton, useIdempotencyKey } from "./form-parts";

/**
 * Preset and custom amounts, charged to the saved payment method. Each form carries an
 * idempotency key: a double click or a resent request charges once. A new key is made
 * only once an answer says how the top-up ended, for the next one; while that is not
 * known, sending the form again asks about the same payment.
 */
export function AddCreditForm({
  presets,
  currency,
  minLabel,
  maxLabel,
  vat,
}: {
  presets: { value: number; label: string }[];
  currency: string;
  minLabel: string;
  maxLabel: string;
  /** The VAT charged on top of the credit: its rate, and why there is none when it is 0. */
  vat: { rateBasisPoints: number; noneBecause: string | null };
}) {
  const [result, action] = useActionState<ActionResult | null, FormData>(addCredit, null);
  const key = useIdempotencyKey(result);
  const [choice, setChoice] = useState(String(presets[1]?.value ?? presets[0]?.value ?? ""));
  const [typed, setTyped] = useState(result && !result.ok ? (result.values?.customAmount ?? "") : "");
  const credit = choice === "custom" ? parseMajorAmount(typed, currency) : Number(choice);
  return (
    <form action={action} className="space-y-3" aria-label="Add credit">
      <input type="hidden" name="idempotencyKey" value={key} />
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Amount ({currency})</legend>
        <div className="mt-2 flex flex-wrap gap-2">
          {presets.map((preset) => (
            <label
              key={preset.value}
              className={`inline-flex min-h-11 cursor-pointer items-center rounded-md px-4 text-sm ring-1 ${choice === String(preset.value) ? "bg-indigo-600 text-white ring-indigo-600" : "ring-slate-300"}`}
            >
              <input
                type="radio"
                name="amount"
                value={preset.value}
                checked={choice === String(preset.value)}
                onChange={() => setChoice(String(preset.value))}
                className="sr-only"
              />
              {preset.label}
            </label>
          ))}
          <label
            className={`inline-flex min-h-11 cursor-pointer items-center rounded-md px-4 text-sm ring-1 ${choice === "custom" ? "bg-indigo-600 text-white ring-indigo-600" : "ring-slate-300"}`}
          >
            <input
              type="radio"
              name="amount"
              value="custom"
              checked={choice === "custom"}
              onChange={() => setChoice("custom")}
              className="sr-only"
            />
            Other amount
          </label>
        </div>
      </fieldset>
      {choice === "custom" ? (
        <div>
          <label htmlFor="customAmount" className="block text-sm font-medium text-slate-900">
            Custom amount ({minLabel} to {maxLabel})
          </label>
          <input
            id="customAmount"
            name="customAmount"
            inputMode="decimal"
            autoComplete="off"
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            className="mt-1 w-40 rounded-md border border-slate-300 px-3 py-1.5"
            {...describedBy(result, "customAmount")}
          />
          <FieldError result={result} name="customAmount" />
        </div>
      ) : null}
      <ChargeLine credit={credit} currency={currency} vat={vat} />
      <SubmitButton pendingLabel="Charging…">Add credit</SubmitButton>
      <ResultMessage result={result} />
    </form>
  );
}

/** What the card is charged for the credit chosen: credit plus VAT, or why there is no VAT. */
function ChargeLine({
  credit,
  currency,
  vat,
}: {
  credit: number | null;
  currency: string;
  vat: { rateBasisPoints: number; noneBecause: string | null };
}) {
  const rate = formatRate(vat.rateBasisPoints);
  const known = credit !== null && Number.isSafeInteger(credit) && credit > 0;
  const tax = known ? taxOn(credit, vat.rateBasisPoints) : 0;
  return (
    <p className="text-sm text-slate-700" aria-live="polite" data-testid="charge-line">
      {known ? (
        vat.rateBasisPoints > 0 ? (
          <>
            Charged now: <strong className="tabular-nums">{formatMoney(credit + tax, currency)}</strong>{" "}
            ({formatMoney(credit, currency)} credit + {formatMoney(tax, currency)} VAT at {rate}).
          </>
        ) : (
          <>
            Charged now: <strong className="tabular-nums">{formatMoney(credit, currency)}</strong>. {vat.noneBecause}
          </>
        )
      ) : vat.rateBasisPoints > 0 ? (
        `VAT at ${rate} is added to the amount of credit.`
      ) : (
        vat.noneBecause
      )}{" "}
      An invoice is issued for each purchase.
    </p>
  );
}
