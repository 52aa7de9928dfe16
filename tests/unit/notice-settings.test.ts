import { describe, expect, it } from "vitest";
import { getEnv, getMailEnv } from "@/lib/env";
import { backoffSeconds } from "@/lib/notices/deliver";
import { canTurnOff, NOTICE_KINDS, settingPath } from "@/lib/notices/kinds";
import { mailStartupWarning } from "@/lib/notices/mail-warning";
import { deliveryOptions } from "@/lib/notices/setup";

const app = {
  NEXTAUTH_URL: "https://billing.example.com",
  NEXTAUTH_SECRET: "x".repeat(32),
  OIDC_ISSUER: "http://localhost:3001",
  OIDC_CLIENT_ID: "billing-console",
  OIDC_CLIENT_SECRET: "secret",
};

describe("mail settings", () => {
  it("takes smtp:// and smtps:// URLs and refuses anything else, naming the variable", () => {
    expect(getEnv({ ...app, SMTP_URL: "smtps://u:p@smtp.example.com:465" }).SMTP_URL).toBe("smtps://u:p@smtp.example.com:465");
    expect(getEnv({ ...app, SMTP_URL: "" }).SMTP_URL).toBeUndefined();
    expect(() => getEnv({ ...app, SMTP_URL: "http://smtp.example.com" })).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
  });

  it("says at start-up that notices stay in the outbox when production has no SMTP server", () => {
    expect(mailStartupWarning({ NODE_ENV: "production", SMTP_URL: undefined })).toMatch(/^SMTP_URL is not set: email notices .* are not sent\. They stay in the outbox/);
    expect(mailStartupWarning({ NODE_ENV: "production", SMTP_URL: "smtp://localhost:25" })).toBeNull();
  });

  it("sends from the seller unless MAIL_FROM says otherwise, with Message-IDs of the app's host", () => {
    expect(deliveryOptions(getMailEnv({ ...app }))).toEqual({
      from: '"Cloudline Telephony GmbH" <billing@cloudline.example>',
      appUrl: "https://billing.example.com",
      messageIdDomain: "billing.example.com",
    });
    expect(deliveryOptions(getMailEnv({ ...app, MAIL_FROM: "Billing <b@x.test>" })).from).toBe("Billing <b@x.test>");
  });
});

describe("notice rules", () => {
  it.each(NOTICE_KINDS.map((kind) => [kind, ["credit_ran_out", "auto_top_up_failed", "subscription_past_due"].includes(kind)] as const))(
    "%s: always to admins = %s, and billing contacts may always be turned off",
    (kind, required) => {
      expect(canTurnOff(kind, "admins")).toBe(!required);
      expect(canTurnOff(kind, "billing_contacts")).toBe(true);
    },
  );

  it("links each email to its own setting", () => {
    expect(settingPath("low_balance")).toBe("/dashboard/account/billing/notifications#notice-low-balance");
  });

  it("backs off 1, 2, 4, 8 and 16 minutes", () => {
    expect([1, 2, 3, 4, 5].map(backoffSeconds)).toEqual([60, 120, 240, 480, 960]);
  });
});
