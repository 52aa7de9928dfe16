import Stripe from "stripe";
import {
  type ChargeRef,
  type ChargeRequest,
  type ChargeResult,
  GatewayRequestError,
  GatewayUnavailableError,
  type PaymentGateway,
  type PlanChange,
  type PlanShape,
  type SavedPaymentMethod,
  shapeTotal,
} from "./gateway";

export interface StripeGatewayOptions {
  secretKey: string;
  /** e.g. http://127.0.0.1:12111 for a local Stripe-compatible server. */
  apiBase?: string;
  timeoutMs?: number;
}

export function toCharge(intent: Stripe.PaymentIntent): ChargeResult {
  const error = intent.last_payment_error;
  // Off-session, a card that needs 3-D Secure fails with authentication_required: the
  // cardholder can still confirm the same payment in the browser.
  const needsCardholder = intent.status === "requires_payment_method" && error?.code === "authentication_required";
  const status: ChargeResult["status"] =
    intent.status === "canceled"
      ? "canceled"
      : intent.status === "requires_action" || needsCardholder
        ? "requires_action"
        : intent.status === "succeeded"
          ? "succeeded"
          : intent.status === "processing"
            ? "processing"
            : "failed";
  return {
    paymentIntentId: intent.id,
    status,
    amount: intent.amount,
    currency: intent.currency.toUpperCase(),
    clientSecret: intent.client_secret,
    failureCode:
      status === "canceled" ? "canceled" : status === "failed" ? (error?.decline_code ?? error?.code ?? "payment_failed") : null,
    failureMessage:
      status === "canceled"
        ? "The payment was canceled."
        : status === "failed"
          ? (error?.message ?? "The payment was not completed.")
          : null,
  };
}

/** States in which Stripe still lets a payment intent be canceled. */
const CANCELABLE: readonly Stripe.PaymentIntent.Status[] = [
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "requires_capture",
];

/** Card and API errors in Stripe's terms become the gateway's. */
function translate(error: unknown): never {
  // A key reused with other parameters (a request from before an upgrade of this code):
  // what it made is not known from here, so it is no refusal of the change.
  if (error instanceof Stripe.errors.StripeIdempotencyError) throw new GatewayUnavailableError(error.message);
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError) {
    throw new GatewayUnavailableError(error.message);
  }
  if (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 500) >= 500) {
    throw new GatewayUnavailableError(error.message);
  }
  if (error instanceof Stripe.errors.StripeError) throw new GatewayRequestError(error.message);
  throw error;
}

/** What an invoice charges before tax: a credit (negative) when its prorations credit more than they charge. */
function amountBeforeTax(invoice: Stripe.Invoice): number {
  return invoice.total_excluding_tax ?? invoice.total;
}

/**
 * The invoice that an update with always_invoice issued for its prorations: the
 * subscription's latest invoice, if it is an update's and prorates from this change's
 * instant. When the change prorated nothing, the latest invoice is an older one.
 */
function prorationInvoice(subscription: Stripe.Subscription, prorationDate: number): Stripe.Invoice | null {
  const invoice = subscription.latest_invoice;
  if (!invoice || typeof invoice === "string" || invoice.billing_reason !== "subscription_update") return null;
  const fromThisChange = invoice.lines.data.some(
    (line) => line.parent?.subscription_item_details?.proration && line.period.start === prorationDate,
  );
  return fromThisChange ? invoice : null;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * One biller. The period's invoice (lib/invoices) charges the plan, its seats, packages and
 * prorations, so the provider's subscription only holds the items, prices their changes and
 * runs the schedule: every invoice it makes itself (a renewal's, an update's prorations) is
 * voided instead of collected. Sent with every update, so a subscription made before this
 * rule, or by hand, stops collecting at its first change.
 */
const NEVER_COLLECT = { pause_collection: { behavior: "void" } } as const satisfies Stripe.SubscriptionUpdateParams;

/**
 * The end of a first period that starts at `at`: one calendar month or year later (UTC),
 * on the last day of a shorter month (31 Jan → 28 Feb, 29 Feb → 28 Feb), as Stripe's own
 * next billing date, beyond which it refuses an anchor.
 */
export function firstPeriodEnd(at: Date, interval: "month" | "year"): Date {
  const months = interval === "year" ? 12 : 1;
  const target = at.getUTCMonth() + months;
  const year = at.getUTCFullYear() + Math.floor(target / 12);
  const month = target % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(year, month, Math.min(at.getUTCDate(), lastDay), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds()),
  );
}

