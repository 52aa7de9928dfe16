"use client";

import { startTransition, useActionState, useEffect, useRef, useState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { saveSandboxPaymentMethod } from "../actions";
import { describedBy, FIELD, FieldError, ResultMessage, SubmitButton } from "./form-parts";

/**
 * The sandbox's card or PayPal form (no card data leaves this server; no money moves). Its
 * fields are held here, not reset after an answer, so a refused card stays as it was typed:
 * the card number is never sent back by the server.
 */
export function SandboxPaymentMethodForm() {
  const [result, action, pending] = useActionState<ActionResult | null, FormData>(saveSandboxPaymentMethod, null);
  const [fields, setFields] = useState({ type: "card", cardNumber: "", expiry: "", paypalEmail: "" });
  const set = (name: keyof typeof fields) => (event: React.ChangeEvent<HTMLInputElement>) => setFields({ ...fields, [name]: event.target.value });
  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    // Sent without a form action, so React does not reset the fields after the answer.
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startTransition(() => action(data));
  };
  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <fieldset className="flex gap-4 text-sm">
        <legend className="mb-2 text-sm font-medium text-slate-900">Pay with</legend>
        {(["card", "paypal"] as const).map((option) => (
          <label key={option} className="flex min-h-11 items-center gap-2">
            <input type="radio" name="type" value={option} checked={fields.type === option} onChange={set("type")} />
            {option === "card" ? "Card" : "PayPal"}
          </label>
        ))}
      </fieldset>
      {fields.type === "card" ? (
        <>
          <div>
            <label htmlFor="cardNumber" className="block text-sm font-medium text-slate-900">
              Card number
            </label>
            <input
              id="cardNumber"
              name="cardNumber"
              inputMode="numeric"
              autoComplete="off"
              value={fields.cardNumber}
              onChange={set("cardNumber")}
              className={`${FIELD} w-full`}
              {...describedBy(result, "cardNumber", { hint: true })}
            />
            <FieldError result={result} name="cardNumber" />
            <p id="cardNumber-hint" className="mt-1 text-xs text-slate-500">
              Sandbox: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined (and not saved); 4000 0000 0000
              9995 is saved but has insufficient funds; 4000 0027 6000 3184 asks for authentication.
            </p>
          </div>
          <div>
            <label htmlFor="expiry" className="block text-sm font-medium text-slate-900">
              Expiry (MM/YY)
            </label>
            <input
              id="expiry"
              name="expiry"
              placeholder="12/30"
              autoComplete="off"
              value={fields.expiry}
              onChange={set("expiry")}
              className={`${FIELD} w-28`}
              {...describedBy(result, "expiry")}
            />
            <FieldError result={result} name="expiry" />
          </div>
        </>
      ) : (
        <div>
          <label htmlFor="paypalEmail" className="block text-sm font-medium text-slate-900">
            PayPal email
          </label>
          <input
            id="paypalEmail"
            name="paypalEmail"
            type="email"
            autoComplete="email"
            value={fields.paypalEmail}
            onChange={set("paypalEmail")}
            className={`${FIELD} w-full`}
            {...describedBy(result, "paypalEmail")}
          />
          <FieldError result={result} name="paypalEmail" />
        </div>
      )}
      <SubmitButton pendingLabel="Saving…" pending={pending}>
        Save payment method
      </SubmitButton>
      <ResultMessage result={result} follow />
    </form>
  );
}

declare global {
  interface Window {
    Stripe?: (key: string) => {
      elements(options: { clientSecret: string }): { create(type: string): { mount(el: HTMLElement): void } };
      confirmSetup(options: { elements: unknown; confirmParams: { return_url: string } }): Promise<{ error?: { message?: string } }>;
    };
  }
}

/** Stripe's Payment Element (card or PayPal); the webhook stores what the customer saves. */
export function StripePaymentMethodForm({ publishableKey, clientSecret, returnUrl }: { publishableKey: string; clientSecret: string; returnUrl: string }) {
  const mount = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState<null | { confirm: () => Promise<void> }>(null);
  useEffect(() => {
    const script = document.createElement("script");
    script.src = "https://js.stripe.com/v3";
    script.onload = () => {
      const stripe = window.Stripe!(publishableKey);
      const elements = stripe.elements({ clientSecret });
      elements.create("payment").mount(mount.current!);
      setReady({
        confirm: async () => {
          const result = await stripe.confirmSetup({ elements, confirmParams: { return_url: returnUrl } });
          if (result.error) setError(result.error.message ?? "The payment method could not be saved.");
        },
      });
    };
    script.onerror = () => setError("Stripe could not be loaded. Check your connection and reload.");
    document.head.appendChild(script);
  }, [publishableKey, clientSecret, returnUrl]);
  return (
    <div className="space-y-4">
      <div ref={mount} />
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      <button type="button" disabled={!ready} onClick={() => void ready?.confirm()} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white disabled:opacity-60">
        Save payment method
      </button>
    </div>
  );
}
