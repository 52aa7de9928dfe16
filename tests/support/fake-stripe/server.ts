import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { parseStripeForm } from "./form";
import { TEST_PAYMENT_METHODS } from "./test-cards";

/**
 * A Stripe-compatible HTTP server for tests: stateful for the endpoints the app calls,
 * driven by the real Stripe SDK. It honours idempotency keys, charges Stripe's test
 * payment methods with their real outcomes, invoices subscriptions (the period at its
 * start and at each renewal, and changes made with always_invoice, prorated by the second
 * as Stripe does; voided instead of paid while collection is paused with "void"), runs
 * subscription schedules phase by phase, makes, finalizes and pays one-off invoices of invoice items (invoice.paid,
 * invoice.payment_failed), sends signed webhooks, and can answer 500 or stall on command.
 */

type Json = Record<string, unknown>;

export interface FakeStripeOptions {
  webhookSecret: string;
  /** Where to POST webhooks; may be set later with setWebhookUrl. */
  webhookUrl?: string;
}

export type Fault = { kind: "error500" } | { kind: "stall" } | { kind: "error500AfterCharge" } | { kind: "error400" } | { kind: "none" };

export interface FakeStripe {
  url: string;
  port: number;
  /** The next `times` API requests fail this way (webhooks are not affected). */
  failNext(fault: Fault, times?: number): void;
  setWebhookUrl(url: string | null): void;
  /** Every webhook event sent so far, in order, with the app's answer. */
  sentEvents(): { event: Stripe.Event; status: number }[];
  /** Events generated, whether or not delivery succeeded (for replays in tests). */
  events(): Stripe.Event[];
  /** Resolves once no webhook delivery is in flight. */
  whenIdle(): Promise<void>;
  /** Sends an event (again) to the webhook URL, signed; returns the HTTP status. */
  deliver(event: Stripe.Event, options?: { signWith?: string; tamper?: boolean }): Promise<number>;
  paymentIntents(): Json[];
  /**
   * A subscription as the app's seed knows it, invoiced for its period at its start: a
   * voided invoice, as the app keeps its subscriptions from collecting, unless
   * `collecting` (one made before that rule, or changed by hand at the provider).
   */
  addSubscription(subscription: { id: string; itemId: string; customer: string; quantity: number; unitAmount: number; currency: string; periodStart: Date; periodEnd: Date; priceId?: string; collecting?: boolean }): void;
  subscription(id: string): Json | undefined;
  /** A recurring price the app may name (plans and calling packages), per interval. */
  addPrice(price: { id: string; unitAmount: number; currency: string; interval: "month" | "year" }): void;
  /**
   * The period ends: a subscription canceled at period end is deleted, otherwise the
   * schedule's next phase (if any) takes effect and the next period starts; the matching
   * customer.subscription event is sent.
   */
  renew(subscriptionId: string): void;
  /** The provider moves the subscription to another status (e.g. past_due) and says so. */
  setStatus(subscriptionId: string, status: string): void;
  schedule(id: string): Json | undefined;
  invoice(id: string): Json | undefined;
  /** Completes 3-D Secure for a payment intent, as the cardholder would in the browser. */
  authenticate(paymentIntentId: string): Promise<Json>;
  close(): Promise<void>;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

/** The states in which Stripe lets a payment intent be canceled. */
const CANCELABLE = ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];

function stripeError(status: number, error: Json) {
  return { status, body: { error } };
}

