import type { DatabaseHandle } from "@/db/client";
import { bearerRefusal, checkBearer } from "@/lib/http/bearer";
import { metrics } from "./metrics";
import { refreshGauges } from "./scrape";

/**
 * The Prometheus scrape, for the app's /api/metrics and the worker's /metrics alike: the
 * token (METRICS_TOKEN) first, then the gauges read now, then the text format.
 */
export async function scrape(authorization: string | null | undefined, token: string | undefined, open: () => Promise<DatabaseHandle>): Promise<Response> {
  const check = checkBearer(authorization, token, { name: "metrics", variable: "METRICS_TOKEN" });
  if (!check.ok) return bearerRefusal(check, "metrics");
  await refreshGauges(await open());
  const { registry } = metrics();
  return new Response(await registry.metrics(), {
    headers: { "Content-Type": registry.contentType, "Cache-Control": "no-store" },
  });
}
