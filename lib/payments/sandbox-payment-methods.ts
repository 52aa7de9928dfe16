import type { Database } from "@/db/client";
import { fail, ok, type Result } from "@/lib/result";
import { declineMessage, type SavedPaymentMethod } from "./gateway";
import { getPaymentMethod, replacePaymentMethod } from "./payment-methods";
import { type SandboxGateway, sandboxPaymentMethodId } from "./sandbox-gateway";

export type SandboxMethodInput =
  | { type: "card"; cardNumber: string; expMonth: number; expYear: number }
  | { type: "paypal"; paypalEmail: string };


const BRANDS: Record<string, string> = { visa: "Visa", mastercard: "Mastercard", amex: "American Express", discover: "Discover" };

/**
 * Saves a card or PayPal in the sandbox, as the Payment Element saves one with Stripe: the
 * card is confirmed first (Stripe's SetupIntent), and only a confirmed one replaces the
 * current payment method. A refused card changes nothing.
 */
export async function saveSandboxPaymentMethod(
  db: Database,
  gateway: SandboxGateway,
  request: { accountId: string; userId: string; method: SandboxMethodInput },
  now = new Date(),
): Promise<Result<{ saved: string }>> {
  const { method } = request;
  let saved: SavedPaymentMethod;
  if (method.type === "card") {
    const year = now.getUTCFullYear();
    if (method.expYear < year || (method.expYear === year && method.expMonth < now.getUTCMonth() + 1)) {
      return fail("invalid", "Please correct the card.", { expiry: "This card has expired." });
    }
    const setup = gateway.confirmCardSetup({ number: method.cardNumber, expMonth: method.expMonth, expYear: method.expYear });
    if (setup.status !== "succeeded") {
      if (setup.code === "test_mode_live_card") {
        return fail("invalid", "Please correct the card.", { cardNumber: setup.message });
      }
      const current = await currentMethodInWords(db, request.accountId);
      return fail("refused", current ? `The card was not saved. You still pay with the ${current}.` : "The card was not saved.", {
        cardNumber: declineMessage(setup.code, setup.message),
      });
    }
    saved = setup.method;
  } else {
    saved = {
      providerPaymentMethodId: sandboxPaymentMethodId("succeeds", crypto.randomUUID().slice(0, 8)),
      type: "paypal",
      card: null,
      paypalEmail: method.paypalEmail.toLowerCase(),
    };
  }
  await db.transaction((tx) => replacePaymentMethod(tx, request.accountId, "sandbox", saved, request.userId));
  return ok({ saved: methodInWords(saved) });
}

/** "Visa ending in 4242", "PayPal (ap@example.com)". */
function methodInWords(method: SavedPaymentMethod): string {
  return method.card
    ? `${BRANDS[method.card.brand] ?? method.card.brand} ending in ${method.card.last4}`
    : `PayPal (${method.paypalEmail})`;
}

async function currentMethodInWords(db: Database, accountId: string): Promise<string | null> {
  const current = await getPaymentMethod(db, accountId);
  if (!current) return null;
  return current.type === "card"
    ? `${BRANDS[current.cardBrand ?? ""] ?? current.cardBrand} card ending in ${current.cardLast4}`
    : `PayPal account ${current.paypalEmail}`;
}
