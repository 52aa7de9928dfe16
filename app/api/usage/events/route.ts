import { withPlatformToken } from "@/lib/auth/route";
import { getDb } from "@/lib/db";
import { errorResponse } from "@/lib/http/respond";
import { enqueueAutoTopUp } from "@/lib/jobs/queue";
import { getQueue } from "@/lib/jobs/app-queue";
import { ingestUsage, usageBatchSchema } from "@/lib/usage/ingest";
import { logFor } from "@/lib/observability/log";
import { metrics } from "@/lib/observability/metrics";
import { readJsonBody } from "@/lib/usage/platform-request";

export const dynamic = "force-dynamic";

/** A batch of 1,000 records is well under this; anything larger is not a batch of ours. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Call and SMS records from the telephony platform: each rated once and charged from
 * credit. 200 with one result per record when any was accepted (rated or duplicate);
 * 422 with the same results when none was; 400 when the body as a whole is not a batch;
 * 415 when it is not application/json.
 */
export const POST = withPlatformToken(async (request) => {
  const body = await readJsonBody(request, MAX_BODY_BYTES);
  if (!body.ok) return errorResponse(body.status, body.error);
  const batch = usageBatchSchema.safeParse(body.body);
  if (!batch.success) return errorResponse(400, batch.error.issues.map((i) => i.message).join("; "));

  const db = await getDb();
  const queue = await getQueue().catch(() => null);
  let results;
  try {
    results = await ingestUsage(db, batch.data.records, {
      // Without a queue here the worker's sweep still finds the pending attempt.
      onAutoTopUp: queue ? (tx, attempt) => enqueueAutoTopUp(queue, tx, attempt) : undefined,
    });
  } catch (failure) {
    logFor("usage").error({ err: failure, records: batch.data.records.length }, "usage batch failed");
    return errorResponse(500, "the batch could not be rated; nothing was applied, so it is safe to send it again");
  }
  const { usageEvents } = metrics();
  for (const result of results) usageEvents.inc({ status: result.status });
  const anyAccepted = results.some((r) => r.status !== "rejected");
  return Response.json({ results }, { status: anyAccepted ? 200 : 422 });
});
