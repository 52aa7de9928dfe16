import { getServerSession } from "next-auth";
import { cache } from "react";
import { forbidden, redirect } from "next/navigation";
import { connection } from "next/server";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { getDb } from "@/lib/db";
import { getAuthOptions } from "./options";
import { can, type Permission } from "./permissions";
import { safeReturnPath } from "./return-path";
import { type AccountUser, findSessionUser } from "./users";

const uuid = z.uuid();
const isUuid = (value: string) => uuid.safeParse(value).success;

export type Access =
  | { status: "signed-out" }
  | { status: "no-access" }
  | { status: "forbidden"; user: AccountUser }
  | { status: "allowed"; user: AccountUser };

/** The session's claim: which user of which account. */
export interface SessionIdentity {
  userId?: string;
  accountId?: string;
}

/**
 * Decides access from the user's current row in the database, not from the token, so a
 * demoted or deactivated user loses access on their next request.
 */
export async function decideAccess(
  db: Executor,
  identity: SessionIdentity | null | undefined,
  permission: Permission,
): Promise<Access> {
  return accessOf(identity, permission, (userId, accountId) => findSessionUser(db, userId, accountId));
}

async function accessOf(
  identity: SessionIdentity | null | undefined,
  permission: Permission,
  findUser: (userId: string, accountId: string) => Promise<AccountUser | null>,
): Promise<Access> {
  const { userId, accountId } = identity ?? {};
  if (!userId || !accountId || !isUuid(userId) || !isUuid(accountId)) {
    return { status: "signed-out" };
  }
  const user = await findUser(userId, accountId);
  if (!user || !user.active) return { status: "no-access" };
  if (!can(user.role, permission)) return { status: "forbidden", user };
  return { status: "allowed", user };
}

/** The signed-in user, read once per request however many components ask. */
const currentSession = cache(async () => {
  // Per request, never at build time: the answer depends on the session and the database.
  await connection();
  return getServerSession(getAuthOptions());
});

/**
 * The session's user row, read once per request: the layout and the page both check
 * access, and each check still applies its own permission to this row.
 */
const currentUser = cache(async (userId: string, accountId: string) =>
  findSessionUser(await getDb(), userId, accountId),
);

/** The check behind every page, action and route handler. */
export async function checkAccess(permission: Permission): Promise<Access> {
  return accessOf(await currentSession(), permission, currentUser);
}

/** For pages: signed-out visitors go to /login and come back; others see 403 or no access. */
export async function requirePageAccess(permission: Permission, returnTo: string): Promise<AccountUser> {
  const access = await checkAccess(permission);
  switch (access.status) {
    case "signed-out":
      redirect(`/login?callbackUrl=${encodeURIComponent(safeReturnPath(returnTo))}`);
    case "no-access":
      redirect("/no-access?reason=unknown");
    case "forbidden":
      forbidden();
    case "allowed":
      return access.user;
  }
}