export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  const customers = new Map<string, Json>();
  const setupIntents = new Map<string, Json>();
  const paymentIntents = new Map<string, Json>();
  const subscriptions = new Map<string, Json>();
  const invoices = new Map<string, Json>();
  const prices = new Map<string, Json>();
  const schedules = new Map<string, Json>();
  const idempotent = new Map<string, { status: number; body: unknown; request: string }>();
  const generated: Stripe.Event[] = [];
  const sent: { event: Stripe.Event; status: number }[] = [];
  const faults: Fault[] = [];
  const stalled = new Set<http.ServerResponse>();
  let webhookUrl = options.webhookUrl ?? null;
  let inFlight = 0;
  let server: http.Server;

  async function deliver(event: Stripe.Event, how: { signWith?: string; tamper?: boolean } = {}): Promise<number> {
    if (!webhookUrl) return 0;
    const payload = JSON.stringify(event);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: how.signWith ?? options.webhookSecret });
    const body = how.tamper ? payload.replace(/"amount":\d+/, '"amount":999999') : payload;
    inFlight++;
    try {
      const response = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": header },
        body,
      });
      await response.text();
      sent.push({ event, status: response.status });
      return response.status;
    } catch {
      sent.push({ event, status: 0 });
      return 0;
    } finally {
      inFlight--;
    }
  }

  function emit(type: string, object: Json) {
    const event = {
      id: newId("evt"),
      object: "event",
      api_version: "2025-01-27.acacia",
      created: Math.floor(Date.now() / 1000),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: structuredClone(object) },
    } as unknown as Stripe.Event;
    generated.push(event);
    void deliver(event);
  }

  function paymentMethodObject(id: string, customer?: string): Json | null {
    const known = TEST_PAYMENT_METHODS[id];
    if (!known) return null;
    return {
      id,
      object: "payment_method",
      type: known.type,
      customer: customer ?? null,
      card: known.card ?? null,
      paypal: known.paypal ?? null,
      billing_details: { email: known.paypal?.payer_email ?? null },
    };
  }

  function unexpectedState(intent: Json, verb: string) {
    return stripeError(400, {
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
      message: `You cannot ${verb} this PaymentIntent because it has a status of ${intent.status}.`,
      payment_intent: structuredClone(intent),
    });
  }

  /** Charges a payment intent with its payment method's real test outcome. */
  function confirm(intent: Json, offSession: boolean): { status: number; body: unknown } {
    if (intent.status === "succeeded" || intent.status === "canceled") return unexpectedState(intent, "confirm");
    const pm = TEST_PAYMENT_METHODS[String(intent.payment_method)];
    if (!pm) {
      return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: `No such PaymentMethod: '${intent.payment_method}'`, param: "payment_method" });
    }
    const decline = (code: string, declineCode: string | null, message: string) => {
      intent.status = "requires_payment_method";
      intent.last_payment_error = { type: "card_error", code, decline_code: declineCode, message };
      emit("payment_intent.payment_failed", intent);
      return stripeError(402, { type: "card_error", code, decline_code: declineCode, message, payment_intent: structuredClone(intent) });
    };
    if (pm.outcome === "declined") return decline("card_declined", "generic_decline", "Your card was declined.");
    if (pm.outcome === "insufficient_funds") {
      return decline("card_declined", "insufficient_funds", "Your card has insufficient funds.");
    }
    if (pm.outcome === "authentication_required" && !intent.authenticated) {
      if (offSession) {
        return decline("authentication_required", "authentication_required", "Your card was declined. This transaction requires authentication.");
      }
      intent.status = "requires_action";
      intent.next_action = { type: "use_stripe_sdk" };
      emit("payment_intent.requires_action", intent);
      return { status: 200, body: intent };
    }
    intent.status = "succeeded";
    intent.amount_received = intent.amount;
    intent.last_payment_error = null;
    intent.next_action = null;
    emit("payment_intent.succeeded", intent);
    return { status: 200, body: intent };
  }

  /**
   * Sets a card up for later payments with its real test outcome: the declined card is
   * refused here already (card_declined), the 3-D Secure card needs the cardholder, and
   * the others (insufficient funds included: nothing is charged) succeed.
   */
  function confirmSetup(intent: Json, pm: Json): { status: number; body: unknown } {
    if (intent.status === "succeeded" || intent.status === "canceled") {
      return stripeError(400, { type: "invalid_request_error", code: "setup_intent_unexpected_state", message: `You cannot confirm this SetupIntent because it has a status of ${intent.status}.`, setup_intent: structuredClone(intent) });
    }
    const outcome = TEST_PAYMENT_METHODS[String(pm.id)]!.outcome;
    if (outcome === "declined") {
      const error = { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined.", payment_method: pm };
      intent.status = "requires_payment_method";
      intent.payment_method = null;
      intent.last_setup_error = error;
      emit("setup_intent.setup_failed", intent);
      return stripeError(402, { ...error, setup_intent: structuredClone(intent) });
    }
    intent.payment_method = pm.id;
    intent.last_setup_error = null;
    if (outcome === "authentication_required") {
      intent.status = "requires_action";
      intent.next_action = { type: "use_stripe_sdk" };
      emit("setup_intent.requires_action", intent);
      return { status: 200, body: intent };
    }
    intent.status = "succeeded";
    intent.next_action = null;
    emit("setup_intent.succeeded", intent);
    return { status: 200, body: intent };
  }

  type Item = Json & { id: string; quantity: number; price: { id: string; unit_amount: number; currency: string; recurring?: unknown } };

  function lineItem(subscription: Json, item: Item, line: { amount: number; quantity: number; proration: boolean; start: number; end: number; description: string }): Json {
    return {
      id: newId("il"),
      object: "line_item",
      amount: line.amount,
      subtotal: line.amount,
      currency: item.price.currency,
      description: line.description,
      quantity: line.quantity,
      period: { start: line.start, end: line.end },
      parent: {
        type: "subscription_item_details",
        subscription_item_details: { subscription: subscription.id, subscription_item: item.id, proration: line.proration, invoice_item: null, proration_details: { credited_items: null } },
        invoice_item_details: null,
      },
      pricing: { type: "price_details", price_details: { price: "price_seat", product: "prod_seat" }, unit_amount_decimal: String(item.price.unit_amount) },
    };
  }

  /** One month or year later, on the last day of a shorter month (31 Jan → 28 Feb), as Stripe bills. */
  function addInterval(start: number, interval: string): number {
    const date = new Date(start * 1000);
    const target = date.getUTCMonth() + (interval === "year" ? 12 : 1);
    const year = date.getUTCFullYear() + Math.floor(target / 12);
    const month = target % 12;
    const day = Math.min(date.getUTCDate(), new Date(Date.UTC(year, month + 1, 0)).getUTCDate());
    return Math.floor(Date.UTC(year, month, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()) / 1000);
  }

  function newItem(price: Json, quantity: number, start: number, end: number): Item {
    return { id: newId("si"), object: "subscription_item", quantity, current_period_start: start, current_period_end: end, price: structuredClone(price) as Item["price"] };
  }

  /**
   * A subscription's items after an update's `items` (kept with a new price or quantity,
   * added, or deleted), and the proration lines of the change at `at`: for each item
   * changed, a credit for the unused time of what it was and a charge for the remaining
   * time of what it is, each rounded on its own. The subscription itself is not changed.
   */
  function applyItems(subscription: Json, wanted: Json[], at: number): { items: Item[]; lines: Json[] } | { error: { status: number; body: unknown } } {
    const start = Number(subscription.current_period_start);
    const end = Number(subscription.current_period_end);
    const left = Math.max(0, Math.min(end - at, end - start));
    const share = (amount: number) => Math.sign(amount) * Math.round((Math.abs(amount) * left) / (end - start));
    const after = new Date(at * 1000).toISOString().slice(0, 10);
    const items = (subscription.items as { data: Item[] }).data.map((i) => structuredClone(i));
    const lines: Json[] = [];
    const invalid = (message: string) => ({ error: stripeError(400, { type: "invalid_request_error", message, param: "items" }) });
    for (const w of wanted) {
      const quantity = w.quantity === undefined ? undefined : Number(w.quantity);
      if (quantity !== undefined && (!Number.isInteger(quantity) || quantity < 0)) return invalid("Invalid items");
      const price = w.price === undefined ? undefined : prices.get(String(w.price));
      if (w.price !== undefined && !price) return invalid(`No such price: '${w.price}'`);
      if (w.id === undefined) {
        if (!price) return invalid("Invalid items: a new item needs a price");
        const item = newItem(price, quantity ?? 1, start, end);
        items.push(item);
        if (left > 0) lines.push(lineItem(subscription, item, { amount: share(item.price.unit_amount * item.quantity), quantity: item.quantity, proration: true, start: at, end, description: `Remaining time on ${item.quantity} × ${item.price.id} after ${after}` }));
        continue;
      }
      const index = items.findIndex((i) => i.id === w.id);
      const item = items[index];
      if (!item) return invalid("Invalid items");
      const unused = () => lineItem(subscription, item, { amount: -share(item.price.unit_amount * item.quantity), quantity: item.quantity, proration: true, start: at, end, description: `Unused time on ${item.quantity} × ${item.price.id === "price_seat" ? "Seat" : item.price.id} after ${after}` });
      if (w.deleted === "true") {
        if (left > 0) lines.push(unused());
        items.splice(index, 1);
        continue;
      }
      const next: Item = { ...item, quantity: quantity ?? item.quantity, price: price ? (structuredClone(price) as Item["price"]) : item.price };
      if (left > 0 && (next.quantity !== item.quantity || next.price.unit_amount !== item.price.unit_amount)) {
        lines.push(unused());
        lines.push(lineItem(subscription, next, { amount: share(next.price.unit_amount * next.quantity), quantity: next.quantity, proration: true, start: at, end, description: `Remaining time on ${next.quantity} × ${next.price.id === "price_seat" ? "Seat" : next.price.id} after ${after}` }));
      }
      items[index] = next;
    }
    return { items, lines };
  }

  /** A subscription's own invoice: collected (paid), or voided while its collection is paused with "void". */
  function invoiceObject(subscription: Json, lines: Json[], billingReason: string, created: number): Json {
    const total = lines.reduce((sum, line) => sum + Number(line.amount), 0);
    const id = newId("in");
    const voided = (subscription.pause_collection as { behavior?: string } | null | undefined)?.behavior === "void";
    return {
      id,
      object: "invoice",
      customer: subscription.customer,
      currency: (lines[0]?.currency as string | undefined) ?? "eur",
      billing_reason: billingReason,
      created,
      status: voided ? "void" : "paid",
      amount_paid: voided ? 0 : Math.max(0, total),
      parent: { type: "subscription_details", subscription_details: { subscription: subscription.id, metadata: {} }, quote_details: null },
      lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
      subtotal: total,
      subtotal_excluding_tax: total,
      total,
      total_excluding_tax: total,
      // A credit is never due: Stripe puts it on the customer's balance.
      amount_due: Math.max(0, total),
    };
  }

  function issueInvoice(subscription: Json, lines: Json[], billingReason: string, created: number) {
    const invoice = invoiceObject(subscription, lines, billingReason, created);
    invoices.set(String(invoice.id), invoice);
    subscription.latest_invoice = invoice.id;
    if (billingReason === "subscription_cycle") emit(invoice.status === "void" ? "invoice.voided" : "invoice.paid", invoice);
    return invoice;
  }

  function setPauseCollection(subscription: Json, value: unknown) {
    subscription.pause_collection = value && typeof value === "object" ? { behavior: String((value as Json).behavior), resumes_at: null } : null;
  }

  function withExpanded(subscription: Json, expand: unknown): Json {
    const copy = structuredClone(subscription);
    if (Array.isArray(expand) && expand.includes("latest_invoice") && copy.latest_invoice) {
      copy.latest_invoice = structuredClone(invoices.get(String(copy.latest_invoice)) ?? null);
    }
    return copy;
  }

  function route(method: string, path: string, params: Json): { status: number; body: unknown } {
    let match: RegExpMatchArray | null;
    if (method === "POST" && path === "/v1/customers") {
      const customer = { id: newId("cus"), object: "customer", email: params.email ?? null, name: params.name ?? null, metadata: params.metadata ?? {}, invoice_settings: { default_payment_method: null } };
      customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if ((match = path.match(/^\/v1\/customers\/([\w]+)$/))) {
      const customer = customers.get(match[1]!);
      if (!customer) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such customer: '${match[1]}'` });
      if (method === "POST") Object.assign(customer, params);
      return { status: 200, body: customer };
    }
    if (method === "POST" && path === "/v1/setup_intents") {
      if (!customers.has(String(params.customer))) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: "No such customer", param: "customer" });
      const intent = { id: newId("seti"), object: "setup_intent", client_secret: `${newId("seti")}_secret_${newId("x")}`, customer: params.customer, status: "requires_payment_method", usage: params.usage ?? "off_session", payment_method: null, payment_method_types: params.payment_method_types ?? ["card"], metadata: params.metadata ?? {} };
      setupIntents.set(intent.id, intent);
      return { status: 200, body: intent };
    }
    if (method === "POST" && (match = path.match(/^\/v1\/setup_intents\/([\w]+)\/confirm$/))) {
      const intent = setupIntents.get(match[1]!);
      const pm = paymentMethodObject(String(params.payment_method), String(intent?.customer));
      if (!intent || !pm) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: "No such setup intent or payment method" });
      return confirmSetup(intent, pm);
    }
    if (method === "GET" && (match = path.match(/^\/v1\/payment_methods\/([\w]+)$/))) {
      const pm = paymentMethodObject(match[1]!);
      if (!pm) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such PaymentMethod: '${match[1]}'` });
      return { status: 200, body: pm };
    }
    if (method === "POST" && path === "/v1/payment_intents") {
      const amount = Number(params.amount);
      if (!Number.isInteger(amount) || amount < 50) {
        return stripeError(400, { type: "invalid_request_error", code: "amount_too_small", message: "Amount must be at least 50 cents", param: "amount" });
      }
      if (!customers.has(String(params.customer))) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: "No such customer", param: "customer" });
      const intent: Json = { id: newId("pi"), object: "payment_intent", amount, currency: String(params.currency).toLowerCase(), customer: params.customer, payment_method: params.payment_method ?? null, status: "requires_confirmation", client_secret: `${newId("pi")}_secret_${newId("x")}`, metadata: params.metadata ?? {}, last_payment_error: null, next_action: null, amount_received: 0 };
      paymentIntents.set(String(intent.id), intent);
      if (params.confirm === "true") return confirm(intent, params.off_session === "true");
      return { status: 200, body: intent };
    }
    if ((match = path.match(/^\/v1\/payment_intents\/([\w]+)$/)) && method === "GET") {
      const intent = paymentIntents.get(match[1]!);
      if (!intent) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such payment_intent: '${match[1]}'` });
      return { status: 200, body: intent };
    }
    if (method === "POST" && (match = path.match(/^\/v1\/payment_intents\/([\w]+)\/cancel$/))) {
      const intent = paymentIntents.get(match[1]!);
      if (!intent) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: "No such payment_intent" });
      if (!CANCELABLE.includes(String(intent.status))) return unexpectedState(intent, "cancel");
      intent.status = "canceled";
      intent.canceled_at = Math.floor(Date.now() / 1000);
      intent.cancellation_reason = params.cancellation_reason ?? null;
      intent.next_action = null;
      emit("payment_intent.canceled", intent);
      return { status: 200, body: intent };
    }
    if (method === "POST" && (match = path.match(/^\/v1\/payment_intents\/([\w]+)\/confirm$/))) {
      const intent = paymentIntents.get(match[1]!);
      if (!intent) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: "No such payment_intent" });
      if (params.payment_method) intent.payment_method = params.payment_method;
      return confirm(intent, params.off_session === "true");
    }
    if (method === "POST" && path === "/v1/subscriptions") {
      if (params.pause_collection !== undefined) {
        return stripeError(400, { type: "invalid_request_error", message: "Received unknown parameter: pause_collection", param: "pause_collection" });
      }
      if (!customers.has(String(params.customer))) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: "No such customer", param: "customer" });
      const wanted = (params.items as Json[] | undefined) ?? [];
      const chosen = wanted.map((w) => ({ price: prices.get(String(w.price)), quantity: Number(w.quantity ?? 1) }));
      if (chosen.length === 0 || chosen.some((c) => !c.price || !Number.isInteger(c.quantity) || c.quantity < 1)) {
        return stripeError(400, { type: "invalid_request_error", message: "Invalid items: each needs a known price and a quantity", param: "items" });
      }
      const pm = TEST_PAYMENT_METHODS[String(params.default_payment_method ?? "")];
      if (!pm) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: "No such PaymentMethod", param: "default_payment_method" });
      const interval = String((chosen[0]!.price!.recurring as Json).interval);
      const start = Math.floor(Date.now() / 1000);
      const natural = addInterval(start, interval);
      // A billing cycle anchor in the future, without proration: the time up to it is not charged.
      const anchor = params.billing_cycle_anchor === undefined ? null : Number(params.billing_cycle_anchor);
      if (anchor !== null && (!Number.isInteger(anchor) || anchor <= start || anchor > natural)) {
        return stripeError(400, { type: "invalid_request_error", message: "billing_cycle_anchor must be in the future and within one billing period", param: "billing_cycle_anchor" });
      }
      const free = anchor !== null && params.proration_behavior === "none";
      if (pm.outcome !== "succeeds" && !free) {
        return stripeError(402, { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." });
      }
      const end = anchor ?? natural;
      const subscription: Json = { id: newId("sub"), object: "subscription", customer: params.customer, status: "active", cancel_at_period_end: false, current_period_start: start, current_period_end: end, latest_invoice: null, schedule: null, metadata: params.metadata ?? {}, default_payment_method: params.default_payment_method, items: { object: "list", data: [] } };
      const items = (subscription.items as { data: Item[] }).data;
      for (const c of chosen) items.push(newItem(c.price!, c.quantity, start, end));
      subscriptions.set(String(subscription.id), subscription);
      issueInvoice(subscription, items.map((item) => lineItem(subscription, item, { amount: free ? 0 : item.price.unit_amount * item.quantity, quantity: item.quantity, proration: false, start, end, description: `${item.quantity} × ${item.price.id}` })), "subscription_create", start);
      emit("customer.subscription.created", subscription);
      return { status: 200, body: withExpanded(subscription, params.expand) };
    }
    if (method === "GET" && path === "/v1/subscriptions") {
      // Stripe lists all but canceled subscriptions unless asked for a status.
      const list = [...subscriptions.values()]
        .filter((sub) => !params.customer || sub.customer === params.customer)
        .filter((sub) => (params.status ? params.status === "all" || sub.status === params.status : sub.status !== "canceled"));
      return { status: 200, body: { object: "list", data: list.map((sub) => structuredClone(sub)), has_more: false, url: "/v1/subscriptions" } };
    }
    if (method === "DELETE" && (match = path.match(/^\/v1\/subscriptions\/([\w]+)$/))) {
      const subscription = subscriptions.get(match[1]!);
      if (!subscription) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: "No such subscription" });
      if (subscription.status === "canceled") return stripeError(400, { type: "invalid_request_error", message: "This subscription has already been canceled." });
      Object.assign(subscription, { status: "canceled", ended_at: Math.floor(Date.now() / 1000), canceled_at: Math.floor(Date.now() / 1000) });
      emit("customer.subscription.deleted", subscription);
      return { status: 200, body: structuredClone(subscription) };
    }
    if ((match = path.match(/^\/v1\/subscriptions\/([\w]+)$/))) {
      const subscription = subscriptions.get(match[1]!);
      if (!subscription) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: "No such subscription" });
      if (method === "POST") {
        if (params.cancel_at_period_end !== undefined && subscription.schedule) {
          return stripeError(400, { type: "invalid_request_error", message: "The subscription is managed by a subscription schedule; update its cancelation on the schedule instead." });
        }
        const at = Number(params.proration_date ?? Math.floor(Date.now() / 1000));
        let lines: Json[] = [];
        if (params.items !== undefined) {
          const applied = applyItems(subscription, params.items as Json[], at);
          if ("error" in applied) return applied.error;
          lines = applied.lines;
          (subscription.items as { data: Item[] }).data = applied.items;
        }
        if (params.cancel_at_period_end !== undefined) {
          subscription.cancel_at_period_end = params.cancel_at_period_end === "true";
          subscription.cancellation_details = { comment: (params.cancellation_details as Json | undefined)?.comment ?? null };
        }
        if (params.proration_behavior === "always_invoice" && lines.length > 0) {
          issueInvoice(subscription, lines, "subscription_update", Math.floor(Date.now() / 1000));
        }
        // Taken after the request's own invoice: nothing promises a pause sent with a change
        // applies before that change is invoiced.
        if (params.pause_collection !== undefined) setPauseCollection(subscription, params.pause_collection);
        emit("customer.subscription.updated", subscription);
      }
      return { status: 200, body: withExpanded(subscription, params.expand) };
    }
    if (method === "POST" && path === "/v1/subscription_schedules") {
      const subscription = subscriptions.get(String(params.from_subscription));
      if (!subscription) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: "No such subscription", param: "from_subscription" });
      if (subscription.schedule) return stripeError(400, { type: "invalid_request_error", message: "This subscription is already attached to a schedule." });
      const items = (subscription.items as { data: Item[] }).data;
      const schedule: Json = {
        id: newId("sub_sched"),
        object: "subscription_schedule",
        subscription: subscription.id,
        status: "active",
        end_behavior: "release",
        metadata: {},
        phases: [{ start_date: subscription.current_period_start, end_date: subscription.current_period_end, items: items.map((i) => ({ price: i.price.id, quantity: i.quantity })) }],
        current_phase: { start_date: subscription.current_period_start, end_date: subscription.current_period_end },
      };
      schedules.set(String(schedule.id), schedule);
      subscription.schedule = schedule.id;
      return { status: 200, body: schedule };
    }
    if (method === "POST" && (match = path.match(/^\/v1\/subscription_schedules\/([\w]+)\/release$/))) {
      const schedule = schedules.get(match[1]!);
      if (!schedule) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: "No such subscription schedule" });
      if (schedule.status !== "active") return stripeError(400, { type: "invalid_request_error", message: `You cannot release a subscription schedule that is ${schedule.status}.` });
      schedule.status = "released";
      schedule.current_phase = null;
      const subscription = subscriptions.get(String(schedule.subscription));
      if (subscription) subscription.schedule = null;
      return { status: 200, body: schedule };
    }
    if (method === "GET" && (match = path.match(/^\/v1\/subscription_schedules\/([\w]+)$/))) {
      const schedule = schedules.get(match[1]!);
      if (!schedule) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: "No such subscription schedule" });
      return { status: 200, body: schedule };
    }
    if (method === "POST" && (match = path.match(/^\/v1\/subscription_schedules\/([\w]+)$/))) {
      const schedule = schedules.get(match[1]!);
      if (!schedule) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: "No such subscription schedule" });
      if (schedule.status !== "active") {
        return stripeError(400, { type: "invalid_request_error", message: `You cannot update a subscription schedule that is currently in the \`${schedule.status}\` status.` });
      }
      const current = schedule.current_phase as { start_date: number } | null;
      const first = ((params.phases as Json[] | undefined) ?? [])[0];
      // Stripe refuses to move the start of a phase that has begun.
      if (current && first && first.start_date !== undefined && Number(first.start_date) !== current.start_date) {
        return stripeError(400, { type: "invalid_request_error", message: "You can not modify the start date of the current phase.", param: "phases[0][start_date]" });
      }
      const phases = (params.phases as Json[] | undefined) ?? [];
      for (const phase of phases) {
        for (const item of (phase.items as Json[] | undefined) ?? []) {
          if (!prices.has(String(item.price))) return stripeError(400, { type: "invalid_request_error", message: `No such price: '${item.price}'`, param: "phases" });
        }
      }
      if (phases.length > 0) schedule.phases = phases;
      if (params.end_behavior) schedule.end_behavior = params.end_behavior;
      if (params.metadata) schedule.metadata = { ...(schedule.metadata as Json), ...(params.metadata as Json) };
      return { status: 200, body: schedule };
    }
    if (method === "GET" && path === "/v1/invoices") {
      const list = [...invoices.values()]
        .filter((i) => !params.subscription || (i.parent as { subscription_details?: { subscription: string } } | null)?.subscription_details?.subscription === params.subscription)
        .filter((i) => !params.customer || i.customer === params.customer)
        .sort((a, b) => Number(b.created) - Number(a.created));
      return { status: 200, body: { object: "list", data: list, has_more: false, url: "/v1/invoices" } };
    }
    if (method === "GET" && (match = path.match(/^\/v1\/invoices\/([\w]+)$/))) {
      const invoice = invoices.get(match[1]!);
      if (!invoice) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such invoice: '${match[1]}'` });
      return { status: 200, body: invoice };
    }
    if (method === "POST" && path === "/v1/invoices") {
      if (!customers.has(String(params.customer))) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: "No such customer", param: "customer" });
      const id = newId("in");
      const invoice: Json = {
        id,
        object: "invoice",
        customer: params.customer,
        currency: String(params.currency ?? "eur").toLowerCase(),
        collection_method: params.collection_method ?? "charge_automatically",
        auto_advance: params.auto_advance === "true",
        billing_reason: "manual",
        description: params.description ?? null,
        created: Math.floor(Date.now() / 1000),
        status: "draft",
        parent: null,
        metadata: params.metadata ?? {},
        lines: { object: "list", data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
        subtotal: 0,
        subtotal_excluding_tax: 0,
        total: 0,
        total_excluding_tax: 0,
        amount_due: 0,
        amount_paid: 0,
        payment_intent: null,
      };
      invoices.set(id, invoice);
      return { status: 200, body: invoice };
    }
    if (method === "POST" && path === "/v1/invoiceitems") {
      const invoice = invoices.get(String(params.invoice));
      if (!invoice) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: `No such invoice: '${params.invoice}'`, param: "invoice" });
      if (invoice.status !== "draft") return stripeError(400, { type: "invalid_request_error", message: "You can only add invoice items to draft invoices.", param: "invoice" });
      const amount = Number(params.amount);
      if (!Number.isInteger(amount)) return stripeError(400, { type: "invalid_request_error", message: "Invalid integer: amount", param: "amount" });
      const item = { id: newId("ii"), object: "invoiceitem", amount, currency: String(params.currency).toLowerCase(), description: params.description ?? null, invoice: invoice.id, customer: params.customer };
      const lines = invoice.lines as { data: Json[] };
      lines.data.push({ id: newId("il"), object: "line_item", amount, subtotal: amount, currency: item.currency, description: item.description, quantity: 1, parent: { type: "invoice_item_details", invoice_item_details: { invoice_item: item.id }, subscription_item_details: null } });
      const total = lines.data.reduce((sum, line) => sum + Number(line.amount), 0);
      Object.assign(invoice, { subtotal: total, subtotal_excluding_tax: total, total, total_excluding_tax: total, amount_due: Math.max(0, total) });
      return { status: 200, body: item };
    }
    if (method === "POST" && (match = path.match(/^\/v1\/invoices\/([\w]+)\/finalize$/))) {
      const invoice = invoices.get(match[1]!);
      if (!invoice) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such invoice: '${match[1]}'` });
      if (invoice.status !== "draft") return stripeError(400, { type: "invalid_request_error", code: "invoice_not_editable", message: `This invoice is already finalized.` });
      invoice.status = "open";
      invoice.number = `FAKE-${String(invoices.size).padStart(4, "0")}`;
      emit("invoice.finalized", invoice);
      return { status: 200, body: invoice };
    }
    if (method === "POST" && (match = path.match(/^\/v1\/invoices\/([\w]+)\/mark_uncollectible$/))) {
      // As Stripe: an open invoice may be marked uncollectible; it can still be paid later.
      const invoice = invoices.get(match[1]!);
      if (!invoice) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such invoice: '${match[1]}'` });
      if (invoice.status === "uncollectible") return { status: 200, body: invoice };
      if (invoice.status !== "open") return stripeError(400, { type: "invalid_request_error", code: "invoice_not_open", message: `You cannot mark an invoice with status ${invoice.status} as uncollectible.` });
      invoice.status = "uncollectible";
      emit("invoice.marked_uncollectible", invoice);
      return { status: 200, body: invoice };
    }
    if (method === "POST" && (match = path.match(/^\/v1\/invoices\/([\w]+)\/pay$/))) {
      const invoice = invoices.get(match[1]!);
      if (!invoice) return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such invoice: '${match[1]}'` });
      if (invoice.status === "paid") return stripeError(400, { type: "invalid_request_error", code: "invoice_already_paid", message: "Invoice is already paid" });
      if (invoice.status !== "open" && invoice.status !== "uncollectible") return stripeError(400, { type: "invalid_request_error", code: "invoice_not_open", message: `You cannot pay an invoice with status ${invoice.status}.` });
      const methodId = String(params.payment_method ?? "");
      const pm = TEST_PAYMENT_METHODS[methodId];
      if (!pm) return stripeError(400, { type: "invalid_request_error", code: "resource_missing", message: `No such PaymentMethod: '${methodId}'`, param: "payment_method" });
      const intent: Json = { id: newId("pi"), object: "payment_intent", amount: invoice.amount_due, currency: invoice.currency, customer: invoice.customer, payment_method: methodId, status: "requires_confirmation", metadata: { invoice: invoice.id }, last_payment_error: null, next_action: null, amount_received: 0 };
      paymentIntents.set(String(intent.id), intent);
      invoice.payment_intent = intent.id;
      if (pm.outcome !== "succeeds") {
        const declineCode = pm.outcome === "insufficient_funds" ? "insufficient_funds" : pm.outcome === "authentication_required" ? "authentication_required" : "generic_decline";
        const message = pm.outcome === "insufficient_funds" ? "Your card has insufficient funds." : pm.outcome === "authentication_required" ? "This transaction requires authentication." : "Your card was declined.";
        intent.status = "requires_payment_method";
        intent.last_payment_error = { type: "card_error", code: "card_declined", decline_code: declineCode, message };
        invoice.attempted = true;
        invoice.attempt_count = Number(invoice.attempt_count ?? 0) + 1;
        emit("invoice.payment_failed", invoice);
        return stripeError(402, { type: "card_error", code: "card_declined", decline_code: declineCode, message, payment_intent: structuredClone(intent) });
      }
      intent.status = "succeeded";
      intent.amount_received = intent.amount;
      Object.assign(invoice, { status: "paid", amount_paid: invoice.amount_due, amount_remaining: 0, attempted: true });
      emit("invoice.paid", invoice);
      return { status: 200, body: invoice };
    }
    if (method === "POST" && path === "/v1/invoices/create_preview") {
      const subscription = subscriptions.get(String(params.subscription));
      const details = params.subscription_details as { items?: Json[]; proration_date?: string } | undefined;
      if (!subscription) return stripeError(400, { type: "invalid_request_error", message: "No such subscription or item" });
      const at = Number(details?.proration_date ?? Math.floor(Date.now() / 1000));
      const applied = applyItems(subscription, details?.items ?? [], at);
      if ("error" in applied) return stripeError(400, { type: "invalid_request_error", message: "No such subscription or item" });
      const currency = (subscription.items as { data: Item[] }).data[0]?.price.currency ?? "eur";
      const preview = invoiceObject(subscription, applied.lines, "subscription_update", Math.floor(Date.now() / 1000));
      return { status: 200, body: { ...preview, id: null, currency } };
    }
    return stripeError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path})` });
  }

  server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? "/", "http://fake-stripe");
    const fault = faults.shift();
    if (fault?.kind === "stall") {
      stalled.add(res);
      return;
    }
    if (fault?.kind === "error400") {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "Injected refusal" } }));
      return;
    }
    if (fault?.kind === "error500") {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "api_error", message: "Injected server error" } }));
      return;
    }
    const params = req.method === "GET" ? Object.fromEntries(url.searchParams) : parseStripeForm(body);
    const key = req.headers["idempotency-key"];
    const cacheKey = typeof key === "string" ? `${req.method} ${url.pathname} ${key}` : null;
    const cached = cacheKey ? idempotent.get(cacheKey) : undefined;
    let result: { status: number; body: unknown };
    if (cached && cached.request !== body) {
      // As Stripe answers a key reused with other parameters.
      result = stripeError(400, { type: "idempotency_error", message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${String(key)}' if you meant to execute a different request.` });
    } else if (cached) {
      result = cached;
    } else {
      result = route(req.method ?? "GET", url.pathname, params);
      if (cacheKey) idempotent.set(cacheKey, { ...result, request: body });
    }
    if (fault?.kind === "error500AfterCharge") {
      // The charge happened, but the answer is lost: the client must not charge twice.
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "api_error", message: "Injected error after processing" } }));
      return;
    }
    res.writeHead(result.status, { "content-type": "application/json", "request-id": newId("req") });
    res.end(JSON.stringify(result.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    sentEvents: () => [...sent],
    events: () => [...generated],
    deliver,
    async whenIdle() {
      // Deliveries start right after the API answers; give them a tick to begin.
      await new Promise((r) => setTimeout(r, 10));
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    },
    paymentIntents: () => [...paymentIntents.values()],
    addSubscription(sub) {
      const start = Math.floor(sub.periodStart.getTime() / 1000);
      const end = Math.floor(sub.periodEnd.getTime() / 1000);
      const interval = end - start > 40 * 86_400 ? "year" : "month";
      const price = { id: sub.priceId ?? "price_seat", object: "price", unit_amount: sub.unitAmount, currency: sub.currency.toLowerCase(), recurring: { interval } };
      if (!prices.has(price.id)) prices.set(price.id, price);
      const item: Item = { id: sub.itemId, object: "subscription_item", quantity: sub.quantity, current_period_start: start, current_period_end: end, price: structuredClone(price) };
      const subscription: Json = {
        id: sub.id,
        object: "subscription",
        customer: sub.customer,
        status: "active",
        cancel_at_period_end: false,
        schedule: null,
        current_period_start: start,
        current_period_end: end,
        latest_invoice: null,
        pause_collection: sub.collecting ? null : { behavior: "void", resumes_at: null },
        items: { object: "list", data: [item] },
      };
      subscriptions.set(sub.id, subscription);
      const line = lineItem(subscription, item, { amount: sub.unitAmount * sub.quantity, quantity: sub.quantity, proration: false, start, end, description: `${sub.quantity} × Seat` });
      issueInvoice(subscription, [line], "subscription_create", start);
    },
    subscription: (id) => subscriptions.get(id),
    schedule: (id) => schedules.get(id),
    addPrice(price) {
      prices.set(price.id, { id: price.id, object: "price", unit_amount: price.unitAmount, currency: price.currency.toLowerCase(), recurring: { interval: price.interval } });
    },
    renew(id) {
      const subscription = subscriptions.get(id);
      if (!subscription) throw new Error(`no subscription ${id}`);
      if (subscription.cancel_at_period_end) {
        subscription.status = "canceled";
        subscription.ended_at = subscription.current_period_end;
        emit("customer.subscription.deleted", subscription);
        return;
      }
      const start = Number(subscription.current_period_end);
      const schedule = subscription.schedule ? schedules.get(String(subscription.schedule)) : undefined;
      const phases = (schedule?.phases as Json[] | undefined) ?? [];
      // The schedule's next phase begins where the current one ends; past its last phase it is released.
      const next = Number(schedule?.phase_index ?? 0) + 1;
      let items = (subscription.items as { data: Item[] }).data;
      if (schedule && next < phases.length) {
        items = ((phases[next]!.items as Json[]) ?? []).map((p) => newItem(prices.get(String(p.price))!, Number(p.quantity ?? 1), start, start));
      } else if (schedule) {
        Object.assign(schedule, { status: "released", current_phase: null, released_subscription: subscription.id });
        subscription.schedule = null;
      }
      const end = addInterval(start, String(items[0]?.price.recurring ? (items[0].price.recurring as Json).interval : "month"));
      if (schedule && next < phases.length) {
        Object.assign(phases[next]!, { start_date: start, end_date: end });
        Object.assign(schedule, { phase_index: next, current_phase: { start_date: start, end_date: end } });
      }
      for (const item of items) Object.assign(item, { current_period_start: start, current_period_end: end });
      Object.assign(subscription, { current_period_start: start, current_period_end: end, items: { object: "list", data: items } });
      const lines = items.map((item) => lineItem(subscription, item, { amount: item.price.unit_amount * item.quantity, quantity: item.quantity, proration: false, start, end, description: `${item.quantity} × ${item.price.id}` }));
      issueInvoice(subscription, lines, "subscription_cycle", start);
      emit("customer.subscription.updated", subscription);
    },
    setStatus(id, status) {
      const subscription = subscriptions.get(id);
      if (!subscription) throw new Error(`no subscription ${id}`);
      subscription.status = status;
      emit("customer.subscription.updated", subscription);
    },
    invoice: (id) => invoices.get(id),
    async authenticate(id) {
      const intent = paymentIntents.get(id);
      if (!intent) throw new Error(`no payment intent ${id}`);
      intent.authenticated = true;
      return confirm(intent, false).body as Json;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of stalled) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
