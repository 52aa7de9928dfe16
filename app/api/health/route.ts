import { getDb } from "@/lib/db";
import { checkDatabase } from "@/lib/health";

export const dynamic = "force-dynamic";

export async function GET() {
  const result = await checkDatabase(() => getDb());
  return Response.json(
    { status: result.ok ? "ok" : "unavailable", database: result.ok ? "reachable" : result.error },
    { status: result.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
