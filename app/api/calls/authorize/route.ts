import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { minorToDecimal } from "@/lib/money";
import { authorizeCall, authorizeSchema } from "@/lib/usage/authorize";
import { checkPlatformToken, refusal } from "@/lib/usage/platform-auth";

export const dynamic = "force-dynamic";

const error = (status: number, message: string) => Response.json({ error: message }, { status });

/** May this call start? `{"allowed": true | false, "reason": "..."}`. */
export async function POST(request: Request) {
  const auth = checkPlatformToken(request.headers.get("authorization"), getEnv().PLATFORM_API_TOKEN);
  if (!auth.ok) return refusal(auth);
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return error(400, "the body is not valid JSON");
  }
  const parsed = authorizeSchema.safeParse(body);
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
