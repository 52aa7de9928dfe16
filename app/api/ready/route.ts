import { getDb } from "@/lib/db";
import { checkDatabase } from "@/lib/health";
import { isShuttingDown } from "@/lib/shutdown";

export const dynamic = "force-dynamic";

/**
 * Readiness: whether a load balancer should send this instance requests. 503 once the
 * instance has begun to stop (it finishes what it has, takes nothing new) or while the
 * database does not answer.
 */
export async function GET() {
  const headers = { "Cache-Control": "no-store" };
  if (isShuttingDown()) return Response.json({ status: "stopping" }, { status: 503, headers });
  const database = await checkDatabase(() => getDb());
  return database.ok
    ? Response.json({ status: "ready" }, { headers })
    : Response.json({ status: "unavailable", database: database.error }, { status: 503, headers });
}
