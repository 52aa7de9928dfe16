import { eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { type Account, accounts } from "@/db/schema";

export async function getAccount(db: Executor, accountId: string): Promise<Account> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw new Error(`account ${accountId} not found`);
  return account;
}
