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

/** A caller's id is kept when it is short and plain (it lands in logs and headers); else a new one. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdFrom(header: string | string[] | null | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && WELL_FORMED.test(value) ? value : randomUUID();
}

export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === "string" && WELL_FORMED.test(value);
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
