"use client";

import { useActionState, useState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { confirmSeatChange, previewSeatChange } from "../actions";
import Link from "next/link";
import { describedBy, FIELD, FieldError, ResultMessage, SubmitButton, useIdempotencyKey } from "./form-parts";

/**
 * Choose a number of seats, see what it costs (now and from the renewal), then confirm.
 * Confirming again after an unknown outcome sends the same key: the provider answers with
 * the change it made, instead of making (and charging) another.
 */
export function SeatsForm({ current, used, max }: { current: number; used: number; max: number }) {
  const [preview, previewAction] = useActionState<ActionResult | null, FormData>(previewSeatChange, null);
  const [confirmed, confirmAction] = useActionState<ActionResult | null, FormData>(confirmSeatChange, null);
  const [quantity, setQuantity] = useState(String(current));
  const [previewed, setPreviewed] = useState<string | null>(null);
  const key = useIdempotencyKey(confirmed);
  const previewIsCurrent = preview?.ok && previewed === quantity;
  // Refused below the seats in use: the users page is where seats are freed.
  const belowSeatsInUse = !!(preview && !preview.ok && preview.fieldErrors?.quantity && Number(previewed) < used);
  return (
    <div className="space-y-5">
      <form
        action={(data) => {
          setPreviewed(String(data.get("quantity")));
          previewAction(data);
        }}
        className="space-y-3"
      >
        <label htmlFor="quantity" className="block text-sm font-medium text-slate-900">
          Seats ({used} in use, up to {max})
        </label>
        <input
          id="quantity"
          name="quantity"
          inputMode="numeric"
          value={quantity}
          onChange={(e) => setQuantity(e.target.value)}
          className={`${FIELD} w-32`}
          {...describedBy(preview, "quantity")}
        />
        <FieldError result={preview} name="quantity" />
        {belowSeatsInUse ? (
          <p className="text-sm">
            <Link href="/dashboard/account/users" className="font-medium text-indigo-700 underline">
              Manage users
            </Link>
          </p>
        ) : null}
        <div>
          <SubmitButton pendingLabel="Checking the price…">Preview change</SubmitButton>
        </div>
      </form>
      {preview && !preview.ok && !preview.fieldErrors ? <ResultMessage result={preview} /> : null}
      {previewIsCurrent ? (
        <form action={confirmAction} className="space-y-3 rounded-md bg-slate-50 p-4 ring-1 ring-slate-200">
          <p data-testid="seat-preview" className="text-sm text-slate-800">
            {preview.message}
          </p>
          <input type="hidden" name="quantity" value={quantity} />
          <input type="hidden" name="idempotencyKey" value={key} />
          <input type="hidden" name="pricedAt" value={preview.values?.pricedAt ?? ""} />
          <SubmitButton pendingLabel="Changing seats…">Confirm change</SubmitButton>
          <ResultMessage result={confirmed} follow />
        </form>
      ) : null}
    </div>
  );
}
