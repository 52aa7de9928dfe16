import { and, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { accounts, users } from "@/db/schema";

export interface AccountUser {
  id: string;
  email: string;
  name: string;
  role: "admin" | "supervisor" | "agent";
  active: boolean;
  accountId: string;
  accountName: string;
  accountSlug: string;
}

const columns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  active: users.active,
  accountId: users.accountId,
  accountName: accounts.name,
  accountSlug: accounts.slug,
};

export async function findUserByEmail(db: Executor, email: string): Promise<AccountUser | null> {
  const [row] = await db
    .select(columns)
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(users.email, email.trim().toLowerCase()))
    .limit(1);
  return row ?? null;
}

/** The user behind a session, read fresh so that role changes apply at once. */
export async function findSessionUser(
  db: Executor,
  userId: string,
  accountId: string,
): Promise<AccountUser | null> {
  const [row] = await db
    .select(columns)
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(users.id, userId), eq(users.accountId, accountId)))
    .limit(1);
  return row ?? null;
}
