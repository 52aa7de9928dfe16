CREATE TYPE "public"."subscription_change_kind" AS ENUM('seats');--> statement-breakpoint
CREATE TABLE "subscription_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"kind" "subscription_change_kind" NOT NULL,
	"from_quantity" integer NOT NULL,
	"to_quantity" integer NOT NULL,
	"effective_at" timestamp with time zone NOT NULL,
	"proration_amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"provider_invoice_id" text,
	"actor_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscription_changes_quantities" CHECK ("subscription_changes"."from_quantity" >= 0 and "subscription_changes"."to_quantity" >= 0 and "subscription_changes"."from_quantity" <> "subscription_changes"."to_quantity")
);
--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD CONSTRAINT "subscription_changes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD CONSTRAINT "subscription_changes_actor_same_account_fk" FOREIGN KEY ("account_id","actor_user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "subscription_changes_account_time_idx" ON "subscription_changes" USING btree ("account_id","effective_at");--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_changes_provider_invoice_key" ON "subscription_changes" USING btree ("account_id","provider_invoice_id") WHERE "subscription_changes"."provider_invoice_id" is not null;