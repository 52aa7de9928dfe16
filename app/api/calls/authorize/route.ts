import { withPlatformToken } from "@/lib/auth/route";
import { getDb } from "@/lib/db";
import { errorResponse, FAILURE_STATUS } from "@/lib/http/respond";
import { minorToDecimal } from "@/lib/money";
import { authorizeCall, authorizeSchema } from "@/lib/usage/authorize";
import { readJsonBody } from "@/lib/usage/platform-request";

export const dynamic = "force-dynamic";

/** Four fields; anything much larger is not a request of ours. */
const MAX_BODY_BYTES = 16 * 1024;

/** May this call start? `{"allowed": true | false, "reason": "..."}`. */
export const POST = withPlatformToken(async (request) => {
  const body = await readJsonBody(request, MAX_BODY_BYTES);
  if (!body.ok) return errorResponse(body.status, body.error);
  const parsed = authorizeSchema.safeParse(body.body);
  if (!parsed.success) {
    return errorResponse(400, parsed.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; "));
  }
  const answer = await authorizeCall(await getDb(), parsed.data);
  // The platform reads `allowed` in every answer, an unknown account's too.
  if (!answer.ok) return Response.json({ allowed: false, reason: answer.failure.message }, { status: FAILURE_STATUS[answer.failure.kind] });
  const { allowed, reason, balance, currency } = answer.value;
  return Response.json({ allowed, reason, balance: minorToDecimal(balance, currency), currency });
});
