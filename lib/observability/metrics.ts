import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's Prometheus metrics. Label values come from short fixed lists (a route's
 * pattern, a status, a movement type), never from ids or raw URLs. Kept on globalThis:
 * the server script and the built app load this module separately but must share one
 * registry.
 */
function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its response (streams included), by route pattern",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
      registers,
    }),
    usageEvents: new Counter({
      name: "billing_usage_events_total",
      help: "Usage records answered by the ingestion API, by result (rated, duplicate, rejected)",
      labelNames: ["status"] as const,
      registers,
    }),
    ledgerMovements: new Counter({
      name: "billing_ledger_movements_total",
      help: "Credit movements posted by the ledger, by movement type (counted once their transaction commits)",
      labelNames: ["type"] as const,
      registers,
    }),
    topUpOutcomes: new Counter({
      name: "billing_top_up_outcomes_total",
      help: "Top-up attempts moved to a new status by a provider's answer, by kind (manual, auto) and outcome (counted once the change commits)",
      labelNames: ["kind", "outcome"] as const,
      registers,
    }),
    jobRuns: new Histogram({
      name: "billing_job_duration_seconds",
      help: "Jobs run by this process's workers, by queue and result (completed, failed)",
      labelNames: ["queue", "result"] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    }),
    jobFailures: new Counter({
      name: "billing_job_failures_total",
      help: "Job runs in this process that threw (pg-boss retries them within their retry limit)",
      labelNames: ["queue"] as const,
      registers,
    }),
    queueJobs: new Gauge({
      name: "billing_queue_jobs",
      help: "Jobs in the queue tables by queue and state (created, retry, active, failed), read from the database at scrape time",
      labelNames: ["queue", "state"] as const,
      registers,
    }),
    queueReachable: new Gauge({
      name: "billing_queue_reachable",
      help: "1 when the queue's tables answered at the last scrape, else 0",
      registers,
    }),
    dbPoolConnections: new Gauge({
      name: "billing_db_pool_connections",
      help: "The pg pool's connections at scrape time: total, idle, and waiting (requests queued for a connection); PGlite has one embedded connection (total only)",
      labelNames: ["state"] as const,
      registers,
    }),
    shuttingDown: new Gauge({
      name: "billing_shutting_down",
      help: "1 once this process has begun to stop (it takes no new requests or jobs)",
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const globalForMetrics = globalThis as unknown as { billingMetrics?: Metrics };

export function metrics(): Metrics {
  return (globalForMetrics.billingMetrics ??= createMetrics());
}
