import {
  foreignKey,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts, users } from "./accounts";

/** Who changed what in billing, and when, with the values before and after. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    actorUserId: uuid("actor_user_id"),
    /** e.g. "seats.change", "auto_top_up.update", "billing_details.update". */
    action: text("action").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "audit_log_pkey", columns: [t.accountId, t.id] }),
    index("audit_log_account_time_idx").on(t.accountId, t.createdAt),
    foreignKey({
      name: "audit_log_actor_same_account_fk",
      columns: [t.accountId, t.actorUserId],
      foreignColumns: [users.accountId, users.id],
    }),
  ],
);

export type AuditEntry = typeof auditLog.$inferSelect;
