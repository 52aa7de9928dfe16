import type { Executor } from "@/db/client";

/**
 * Where the account hears about changes of its subscription. Called inside the
 * transaction that records the change, so that a notice written to the outbox here is
 * sent once, and only for a change that was made. Nothing is sent yet.
 */

export interface PlanChangeEvent {
  accountId: string;
  kind: "started" | "changed" | "undone" | "canceled" | "resumed" | "ended" | "renewed";
  /** The change in words. */
  description: string;
}

export async function planChangeRecorded(_tx: Executor, _event: PlanChangeEvent): Promise<void> {}

export interface PastDueEvent {
  accountId: string;
  /** Unpaid, minor units. */
  amount: number;
  currency: string;
}

/** The subscription became past due: a renewal's payment failed. */
export async function subscriptionPastDue(_tx: Executor, _event: PastDueEvent): Promise<void> {}
