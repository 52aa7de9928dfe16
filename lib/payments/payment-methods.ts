import { and, eq, isNull } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { paymentMethods } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { SavedPaymentMethod } from "./gateway";

/** The account's current payment method (null when none); `lock` holds it until the transaction ends. */
export async function getPaymentMethod(db: Executor, accountId: string, options: { lock?: boolean } = {}) {
  const query = db
    .select()
    .from(paymentMethods)
    .where(and(eq(paymentMethods.accountId, accountId), isNull(paymentMethods.replacedAt)));
  const [row] = await (options.lock ? query.for("update") : query);
  return row ?? null;
}

/**
 * Makes a saved card or PayPal the account's payment method, replacing the current one
 * (kept, marked replaced). Saving the method that is already current changes nothing.
 */
export async function replacePaymentMethod(
  tx: Executor,
  accountId: string,
  provider: "stripe" | "sandbox",
  saved: SavedPaymentMethod,
  actorUserId: string | null,
): Promise<"replaced" | "unchanged"> {
  const current = await getPaymentMethod(tx, accountId, { lock: true });
  if (current?.provider === provider && current.providerPaymentMethodId === saved.providerPaymentMethodId) {
    return "unchanged";
  }
  const now = new Date();
  if (current) {
    await tx
      .update(paymentMethods)
      .set({ replacedAt: now })
      .where(and(eq(paymentMethods.accountId, accountId), eq(paymentMethods.id, current.id)));
  }
  const values = {
    accountId,
    provider,
    type: saved.type,
    providerPaymentMethodId: saved.providerPaymentMethodId,
    cardBrand: saved.card?.brand ?? null,
    cardLast4: saved.card?.last4 ?? null,
    cardExpMonth: saved.card?.expMonth ?? null,
    cardExpYear: saved.card?.expYear ?? null,
    paypalEmail: saved.paypalEmail,
    replacedAt: null,
    createdAt: now,
  };
  await tx
    .insert(paymentMethods)
    .values(values)
    .onConflictDoUpdate({
      target: [paymentMethods.accountId, paymentMethods.provider, paymentMethods.providerPaymentMethodId],
      set: values,
    });
  const describe = (m: { type: string; cardBrand?: string | null; cardLast4?: string | null; paypalEmail?: string | null } | undefined) =>
    m ? (m.type === "card" ? `${m.cardBrand} ending in ${m.cardLast4}` : `PayPal ${m.paypalEmail}`) : null;
  await recordAudit(tx, {
    accountId,
    actorUserId,
    action: "payment_method.replace",
    before: current ? { paymentMethod: describe(current) } : null,
    after: { paymentMethod: describe(values) },
  });
  return "replaced";
}
