import { getDb } from "@/lib/db";
import { checkDatabase, checkQueue } from "@/lib/health";
import { getQueue } from "@/lib/jobs/app-queue";

export const dynamic = "force-dynamic";

/** Liveness: 200 when the database and the job queue answer, 503 otherwise. */
export async function GET() {
  const [database, queue] = await Promise.all([checkDatabase(() => getDb()), checkQueue(getQueue, getDb)]);
  const ok = database.ok && queue.ok;
  return Response.json(
    {
      status: ok ? "ok" : "unavailable",
      database: database.ok ? "reachable" : database.error,
      queue: queue.ok ? "reachable" : queue.error,
    },
    { status: ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
