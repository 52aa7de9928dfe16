import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayUnavailableError, prorateSeatChange, type SeatChange } from "@/lib/payments/gateway";
import { createSandboxGateway } from "@/lib/payments/sandbox-gateway";
import { createStripeGateway } from "@/lib/payments/stripe-gateway";
import { type FakeStripe, startFakeStripe } from "../support/fake-stripe/server";
import { freshDatabase, type TestDatabase } from "../support/fresh-database";

let fake: FakeStripe;
let handle: TestDatabase;
let stripe: ReturnType<typeof createStripeGateway>;

const periodStart = new Date("2026-11-01T00:00:00Z");
const periodEnd = new Date("2026-12-01T00:00:00Z");
const change = (quantity: number, at = new Date("2026-11-16T00:00:00Z")): SeatChange => ({
  subscriptionId: "sub_seats",
  subscriptionItemId: "si_seats",
  quantity,
  at,
  pricing: { seatPrice: 3_900, currency: "EUR", currentQuantity: 30, periodStart, periodEnd },
});

beforeAll(async () => {
  handle = await freshDatabase({ poolMax: 1 });
  fake = await startFakeStripe({ webhookSecret: "whsec_unused" });
  stripe = createStripeGateway({ secretKey: "sk_test_fake", apiBase: fake.url, timeoutMs: 400 });
  fake.addSubscription({ id: "sub_seats", itemId: "si_seats", customer: "cus_x", quantity: 30, unitAmount: 3_900, currency: "EUR", periodStart, periodEnd });
});

afterAll(async () => {
  await fake?.close();
  await handle?.close();
});

describe("seat changes through the gateway", () => {
  it("previews the proration now and the next renewal, the same in Stripe and in the sandbox", async () => {
    // Half the period left: 5 more seats cost 5 x 39.00 / 2 now, 35 x 39.00 from the renewal.
    const expected = { prorationNow: 9_750, nextRenewal: 136_500, currency: "EUR" };
    expect(await stripe.previewSeatChange(change(35))).toEqual(expected);
    expect(await createSandboxGateway(handle.db).previewSeatChange(change(35))).toEqual(expected);
    expect(prorateSeatChange(change(28))).toEqual({ prorationNow: -3_900, nextRenewal: 109_200, currency: "EUR" });
    expect(prorateSeatChange(change(31, periodEnd)).prorationNow).toBe(0);
    expect(prorateSeatChange(change(31, periodStart)).prorationNow).toBe(3_900);
  });

  it("previews a removal as a credit through Stripe, not as nothing due", async () => {
    // Stripe's amount due of a credit is zero; what the change credits is the invoice's total.
    expect(await stripe.previewSeatChange(change(28))).toEqual({ prorationNow: -3_900, nextRenewal: 109_200, currency: "EUR" });
  });

  it("changes the quantity once per idempotency key and answers what Stripe confirmed and invoiced", async () => {
    const first = await stripe.changeSeats({ ...change(33), idempotencyKey: "seats-1" });
    // A retry of the same request (same key) does not apply a later change twice.
    expect(await stripe.changeSeats({ ...change(33), idempotencyKey: "seats-1" })).toEqual(first);
    const item = (fake.subscription("sub_seats")!.items as { data: { quantity: number }[] }).data[0]!;
    expect(item.quantity).toBe(33);
    // The amount is the proration invoice's, as the provider itself reports it.
    const sdk = new Stripe("sk_test_fake", { host: "127.0.0.1", port: fake.port, protocol: "http" });
    const invoice = await sdk.invoices.retrieve(first.invoiceId!);
    expect(invoice.billing_reason).toBe("subscription_update");
    expect(first).toEqual({ quantity: 33, prorationAmount: invoice.total, currency: "EUR", invoiceId: invoice.id });
    expect(invoice.total).not.toBe(0);
  });

  it("answers no proration and no invoice for a change that prorates nothing", async () => {
    // Priced at the period's end: Stripe issues no invoice, and the latest one is the previous change's.
    expect(await stripe.changeSeats({ ...change(34, periodEnd), pricing: { ...change(34).pricing, currentQuantity: 33 }, idempotencyKey: "seats-end" })).toEqual({
      quantity: 34,
      prorationAmount: 0,
      currency: "EUR",
      invoiceId: null,
    });
  });

  it("reports an unreachable provider as unavailable", async () => {
    fake.failNext({ kind: "error500" }, 3);
    await expect(stripe.changeSeats({ ...change(40), idempotencyKey: "seats-2" })).rejects.toThrow(GatewayUnavailableError);
  });
});
