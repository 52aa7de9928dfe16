import { eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { billingDetails } from "@/db/schema";

export async function getBillingDetails(db: Executor, accountId: string) {
  const [row] = await db.select().from(billingDetails).where(eq(billingDetails.accountId, accountId));
  return row ?? null;
}
