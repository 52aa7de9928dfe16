import { EditButton, Section } from "../_components/section";
import { loadPaymentMethod } from "../_data";

export const BRANDS: Record<string, string> = {
  visa: "Visa",
  mastercard: "Mastercard",
  amex: "American Express",
  discover: "Discover",
};

export async function PaymentSection({ accountId }: { accountId: string }) {
  const method = await loadPaymentMethod(accountId);
  return (
    <Section id="payment" title="Payment method" action={<EditButton label="Replace payment method" href="/dashboard/account/billing/payment-method" />}>
      {!method ? (
        <p data-testid="payment-method">
          No payment method saved. Add a card or PayPal to pay your subscription and add credit.
        </p>
      ) : method.type === "card" ? (
        <p data-testid="payment-method">
          <span className="font-medium text-slate-900">
            {BRANDS[method.cardBrand ?? ""] ?? method.cardBrand} card ending in {method.cardLast4}
          </span>
          <br />
          Expires {String(method.cardExpMonth).padStart(2, "0")}/{method.cardExpYear}
        </p>
      ) : (
        <p data-testid="payment-method">
          <span className="font-medium text-slate-900">PayPal</span>
          <br />
          {method.paypalEmail}
        </p>
      )}
      {method?.provider === "sandbox" ? (
        <p className="mt-2 inline-block rounded bg-amber-100 px-2 py-0.5 text-xs text-amber-900">Sandbox</p>
      ) : null}
    </Section>
  );
}
