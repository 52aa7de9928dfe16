import pino from "pino";
import { currentContext } from "./context";

/** LOG_LEVEL is checked at start-up (lib/env.ts); the worker and scripts fall back to info. */
function levelFrom(value: string | undefined): string {
  return value && value in pino.levels.values ? value : "info";
}

const globalForLog = globalThis as unknown as { billingLogger?: pino.Logger };

/**
 * Structured JSON logs, one line per event, on stdout. Every line written while a request
 * or a job is handled carries its `requestId` (and a job's line its `jobId`); errors go
 * under `err` (message and stack).
 */
export const logger: pino.Logger = (globalForLog.billingLogger ??= pino({
  level: levelFrom(process.env.LOG_LEVEL),
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  mixin() {
    const context = currentContext();
    if (!context) return {};
    return context.jobId ? { requestId: context.requestId, jobId: context.jobId } : { requestId: context.requestId };
  },
}));

/** A child logger naming the part of the system that writes (`component`). */
export function logFor(component: string): pino.Logger {
  return logger.child({ component });
}