/**
 * The items of an update that moves the subscription from `current` to `now`: kept items
 * take their new price and quantity, new ones are added, dropped ones deleted. Empty when
 * nothing changes at once.
 */
function planItemsParam(change: PlanChange): Stripe.SubscriptionUpdateParams.Item[] {
  const params: Stripe.SubscriptionUpdateParams.Item[] = [];
  for (const item of change.now.items) {
    const before = change.current.items.find((i) => i.key === item.key);
    if (before && before.priceId === item.priceId && before.quantity === item.quantity) continue;
    params.push(before?.itemId ? { id: before.itemId, price: item.priceId, quantity: item.quantity } : { price: item.priceId, quantity: item.quantity });
  }
  for (const item of change.current.items) {
    if (!change.now.items.some((i) => i.key === item.key) && item.itemId) params.push({ id: item.itemId, deleted: true });
  }
  return params;
}

export function createStripeGateway(options: StripeGatewayOptions): PaymentGateway {
  const base = options.apiBase ? new URL(options.apiBase) : null;
  const stripe = new Stripe(options.secretKey, {
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
          protocol: base.protocol.replace(":", "") as "http" | "https",
        }
      : {}),
    // Retries reuse the idempotency key, so a lost answer never becomes a second charge.
    maxNetworkRetries: 2,
    timeout: options.timeoutMs ?? 15_000,
    appInfo: { name: "billing-console" },
  });

  /** A payment intent of this account (its metadata names the account), or a refusal. */
  async function retrieveOwn({ accountId, paymentIntentId }: ChargeRef): Promise<Stripe.PaymentIntent> {
    const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
    if (intent.metadata?.accountId !== accountId) throw new GatewayRequestError(`No such payment: ${paymentIntentId}`);
    return intent;
  }

  /**
   * Before a change, the subscription as the change needs it:
   * - one that still collects is stopped first, on its own request, so that the change's
   *   prorations are not collected either;
   * - a schedule whose last phase has begun has done its work (the subscription already
   *   is what that phase says) and is released: a subscription held by a schedule can get
   *   no new schedule, nor a cancellation;
   * - a schedule still to run (a change at the renewal, or one left with its first phase
   *   only by a change that failed half-way) is returned when the change schedules
   *   something itself (`reuse`): its phases are then rewritten, whatever key made it.
   *   Otherwise a one-phase schedule, which changes nothing, is released.
   */
  async function prepareForChange(subscriptionId: string, reuse: boolean): Promise<Stripe.SubscriptionSchedule | null> {
    const subscription = await stripe.subscriptions.retrieve(subscriptionId);
    if (subscription.pause_collection?.behavior !== "void") await stripe.subscriptions.update(subscriptionId, { ...NEVER_COLLECT });
    const scheduleId = typeof subscription.schedule === "string" ? subscription.schedule : subscription.schedule?.id;
    if (!scheduleId) return null;
    const schedule = await stripe.subscriptionSchedules.retrieve(scheduleId);
    if (schedule.status !== "active" && schedule.status !== "not_started") return null;
    const last = schedule.phases.at(-1);
    const finished = schedule.phases.length > 1 && !!last && !!schedule.current_phase && schedule.current_phase.start_date >= last.start_date;
    if (!finished && reuse) return schedule;
    if (finished || schedule.phases.length <= 1) {
      await stripe.subscriptionSchedules.release(scheduleId, {}, { idempotencyKey: `release:${scheduleId}` });
    }
    return null;
  }

  return {
    name: "stripe",
    async createCustomer({ accountId, name, email }) {
      try {
        const customer = await stripe.customers.create(
          { name, email: email ?? undefined, metadata: { accountId } },
          { idempotencyKey: `customer:${accountId}` },
        );
        return customer.id;
      } catch (error) {
        translate(error);
      }
    },
    async chargeOffSession(request: ChargeRequest) {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: request.amount,
            currency: request.currency.toLowerCase(),
            customer: request.customerId,
            payment_method: request.paymentMethodId,
            off_session: true,
            confirm: true,
            description: request.description,
            metadata: { ...request.metadata, accountId: request.accountId },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return toCharge(intent);
      } catch (error) {
        // A decline is an answer, not a failure to answer: it carries the payment intent.
        if (error instanceof Stripe.errors.StripeCardError) {
          const intent = (error.raw as { payment_intent?: Stripe.PaymentIntent }).payment_intent;
          if (intent) return toCharge(intent);
        }
        translate(error);
      }
    },
    async retrieveCharge(ref) {
      try {
        return toCharge(await retrieveOwn(ref));
      } catch (error) {
        if (error instanceof GatewayRequestError) throw error;
        translate(error);
      }
    },
    async cancelCharge(ref) {
      try {
        const intent = await retrieveOwn(ref);
        if (!CANCELABLE.includes(intent.status)) return toCharge(intent);
        try {
          return toCharge(await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: "abandoned" }));
        } catch (error) {
          // Confirmed (or canceled) in the meantime: what it is now is the answer.
          if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "payment_intent_unexpected_state") {
            return toCharge(await retrieveOwn(ref));
          }
          throw error;
        }
      } catch (error) {
        if (error instanceof GatewayRequestError) throw error;
        translate(error);
      }
    },
    async createSetup({ customerId, accountId }) {
      try {
        const intent = await stripe.setupIntents.create({
          customer: customerId,
          usage: "off_session",
          metadata: { accountId },
        });
        return { setupId: intent.id, clientSecret: intent.client_secret ?? "" };
      } catch (error) {
        translate(error);
      }
    },
    async previewSeatChange(change) {
      if (!change.subscriptionId || !change.subscriptionItemId) {
        throw new GatewayRequestError("the subscription is not linked to Stripe");
      }
      try {
        const [preview, subscription] = await Promise.all([
          stripe.invoices.createPreview({
            subscription: change.subscriptionId,
            subscription_details: {
              items: [{ id: change.subscriptionItemId, quantity: change.quantity }],
              proration_behavior: "always_invoice",
              proration_date: Math.floor(change.at.getTime() / 1000),
            },
          }),
          stripe.subscriptions.retrieve(change.subscriptionId),
        ]);
        const item = subscription.items.data.find((i) => i.id === change.subscriptionItemId);
        const unit = item?.price.unit_amount;
        if (unit === null || unit === undefined) throw new GatewayRequestError("the subscription item has no unit price");
        // Not amount_due: a credit is never due, it goes to the customer's balance.
        return { prorationNow: amountBeforeTax(preview), nextRenewal: unit * change.quantity, currency: preview.currency.toUpperCase() };
      } catch (error) {
        if (error instanceof GatewayRequestError) throw error;
        translate(error);
      }
    },
    async changeSeats(change) {
      if (!change.subscriptionId || !change.subscriptionItemId) {
        throw new GatewayRequestError("the subscription is not linked to Stripe");
      }
      const prorationDate = Math.floor(change.at.getTime() / 1000);
      try {
        await prepareForChange(change.subscriptionId, false);
        const subscription = await stripe.subscriptions.update(
          change.subscriptionId,
          {
            items: [{ id: change.subscriptionItemId, quantity: change.quantity }],
            proration_behavior: "always_invoice",
            proration_date: prorationDate,
            ...NEVER_COLLECT,
            expand: ["latest_invoice"],
          },
          { idempotencyKey: change.idempotencyKey },
        );
        const item = subscription.items.data.find((i) => i.id === change.subscriptionItemId);
        if (!item?.quantity) throw new GatewayRequestError("the provider did not confirm a quantity");
        const invoice = prorationInvoice(subscription, prorationDate);
        return {
          quantity: item.quantity,
          prorationAmount: invoice ? amountBeforeTax(invoice) : 0,
          currency: (invoice?.currency ?? item.price.currency).toUpperCase(),
          invoiceId: invoice?.id ?? null,
        };
      } catch (error) {
        if (error instanceof GatewayRequestError) throw error;
        translate(error);
      }
    },
    async payInvoice(request) {
      const key = request.idempotencyKey;
      const currency = request.currency.toLowerCase();
      try {
        let invoiceId = request.providerInvoiceId;
        if (!invoiceId) {
          // Made once per key: a retry after a lost answer finds the same invoice.
          const invoice = await stripe.invoices.create(
            {
              customer: request.customerId,
              currency,
              collection_method: "charge_automatically",
              auto_advance: false,
              pending_invoice_items_behavior: "exclude",
              description: `Invoice ${request.number}`,
              metadata: { accountId: request.accountId, invoiceId: request.invoiceId, number: request.number },
            },
            { idempotencyKey: `${key}:create` },
          );
          invoiceId = invoice.id!;
          for (const [i, item] of request.items.entries()) {
            await stripe.invoiceItems.create(
              { customer: request.customerId, invoice: invoiceId, amount: item.amount, currency, description: item.description },
              { idempotencyKey: `${key}:item:${i}` },
            );
          }
          await stripe.invoices.finalizeInvoice(invoiceId, {}, { idempotencyKey: `${key}:finalize` });
        }
        try {
          const paid = await stripe.invoices.pay(
            invoiceId,
            { payment_method: request.paymentMethodId, off_session: true },
            { idempotencyKey: `${key}:pay:${request.paymentMethodId}` },
          );
          const ok = paid.status === "paid";
          return {
            providerInvoiceId: invoiceId,
            status: ok ? "paid" : "failed",
            failureCode: ok ? null : "payment_failed",
            failureMessage: ok ? null : "The payment was not completed.",
          };
        } catch (error) {
          if (error instanceof Stripe.errors.StripeCardError) {
            return {
              providerInvoiceId: invoiceId,
              status: "failed",
              failureCode: error.decline_code ?? error.code ?? "card_declined",
              failureMessage: error.message,
            };
          }
          throw error;
        }
      } catch (error) {
        translate(error);
      }
    },
    async previewPlanChange(change) {
      const immediate = planItemsParam(change);
      try {
        if (immediate.length === 0) return { prorationNow: 0, nextRenewal: shapeTotal(change.atRenewal ?? change.now), currency: change.currency };
        const preview = await stripe.invoices.createPreview({
          subscription: change.subscriptionId,
          subscription_details: { items: immediate, proration_behavior: "always_invoice", proration_date: seconds(change.at) },
        });
        return { prorationNow: amountBeforeTax(preview), nextRenewal: shapeTotal(change.atRenewal ?? change.now), currency: preview.currency.toUpperCase() };
      } catch (error) {
        translate(error);
      }
    },
    async changePlan(change) {
      const key = change.idempotencyKey;
      const immediate = planItemsParam(change);
      let madeAtProvider = false;
      try {
        let prorationAmount = 0;
        let invoiceId: string | null = null;
        let currency = change.currency;
        const itemIds: Record<string, string> = {};
        for (const item of change.now.items) if (item.itemId) itemIds[item.key] = item.itemId;
        const pending = immediate.length > 0 || change.atRenewal ? await prepareForChange(change.subscriptionId, !!change.atRenewal) : null;
        if (immediate.length > 0) {
          const subscription = await stripe.subscriptions.update(
            change.subscriptionId,
            { items: immediate, proration_behavior: "always_invoice", proration_date: seconds(change.at), ...NEVER_COLLECT, expand: ["latest_invoice"] },
            { idempotencyKey: `${key}:update` },
          );
          madeAtProvider = true;
          for (const item of change.now.items) {
            const found = subscription.items.data.find((i) => i.price.id === item.priceId);
            if (!found) throw new GatewayRequestError(`the provider did not confirm ${item.key === "seats" ? "the plan" : "a calling package"}`);
            itemIds[item.key] = found.id;
          }
          const invoice = prorationInvoice(subscription, seconds(change.at));
          prorationAmount = invoice ? amountBeforeTax(invoice) : 0;
          invoiceId = invoice?.id ?? null;
          currency = (invoice?.currency ?? currency).toUpperCase();
        }
        let scheduleId: string | null = null;
        if (change.atRenewal) {
          // One schedule per subscription: the one still to run is rewritten, else one is
          // made. Without a key of ours: the provider refuses a second schedule for the
          // same subscription, and a retry finds the first one attached (see above).
          const schedule = pending ?? (await stripe.subscriptionSchedules.create({ from_subscription: change.subscriptionId }));
          const phase = (shape: PlanShape) => shape.items.map((item) => ({ price: item.priceId, quantity: item.quantity }));
          const current = schedule.phases[0];
          if (schedule.metadata?.changeKey !== key) {
            // Setting the same phases again changes nothing, so a lost answer is simply asked again.
            await stripe.subscriptionSchedules.update(schedule.id, {
              end_behavior: "release",
              metadata: { changeKey: key },
              phases: [
                {
                  items: phase(change.now),
                  // The current phase keeps the dates the provider gave it.
                  start_date: current?.start_date ?? seconds(change.period.start),
                  end_date: current?.end_date ?? seconds(change.period.end),
                  proration_behavior: "none",
                },
                { items: phase(change.atRenewal), duration: { interval: change.atRenewal.interval, interval_count: 1 }, proration_behavior: "none" },
              ],
            });
          }
          scheduleId = schedule.id;
        }
        return { prorationAmount, currency, invoiceId, itemIds, scheduleId };
      } catch (error) {
        // Once the provider has made part of the change (and may have charged it), a later
        // refusal is no refusal of the whole: the outcome is not known, and asking again
        // with the same key finds what was made.
        if (madeAtProvider) {
          throw new GatewayUnavailableError(
            `the change was made in part at the provider: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        if (error instanceof GatewayRequestError) throw error;
        translate(error);
      }
    },
    async cancelScheduledChange({ scheduleId }) {
      if (!scheduleId) return;
      try {
        await stripe.subscriptionSchedules.release(scheduleId, {}, { idempotencyKey: `release:${scheduleId}` });
      } catch (error) {
        translate(error);
      }
    },
    async setCancelAtPeriodEnd({ subscriptionId, cancel, reason }) {
      try {
        await prepareForChange(subscriptionId, false);
        const subscription = await stripe.subscriptions.update(subscriptionId, {
          cancel_at_period_end: cancel,
          ...NEVER_COLLECT,
          ...(cancel && reason ? { cancellation_details: { comment: reason.slice(0, 500) } } : {}),
        });
        return subscription.cancel_at_period_end;
      } catch (error) {
        translate(error);
      }
    },
    async startSubscription(request) {
      // Never later than the provider's own next billing date: a form's time may be a little ahead.
      const periodEnd = firstPeriodEnd(new Date(Math.min(request.at.getTime(), Date.now())), request.shape.interval);
      let created = false;
      try {
        // A start made earlier and never recorded (its answer lost, and given up on) is
        // ended, charged nothing: the account has no plan, so it is not one.
        for await (const earlier of stripe.subscriptions.list({ customer: request.customerId, limit: 100 })) {
          if (earlier.metadata?.accountId !== request.accountId || earlier.metadata?.startKey === request.idempotencyKey) continue;
          await stripe.subscriptions.cancel(earlier.id, {}, { idempotencyKey: `cancel-unrecorded:${earlier.id}` });
        }
        // The first period is charged by its own invoice when it closes, as every period
        // is: anchored at its end without proration, the provider's first invoice is zero.
        const subscription = await stripe.subscriptions.create(
          {
            customer: request.customerId,
            default_payment_method: request.paymentMethodId,
            items: request.shape.items.map((item) => ({ price: item.priceId, quantity: item.quantity })),
            metadata: { accountId: request.accountId, startKey: request.idempotencyKey },
            billing_cycle_anchor: seconds(periodEnd),
            proration_behavior: "none",
            payment_behavior: "error_if_incomplete",
          },
          { idempotencyKey: request.idempotencyKey },
        );
        created = true;
        await stripe.subscriptions.update(subscription.id, { ...NEVER_COLLECT }, { idempotencyKey: `${request.idempotencyKey}:never-collect` });
        const itemIds: Record<string, string> = {};
        for (const item of request.shape.items) {
          const found = subscription.items.data.find((i) => i.price.id === item.priceId);
          if (!found) throw new GatewayRequestError("the provider did not confirm the subscription's items");
          itemIds[item.key] = found.id;
        }
        const first = subscription.items.data[0]!;
        return {
          subscriptionId: subscription.id,
          itemIds,
          periodStart: new Date(first.current_period_start * 1000),
          periodEnd: new Date(first.current_period_end * 1000),
        };
      } catch (error) {
        // Started, but not yet kept from collecting: asking again with the same key finishes it.
        if (created) {
          throw new GatewayUnavailableError(
            `the subscription was started at the provider, not yet confirmed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        if (error instanceof GatewayRequestError) throw error;
        translate(error);
      }
    },
    async stopCollecting({ subscriptionId }) {
      try {
        const subscription = await stripe.subscriptions.retrieve(subscriptionId);
        if (subscription.status === "canceled" || subscription.status === "incomplete_expired") return;
        // Naturally idempotent, so no key: a fixed one would replay an old answer after
        // someone turned collection back on at the provider.
        if (subscription.pause_collection?.behavior !== "void") await stripe.subscriptions.update(subscriptionId, { ...NEVER_COLLECT });
        // What it made before the pause would still be collected: our invoices charge it.
        for await (const invoice of stripe.invoices.list({ subscription: subscriptionId, limit: 100 })) {
          if (!invoice.id || !invoice.billing_reason?.startsWith("subscription")) continue;
          if (invoice.status === "draft") await stripe.invoices.del(invoice.id);
          else if (invoice.status === "open") await stripe.invoices.voidInvoice(invoice.id);
        }
      } catch (error) {
        translate(error);
      }
    },
    async markInvoiceUncollectible({ providerInvoiceId }) {
      try {
        const invoice = await stripe.invoices.retrieve(providerInvoiceId);
        if (invoice.status === "uncollectible" || invoice.status === "paid" || invoice.status === "void") return;
        await stripe.invoices.markUncollectible(providerInvoiceId);
      } catch (error) {
        translate(error);
      }
    },
    async retrievePaymentMethod(id): Promise<SavedPaymentMethod> {
      try {
        const pm = await stripe.paymentMethods.retrieve(id);
        return {
          providerPaymentMethodId: pm.id,
          type: pm.type === "paypal" ? "paypal" : "card",
          card: pm.card
            ? { brand: pm.card.brand, last4: pm.card.last4, expMonth: pm.card.exp_month, expYear: pm.card.exp_year }
            : null,
          paypalEmail: pm.paypal?.payer_email ?? pm.billing_details?.email ?? null,
        };
      } catch (error) {
        translate(error);
      }
    },
  };
}
