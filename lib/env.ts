import { z } from "zod";
import { isEuCountry } from "./invoices/tax";

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const booleanFlag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

const paymentFields = {
  /** Without a key the demo's sandbox gateway is used (no money moves). */
  STRIPE_SECRET_KEY: optionalText.pipe(z.string().regex(/^(sk|rk)_/, "must be a Stripe secret key").optional()),
  STRIPE_WEBHOOK_SECRET: optionalText.pipe(z.string().startsWith("whsec_", "must start with whsec_").optional()),
  STRIPE_PUBLISHABLE_KEY: optionalText.pipe(z.string().startsWith("pk_", "must start with pk_").optional()),
  /** Another Stripe API base (a local Stripe-compatible server in tests). */
  STRIPE_API_BASE: optionalText.pipe(z.url().optional()),
};

const stripeNeedsWebhookSecret = (env: { STRIPE_SECRET_KEY?: string; STRIPE_WEBHOOK_SECRET?: string }) =>
  !env.STRIPE_SECRET_KEY || !!env.STRIPE_WEBHOOK_SECRET;
const stripeRuleMessage = {
  message: "is required with STRIPE_SECRET_KEY (the webhook signing secret)",
  path: ["STRIPE_WEBHOOK_SECRET"],
};

/** The issuing entity printed on every invoice; demo defaults, set all of them in production. */
/** An empty or unset variable takes the default. */
const unsetAs = <T extends z.ZodType<string>>(fallback: string, schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : fallback), schema);

const sellerFields = {
  SELLER_NAME: unsetAs("Cloudline Telephony GmbH", z.string().trim().min(1).max(200)),
  SELLER_STREET: unsetAs("Friedrichstraße 68", z.string().trim().min(1).max(200)),
  SELLER_POSTAL_CODE: unsetAs("10117", z.string().trim().min(1).max(20)),
  SELLER_CITY: unsetAs("Berlin", z.string().trim().min(1).max(100)),
  SELLER_COUNTRY: unsetAs("DE", z
    .string()
    .trim()
    .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 country code, e.g. DE")
    .refine(isEuCountry, "must be an EU member state (invoices follow the EU VAT rules)"),
  ),
  SELLER_VAT_NUMBER: unsetAs("DE811907980", z
    .string()
    .trim()
    .regex(/^[A-Z]{2}[0-9A-Z+*.]{2,13}$/, "must be a VAT number with its country prefix, e.g. DE123456789")
    ),
  SELLER_EMAIL: unsetAs("billing@cloudline.example", z.email("must be an email address")),
};

/** Email notices: without SMTP_URL they wait in the outbox. */
const mailFields = {
  SMTP_URL: optionalText.pipe(
    z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL, e.g. smtps://user:password@smtp.example.com:465")
      .optional(),
  ),
  /** The sender of notices; the seller's name and email when unset. */
  MAIL_FROM: optionalText,
};

export const mailEnvSchema = z.object({
  ...mailFields,
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Links in emails point here. */
  NEXTAUTH_URL: unsetAs("http://localhost:3000", z.url({ message: "must be the app's public URL, e.g. http://localhost:3000" })),
  SELLER_NAME: sellerFields.SELLER_NAME,
  SELLER_EMAIL: sellerFields.SELLER_EMAIL,
});
export type MailEnv = z.infer<typeof mailEnvSchema>;

