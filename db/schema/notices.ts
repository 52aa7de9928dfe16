import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts, users } from "./accounts";
import { noticeAudience, noticeKind, noticeStatus } from "./enums";

/**
 * The outbox of email notices: a row is written in the transaction of the event that
 * causes it, and the worker sends it. The idempotency key names the event, so an event
 * recorded twice is one notice; the row's id is the email's Message-ID.
 */
export const notices = pgTable(
  "notices",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    kind: noticeKind("kind").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** What the email says: amounts in minor units, ids of the invoice or top-up. */
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    status: noticeStatus("status").notNull().default("pending"),
    /** Delivery attempts started (a claim counts, even when its worker died). */
    attempts: integer("attempts").notNull().default(0),
    /** Not tried again before this (backoff after a failure). */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    /** While status is sending: the claim of one worker, taken over by another after it passes. */
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    /** Who it went to (or was last tried to). */
    recipients: text("recipients").array(),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "notices_pkey", columns: [t.accountId, t.id] }),
    uniqueIndex("notices_idempotency_key").on(t.accountId, t.idempotencyKey),
    index("notices_account_time_idx").on(t.accountId, t.createdAt),
    index("notices_due_idx").on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'sending')`),
    check("notices_attempts_nonnegative", sql`${t.attempts} >= 0`),
  ],
);

/**
 * Notices an admin turned off, per audience. No row means on: a new kind of notice
 * reaches everyone until someone turns it off.
 */
export const noticePreferences = pgTable(
  "notice_preferences",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    kind: noticeKind("kind").notNull(),
    audience: noticeAudience("audience").notNull(),
    enabled: boolean("enabled").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedByUserId: uuid("updated_by_user_id"),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.kind, t.audience] }),
    foreignKey({
      name: "notice_preferences_updated_by_same_account_fk",
      columns: [t.accountId, t.updatedByUserId],
      foreignColumns: [users.accountId, users.id],
    }),
    // Credit ran out and payment failed always reach the admins.
    check(
      "notice_preferences_required_to_admins",
      sql`${t.enabled} or ${t.audience} <> 'admins' or ${t.kind} not in ('credit_ran_out', 'auto_top_up_failed', 'subscription_past_due')`,
    ),
  ],
);

export type Notice = typeof notices.$inferSelect;
export type NoticeKind = Notice["kind"];
export type NoticeAudience = (typeof noticeAudience.enumValues)[number];
