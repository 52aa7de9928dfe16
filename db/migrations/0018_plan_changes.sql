ALTER TYPE "public"."subscription_change_kind" ADD VALUE 'plan';--> statement-breakpoint
ALTER TABLE "subscription_changes" DROP CONSTRAINT "subscription_changes_quantities";--> statement-breakpoint
ALTER TABLE "calling_packages" ADD COLUMN "provider_price_id" text;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "features" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "allowed_package_codes" text[];--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "offered" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "account_packages" ADD COLUMN "provider_item_id" text;--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD COLUMN "from_plan_id" uuid;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "cancel_at_period_end" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "cancel_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "scheduled_plan_id" uuid;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "scheduled_interval" "billing_interval";--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "provider_schedule_id" text;--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD CONSTRAINT "subscription_changes_from_plan_id_plans_id_fk" FOREIGN KEY ("from_plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_scheduled_plan_id_plans_id_fk" FOREIGN KEY ("scheduled_plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD CONSTRAINT "subscription_changes_quantities" CHECK ("subscription_changes"."from_quantity" >= 0 and "subscription_changes"."to_quantity" >= 0 and ("subscription_changes"."kind" <> 'seats' or "subscription_changes"."from_quantity" <> "subscription_changes"."to_quantity"));