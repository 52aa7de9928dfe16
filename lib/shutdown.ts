import { logFor } from "./observability/log";
import { metrics } from "./observability/metrics";

/**
 * A process's stop, in one place: whether it has begun (readiness answers 503 from then
 * on) and what must be closed at the end (the queue, the database pool), run last
 * registered first, so what was opened on top of something closes before it. Kept on
 * globalThis: the server script and the built app share it.
 */
interface ShutdownState {
  stopping: boolean;
  /** When the stop's grace period ends (ms since the epoch), once it has begun. */
  deadline?: number;
  hooks: { name: string; close: () => Promise<void> }[];
}

const globalForShutdown = globalThis as unknown as { billingShutdown?: ShutdownState };
const state = (globalForShutdown.billingShutdown ??= { stopping: false, hooks: [] });
const log = logFor("shutdown");

export function isShuttingDown(): boolean {
  return state.stopping;
}

export function beginShutdown(deadline?: number): void {
  state.stopping = true;
  state.deadline = deadline;
  metrics().shuttingDown.set(1);
}

/**
 * How long what closes now may still wait for work in flight (jobs finishing): what is
 * left of the grace period that began with the stop (at least a second), or `graceMs`
 * when no stop has begun. Requests and jobs share one grace period, so the process's stop
 * takes at most the grace period plus the few seconds that closing the pools takes.
 */
export function timeLeftToStop(graceMs: number): number {
  return state.deadline === undefined ? graceMs : Math.max(1_000, state.deadline - Date.now());
}

/** Something to close when the process stops, after the requests and jobs in flight. */
export function onShutdown(name: string, close: () => Promise<void>): void {
  state.hooks.push({ name, close });
}

/** Closes everything registered, last first; a failure is logged and the rest still close. */
export async function runShutdownHooks(): Promise<void> {
  for (const hook of state.hooks.splice(0).reverse()) {
    try {
      await hook.close();
      log.info({ resource: hook.name }, "closed");
    } catch (error) {
      log.error({ resource: hook.name, err: error }, "close failed");
    }
  }
}
