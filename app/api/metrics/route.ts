import { getDatabaseHandle } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { scrape } from "@/lib/observability/exposition";

export const dynamic = "force-dynamic";

/** Prometheus metrics of this app instance: `Authorization: Bearer <METRICS_TOKEN>`. */
export async function GET(request: Request) {
  return scrape(request.headers.get("authorization"), getEnv().METRICS_TOKEN, getDatabaseHandle);
}
