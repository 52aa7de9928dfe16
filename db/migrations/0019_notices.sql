CREATE TYPE "public"."notice_audience" AS ENUM('admins', 'billing_contacts');--> statement-breakpoint
CREATE TYPE "public"."notice_kind" AS ENUM('low_balance', 'credit_ran_out', 'auto_top_up_failed', 'authentication_required', 'invoice_issued', 'subscription_past_due', 'plan_changed');--> statement-breakpoint
CREATE TYPE "public"."notice_status" AS ENUM('pending', 'sending', 'sent', 'failed', 'skipped');--> statement-breakpoint
CREATE TABLE "notice_preferences" (
	"account_id" uuid NOT NULL,
	"kind" "notice_kind" NOT NULL,
	"audience" "notice_audience" NOT NULL,
	"enabled" boolean NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by_user_id" uuid,
	CONSTRAINT "notice_preferences_account_id_kind_audience_pk" PRIMARY KEY("account_id","kind","audience"),
	CONSTRAINT "notice_preferences_required_to_admins" CHECK ("notice_preferences"."enabled" or "notice_preferences"."audience" <> 'admins' or "notice_preferences"."kind" not in ('credit_ran_out', 'auto_top_up_failed', 'subscription_past_due'))
);
--> statement-breakpoint
CREATE TABLE "notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"kind" "notice_kind" NOT NULL,
	"idempotency_key" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" "notice_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"recipients" text[],
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "notices_attempts_nonnegative" CHECK ("notices"."attempts" >= 0)
);
--> statement-breakpoint
ALTER TABLE "billing_details" ADD COLUMN "billing_emails" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "notice_preferences" ADD CONSTRAINT "notice_preferences_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice_preferences" ADD CONSTRAINT "notice_preferences_updated_by_same_account_fk" FOREIGN KEY ("account_id","updated_by_user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "notices_idempotency_key" ON "notices" USING btree ("account_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "notices_account_time_idx" ON "notices" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "notices_due_idx" ON "notices" USING btree ("next_attempt_at") WHERE "notices"."status" in ('pending', 'sending');--> statement-breakpoint
-- The one invoice email becomes the first (and so far only) billing contact.
UPDATE "billing_details" SET "billing_emails" = ARRAY["invoice_email"];--> statement-breakpoint
ALTER TABLE "billing_details" ADD CONSTRAINT "billing_details_billing_emails_list" CHECK (cardinality("billing_details"."billing_emails") <= 10 and (cardinality("billing_details"."billing_emails") = 0 or "billing_details"."billing_emails"[1] = "billing_details"."invoice_email"));;--> statement-breakpoint
-- Low balance and credit ran out are crossings of the balance, whatever posts the debit
-- (a usage batch, one movement, a refund): each posting updates the account's balance row
-- once, so a notice is written once per crossing, in the posting's transaction. A debit
-- that stays below the threshold crosses nothing; only a balance that went back up can
-- cross again. Ran out (from above zero to zero or below) says more than low balance, so a
-- debit that crosses both writes that one. An alert of zero is off: running out is
-- still told.
CREATE FUNCTION credit_balance_notice() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_kind notice_kind := CASE WHEN OLD.balance > 0 AND NEW.balance <= 0 THEN 'credit_ran_out' ELSE 'low_balance' END;
BEGIN
  INSERT INTO notices (account_id, kind, idempotency_key, data)
  VALUES (NEW.account_id, v_kind, v_kind || ':' || gen_random_uuid(),
          jsonb_build_object('balance', NEW.balance, 'threshold', NEW.low_balance_threshold))
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER credit_balances_notice AFTER UPDATE OF balance ON credit_balances
FOR EACH ROW
WHEN (NEW.balance < OLD.balance AND (
  (OLD.balance > 0 AND NEW.balance <= 0)
  OR (NEW.low_balance_threshold > 0
      AND OLD.balance >= NEW.low_balance_threshold AND NEW.balance < NEW.low_balance_threshold)))
EXECUTE FUNCTION credit_balance_notice();