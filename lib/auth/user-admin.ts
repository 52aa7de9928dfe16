import { and, asc, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { fail, ok, type Result } from "@/lib/result";

export async function listUsers(db: Executor, accountId: string) {
  return db
    .select({ id: users.id, name: users.name, email: users.email, role: users.role, active: users.active })
    .from(users)
    .where(eq(users.accountId, accountId))
    .orderBy(asc(users.active), asc(users.name));
}

/**
 * Deactivates a user of the account, which frees their seat. Not yourself, and never the
 * last active admin (the account would have nobody to manage billing).
 */
export async function deactivateUser(db: Database, accountId: string, actorId: string, userId: string): Promise<Result> {
  if (userId === actorId) return fail("refused", "You cannot deactivate yourself.");
  return db.transaction(async (tx): Promise<Result> => {
    const [target] = await tx
      .select()
      .from(users)
      .where(and(eq(users.id, userId), eq(users.accountId, accountId)))
      .for("update");
    if (!target) return fail("not_found", "This user is not in your account.");
    if (!target.active) return fail("refused", `${target.name} is already deactivated.`);
    if (target.role === "admin") {
      const [admins] = await tx
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(users)
        .where(and(eq(users.accountId, accountId), eq(users.role, "admin"), eq(users.active, true)));
      if ((admins?.n ?? 0) <= 1) return fail("refused", "The last admin cannot be deactivated.");
    }
    await tx
      .update(users)
      .set({ active: false, deactivatedAt: new Date() })
      .where(and(eq(users.id, userId), eq(users.accountId, accountId)));
    await recordAudit(tx, {
      accountId,
      actorUserId: actorId,
      action: "user.deactivate",
      before: { active: true },
      after: { name: target.name, email: target.email, active: false },
    });
    return ok();
  });
}
