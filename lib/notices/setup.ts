import type PgBoss from "pg-boss";
import type { Database } from "@/db/client";
import { getMailEnv, type MailEnv } from "@/lib/env";
export { mailStartupWarning } from "./mail-warning";
import type { DeliveryOptions } from "./deliver";
import { smtpMailer } from "./mailer";
import { type NoticeWorker, startNoticeWorker } from "./worker";

export function deliveryOptions(env: MailEnv): DeliveryOptions {
  return {
    from: env.MAIL_FROM ?? `"${env.SELLER_NAME.replaceAll('"', "")}" <${env.SELLER_EMAIL}>`,
    appUrl: env.NEXTAUTH_URL,
    messageIdDomain: new URL(env.NEXTAUTH_URL).hostname || "localhost",
  };
}

/** Starts sending notices when SMTP is configured; otherwise says so and leaves them in the outbox. */
export async function startNoticeWorkerIfConfigured(db: Database, boss: PgBoss, env: MailEnv = getMailEnv()): Promise<NoticeWorker | null> {
  // Without SMTP the start-up check has said so; notices wait in the outbox.
  if (!env.SMTP_URL) return null;
  return startNoticeWorker(db, boss, smtpMailer(env.SMTP_URL), deliveryOptions(env));
}