/** The mail settings alone, for the worker. */
export function getMailEnv(source: Record<string, string | undefined> = process.env): MailEnv {
  const parsed = mailEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(
      `Invalid environment (see .env.example):\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}

export const sellerEnvSchema = z.object(sellerFields);
export type SellerEnv = z.infer<typeof sellerEnvSchema>;

/** The seller's settings alone, for processes that need nothing else (the worker, the seed). */
export function getSellerEnv(source: Record<string, string | undefined> = process.env): SellerEnv {
  const parsed = sellerEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(
      `Invalid environment (see .env.example):\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}

/** The payment settings alone, for processes that need nothing else (the worker). */
export const paymentEnvSchema = z.object(paymentFields).refine(stripeNeedsWebhookSecret, stripeRuleMessage);

/** Operating the process: logs, metrics, stopping. Shared by the app, its server script and the worker. */
const operationFields = {
  /** pino's level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Bearer token of Prometheus for /api/metrics (and the worker's /metrics); unset, they answer 503. */
  METRICS_TOKEN: optionalText.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  /** How long a stopping process lets requests and jobs in flight finish. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
  /**
   * How long a stopping app keeps serving, with readiness already at 503, before it closes
   * its listener: the time a load balancer takes to notice. Part of SHUTDOWN_GRACE_MS.
   */
  SHUTDOWN_READY_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** The worker serves its own /metrics on this port when set. */
  WORKER_METRICS_PORT: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce.number().int().min(1).max(65_535).optional(),
  ),
};

export const operationsEnvSchema = z.object(operationFields);
export type OperationsEnv = z.infer<typeof operationsEnvSchema>;

/** The operation settings alone, for the server script and the worker. */
export function getOperationsEnv(source: Record<string, string | undefined> = process.env): OperationsEnv {
  const parsed = operationsEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(
      `Invalid environment (see .env.example):\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}

/** Every environment variable the app reads; documented in .env.example. */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL, or unset for the embedded database")
      .optional(),
  ),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** A streaming replica of DATABASE_URL: CSV exports and the spend breakdown read from it. */
  DATABASE_REPLICA_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL of a streaming replica of DATABASE_URL, or unset")
      .optional(),
  ),
  PGLITE_DIR: z.string().min(1).default(".data/pglite"),
  NEXTAUTH_URL: z.url({ message: "must be the app's public URL, e.g. http://localhost:3000" }),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -hex 32)"),
  OIDC_ISSUER: z.url({ message: "must be the OpenID Connect issuer URL" }),
  OIDC_CLIENT_ID: z.string().min(1),
  OIDC_CLIENT_SECRET: z.string().min(1),
  OIDC_DISPLAY_NAME: z.string().min(1).default("SSO"),
  /** Some IdPs (Entra ID) send no email_verified claim; only then set this. */
  OIDC_ALLOW_UNVERIFIED_EMAIL: booleanFlag,
  PLATFORM_API_TOKEN: optionalText.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  /** Where the billing page sends an admin with a question (a mailto: link). */
  SUPPORT_EMAIL: optionalText.pipe(z.email("must be an email address").default("support@example.com")),
  ...paymentFields,
  ...sellerFields,
  ...mailFields,
  ...operationFields,
})
  .refine(stripeNeedsWebhookSecret, stripeRuleMessage)
  .refine((env) => !env.DATABASE_REPLICA_URL || !!env.DATABASE_URL, {
    message: "needs DATABASE_URL: a replica is of a Postgres primary, not of the embedded database",
    path: ["DATABASE_REPLICA_URL"],
  });

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export class EnvError extends Error {}

/** Parses the environment once; a missing or malformed variable is a clear start-up error. */
export function getEnv(source: Record<string, string | undefined> = process.env): Env {
  if (source === process.env && cached) return cached;
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const missing = issue.code === "invalid_type" && source[String(issue.path[0])] === undefined;
      return `  ${issue.path.join(".")}: ${missing ? "is required" : issue.message}`;
    });
    throw new EnvError(`Invalid environment (see .env.example):\n${lines.join("\n")}`);
  }
  if (source === process.env) cached = parsed.data;
  return parsed.data;
}

export type PaymentEnv = z.infer<typeof paymentEnvSchema>;

export function getPaymentEnv(source: Record<string, string | undefined> = process.env): PaymentEnv {
  const parsed = paymentEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(
      `Invalid environment (see .env.example):\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}
