import type { MailEnv } from "@/lib/env";

/** What the app and the worker say at start-up when notices cannot be sent. */
export function mailStartupWarning(env: Pick<MailEnv, "SMTP_URL" | "NODE_ENV">): string | null {
  if (env.SMTP_URL) return null;
  return env.NODE_ENV === "production"
    ? "SMTP_URL is not set: email notices (low balance, credit ran out, failed payments, invoices) are not sent. They stay in the outbox and go out once SMTP_URL is set."
    : "SMTP_URL is not set: email notices stay in the outbox (npm run demo sets one up with a local inbox).";
}
