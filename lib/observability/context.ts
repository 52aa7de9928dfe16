import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * The request a piece of work belongs to: set by the server for each HTTP request and by
 * the worker for each job, read by the logger. One store per process, kept on globalThis
 * because the server script and the built app each load their own copy of this module.
 */
export interface RequestContext {
  /** The HTTP request's id; a job carries the id of the request that enqueued it, if any. */
  requestId?: string;
  /** The job being worked, in the worker. */
  jobId?: string;
}

const globalForContext = globalThis as unknown as { billingRequestContext?: AsyncLocalStorage<RequestContext> };
const storage = (globalForContext.billingRequestContext ??= new AsyncLocalStorage<RequestContext>());

export const REQUEST_ID_HEADER = "x-request-id";

/**
 * A request's id is always made here, never taken from the caller: an id the caller
 * chooses could repeat another request's id (and so mix their log lines and jobs) or
 * carry text meant for whoever reads the logs. A caller that needs to match its own
 * requests with ours reads the id from our response's `x-request-id`.
 */
export function newRequestId(): string {
  return randomUUID();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An id as newRequestId makes them (a job's payload is read back from the database). */
export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

export function runWithContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
