import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { minorToDecimal } from "@/lib/money";
import { authorizeCall, authorizeSchema } from "@/lib/usage/authorize";
import { checkPlatformToken, refusal } from "@/lib/usage/platform-auth";
import { readJsonBody } from "@/lib/usage/platform-request";

export const dynamic = "force-dynamic";

/** Four fields; anything much larger is not a request of ours. */
const MAX_BODY_BYTES = 16 * 1024;

const error = (status: number, message: string) => Response.json({ error: message }, { status });

/** May this call start? `{"allowed": true | false, "reason": "..."}`. */
export async function POST(request: Request) {
  const auth = checkPlatformToken(request.headers.get("authorization"), getEnv().PLATFORM_API_TOKEN);
  if (!auth.ok) return refusal(auth);
  const body = await readJsonBody(request, MAX_BODY_BYTES);
  if (!body.ok) return error(body.status, body.error);
  const parsed = authorizeSchema.safeParse(body.body);
  if (!parsed.success) {
    return error(400, parsed.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; "));
  }
  const answer = await authorizeCall(await getDb(), parsed.data);
  if (!answer.found) return Response.json({ allowed: false, reason: `unknown account ${parsed.data.account}` }, { status: 404 });
  return Response.json({
    allowed: answer.allowed,
    reason: answer.reason,
    balance: minorToDecimal(answer.balance, answer.currency),
    currency: answer.currency,
  });
}
