CREATE TYPE "public"."addon_category" AS ENUM('conversation_intelligence', 'dialer', 'voice_agents');--> statement-breakpoint
CREATE TYPE "public"."billing_interval" AS ENUM('month', 'year');--> statement-breakpoint
CREATE TYPE "public"."destination_type" AS ENUM('fixed', 'mobile', 'toll_free', 'premium');--> statement-breakpoint
CREATE TYPE "public"."movement_type" AS ENUM('top_up_manual', 'top_up_auto', 'call', 'sms', 'forwarded_leg', 'toll_free_inbound', 'adjustment', 'refund');--> statement-breakpoint
CREATE TYPE "public"."number_type" AS ENUM('local', 'mobile', 'toll_free');--> statement-breakpoint
CREATE TYPE "public"."package_scope" AS ENUM('domestic', 'international');--> statement-breakpoint
CREATE TYPE "public"."payment_method_type" AS ENUM('card', 'paypal');--> statement-breakpoint
CREATE TYPE "public"."payment_provider" AS ENUM('stripe', 'sandbox');--> statement-breakpoint
CREATE TYPE "public"."rate_kind" AS ENUM('call_outbound', 'call_inbound_toll_free', 'sms');--> statement-breakpoint
CREATE TYPE "public"."subscription_status" AS ENUM('trialing', 'active', 'past_due', 'canceled');--> statement-breakpoint
CREATE TYPE "public"."top_up_kind" AS ENUM('manual', 'auto');--> statement-breakpoint
CREATE TYPE "public"."top_up_status" AS ENUM('pending', 'requires_action', 'succeeded', 'failed', 'canceled');--> statement-breakpoint
CREATE TYPE "public"."unit_type" AS ENUM('seconds', 'fragments');--> statement-breakpoint
CREATE TYPE "public"."usage_category" AS ENUM('included', 'bundle', 'outside_packages', 'premium', 'forwarded', 'toll_free_inbound', 'sms');--> statement-breakpoint
CREATE TYPE "public"."usage_direction" AS ENUM('outbound', 'inbound');--> statement-breakpoint
CREATE TYPE "public"."usage_kind" AS ENUM('call', 'sms');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('admin', 'supervisor', 'agent');--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"country" text NOT NULL,
	"currency" text NOT NULL,
	"time_zone" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_slug_format" CHECK ("accounts"."slug" ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
	CONSTRAINT "accounts_country_format" CHECK ("accounts"."country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "accounts_currency_format" CHECK ("accounts"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "accounts_name_length" CHECK (char_length("accounts"."name") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" "user_role" DEFAULT 'agent' NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deactivated_at" timestamp with time zone,
	CONSTRAINT "users_account_id_id_key" UNIQUE("account_id","id"),
	CONSTRAINT "users_email_lowercase" CHECK ("users"."email" = lower("users"."email") and "users"."email" like '%_@_%'),
	CONSTRAINT "users_deactivated_consistent" CHECK ("users"."active" or "users"."deactivated_at" is not null)
);
--> statement-breakpoint
CREATE TABLE "addons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"category" "addon_category" NOT NULL,
	"description" text NOT NULL,
	"currency" text NOT NULL,
	"unit_price" bigint NOT NULL,
	"unit_label" text NOT NULL,
	CONSTRAINT "addons_unit_price_nonnegative" CHECK ("addons"."unit_price" >= 0)
);
--> statement-breakpoint
CREATE TABLE "calling_packages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"currency" text NOT NULL,
	"scope" "package_scope" NOT NULL,
	"covered_countries" text[] DEFAULT '{}'::text[] NOT NULL,
	"unlimited" boolean NOT NULL,
	"fair_use_minutes_per_user" integer,
	"included_minutes_per_user" integer,
	"monthly_price" bigint NOT NULL,
	CONSTRAINT "calling_packages_price_nonnegative" CHECK ("calling_packages"."monthly_price" >= 0),
	CONSTRAINT "calling_packages_limits" CHECK (("calling_packages"."unlimited" and "calling_packages"."fair_use_minutes_per_user" > 0 and "calling_packages"."included_minutes_per_user" is null)
        or (not "calling_packages"."unlimited" and "calling_packages"."fair_use_minutes_per_user" is null and "calling_packages"."included_minutes_per_user" > 0)),
	CONSTRAINT "calling_packages_scope_countries" CHECK (("calling_packages"."scope" = 'domestic' and cardinality("calling_packages"."covered_countries") = 0)
        or ("calling_packages"."scope" = 'international' and cardinality("calling_packages"."covered_countries") > 0))
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"currency" text NOT NULL,
	"interval" "billing_interval" NOT NULL,
	"seat_price" bigint NOT NULL,
	"max_seats" integer NOT NULL,
	"provider_price_id" text,
	CONSTRAINT "plans_seat_price_nonnegative" CHECK ("plans"."seat_price" >= 0),
	CONSTRAINT "plans_max_seats_positive" CHECK ("plans"."max_seats" > 0),
	CONSTRAINT "plans_currency_format" CHECK ("plans"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "rate_cards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"currency" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rate_card_id" uuid NOT NULL,
	"kind" "rate_kind" NOT NULL,
	"prefix" text NOT NULL,
	"country" text NOT NULL,
	"destination_type" "destination_type" NOT NULL,
	"description" text NOT NULL,
	"rate_micros" bigint NOT NULL,
	CONSTRAINT "rates_prefix_digits" CHECK ("rates"."prefix" ~ '^[0-9]{1,15}$'),
	CONSTRAINT "rates_rate_nonnegative" CHECK ("rates"."rate_micros" >= 0)
);
--> statement-breakpoint
CREATE TABLE "account_addons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"addon_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" bigint NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	CONSTRAINT "account_addons_quantity_positive" CHECK ("account_addons"."quantity" > 0),
	CONSTRAINT "account_addons_unit_price_nonnegative" CHECK ("account_addons"."unit_price" >= 0),
	CONSTRAINT "account_addons_period_order" CHECK ("account_addons"."ended_at" is null or "account_addons"."ended_at" > "account_addons"."started_at")
);
--> statement-breakpoint
CREATE TABLE "account_packages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"package_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" bigint NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	CONSTRAINT "account_packages_quantity_positive" CHECK ("account_packages"."quantity" > 0),
	CONSTRAINT "account_packages_unit_price_nonnegative" CHECK ("account_packages"."unit_price" >= 0),
	CONSTRAINT "account_packages_period_order" CHECK ("account_packages"."ended_at" is null or "account_packages"."ended_at" > "account_packages"."started_at")
);
--> statement-breakpoint
CREATE TABLE "prepaid_bundles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"seconds_included" integer NOT NULL,
	"seconds_used" integer DEFAULT 0 NOT NULL,
	"price" bigint NOT NULL,
	"purchased_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "prepaid_bundles_seconds_positive" CHECK ("prepaid_bundles"."seconds_included" > 0),
	CONSTRAINT "prepaid_bundles_seconds_used_range" CHECK ("prepaid_bundles"."seconds_used" >= 0 and "prepaid_bundles"."seconds_used" <= "prepaid_bundles"."seconds_included"),
	CONSTRAINT "prepaid_bundles_price_nonnegative" CHECK ("prepaid_bundles"."price" >= 0),
	CONSTRAINT "prepaid_bundles_period_order" CHECK ("prepaid_bundles"."expires_at" > "prepaid_bundles"."purchased_at")
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"plan_id" uuid NOT NULL,
	"interval" "billing_interval" NOT NULL,
	"status" "subscription_status" DEFAULT 'active' NOT NULL,
	"seats_purchased" integer NOT NULL,
	"current_period_start" timestamp with time zone NOT NULL,
	"current_period_end" timestamp with time zone NOT NULL,
	"rate_card_id" uuid,
	"provider_customer_id" text,
	"provider_subscription_id" text,
	"provider_subscription_item_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscriptions_seats_nonnegative" CHECK ("subscriptions"."seats_purchased" >= 0),
	CONSTRAINT "subscriptions_period_order" CHECK ("subscriptions"."current_period_end" > "subscriptions"."current_period_start")
);
--> statement-breakpoint
CREATE TABLE "phone_numbers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"e164" text NOT NULL,
	"country" text NOT NULL,
	"type" "number_type" NOT NULL,
	"label" text,
	"monthly_price" bigint NOT NULL,
	"acquired_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	CONSTRAINT "phone_numbers_e164_format" CHECK ("phone_numbers"."e164" ~ '^\+[1-9][0-9]{6,14}$'),
	CONSTRAINT "phone_numbers_country_format" CHECK ("phone_numbers"."country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "phone_numbers_price_nonnegative" CHECK ("phone_numbers"."monthly_price" >= 0),
	CONSTRAINT "phone_numbers_period_order" CHECK ("phone_numbers"."released_at" is null or "phone_numbers"."released_at" > "phone_numbers"."acquired_at")
);
--> statement-breakpoint
CREATE TABLE "auto_top_up_settings" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"threshold" bigint NOT NULL,
	"amount" bigint NOT NULL,
	"monthly_cap" bigint,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"disabled_reason" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by_user_id" uuid,
	CONSTRAINT "auto_top_up_threshold_nonnegative" CHECK ("auto_top_up_settings"."threshold" >= 0),
	CONSTRAINT "auto_top_up_amount_positive" CHECK ("auto_top_up_settings"."amount" > 0),
	CONSTRAINT "auto_top_up_cap_positive" CHECK ("auto_top_up_settings"."monthly_cap" is null or "auto_top_up_settings"."monthly_cap" >= "auto_top_up_settings"."amount"),
	CONSTRAINT "auto_top_up_failures_nonnegative" CHECK ("auto_top_up_settings"."consecutive_failures" >= 0)
);
--> statement-breakpoint
CREATE TABLE "credit_balances" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"balance" bigint DEFAULT 0 NOT NULL,
	"low_balance_threshold" bigint DEFAULT 1000 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_balances_low_threshold_nonnegative" CHECK ("credit_balances"."low_balance_threshold" >= 0)
);
--> statement-breakpoint
CREATE TABLE "credit_movements" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "credit_movements_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"type" "movement_type" NOT NULL,
	"interaction_id" text,
	"description" text NOT NULL,
	"destination" text,
	"units" integer,
	"unit_type" "unit_type",
	"rate_micros" bigint,
	"amount" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"actor_user_id" uuid,
	"actor" text NOT NULL,
	CONSTRAINT "credit_movements_amount_nonzero" CHECK ("credit_movements"."amount" <> 0),
	CONSTRAINT "credit_movements_units_consistent" CHECK (("credit_movements"."units" is null) = ("credit_movements"."unit_type" is null) and ("credit_movements"."units" is null or "credit_movements"."units" >= 0))
);
--> statement-breakpoint
CREATE TABLE "top_up_attempts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"kind" "top_up_kind" NOT NULL,
	"status" "top_up_status" DEFAULT 'pending' NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"provider_payment_intent_id" text,
	"failure_code" text,
	"failure_message" text,
	"initiated_by_user_id" uuid,
	"triggered_by_movement_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "top_up_attempts_amount_positive" CHECK ("top_up_attempts"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "payment_methods" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"provider" "payment_provider" NOT NULL,
	"type" "payment_method_type" NOT NULL,
	"provider_payment_method_id" text NOT NULL,
	"card_brand" text,
	"card_last4" text,
	"card_exp_month" integer,
	"card_exp_year" integer,
	"paypal_email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replaced_at" timestamp with time zone,
	CONSTRAINT "payment_methods_details" CHECK (("payment_methods"."type" = 'card' and "payment_methods"."card_brand" is not null and "payment_methods"."card_last4" ~ '^[0-9]{4}$'
            and "payment_methods"."card_exp_month" between 1 and 12 and "payment_methods"."card_exp_year" between 2000 and 2100)
        or ("payment_methods"."type" = 'paypal' and "payment_methods"."paypal_email" like '%_@_%'))
);
--> statement-breakpoint
CREATE TABLE "payment_provider_events" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" uuid,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_details" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"company_name" text NOT NULL,
	"vat_number" text,
	"invoice_email" text NOT NULL,
	"street" text NOT NULL,
	"city" text NOT NULL,
	"postal_code" text NOT NULL,
	"country" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by_user_id" uuid,
	CONSTRAINT "billing_details_country_format" CHECK ("billing_details"."country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "billing_details_company_name_length" CHECK (char_length("billing_details"."company_name") between 1 and 200),
	CONSTRAINT "billing_details_invoice_email_format" CHECK ("billing_details"."invoice_email" like '%_@_%')
);
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"kind" "usage_kind" NOT NULL,
	"direction" "usage_direction" NOT NULL,
	"from_number" text NOT NULL,
	"to_number" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_seconds" integer,
	"fragments" integer,
	"forwarded" boolean DEFAULT false NOT NULL,
	"user_id" uuid,
	"destination_country" text,
	"destination_type" "destination_type",
	"category" "usage_category" NOT NULL,
	"covered_by_package_id" uuid,
	"bundle_id" uuid,
	"bundle_seconds" integer DEFAULT 0 NOT NULL,
	"billable_units" integer DEFAULT 0 NOT NULL,
	"rate_micros" bigint,
	"amount" bigint DEFAULT 0 NOT NULL,
	"movement_id" bigint,
	"rated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_records_measure" CHECK (("usage_records"."kind" = 'call' and "usage_records"."duration_seconds" >= 0 and "usage_records"."fragments" is null)
        or ("usage_records"."kind" = 'sms' and "usage_records"."fragments" > 0 and "usage_records"."duration_seconds" is null)),
	CONSTRAINT "usage_records_amount_nonnegative" CHECK ("usage_records"."amount" >= 0),
	CONSTRAINT "usage_records_category_amount" CHECK (("usage_records"."category" in ('included', 'bundle')) = ("usage_records"."amount" = 0) or "usage_records"."category" = 'bundle'),
	CONSTRAINT "usage_records_bundle_seconds_nonnegative" CHECK ("usage_records"."bundle_seconds" >= 0)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"actor_user_id" uuid,
	"action" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_daily_balances" (
	"account_id" uuid NOT NULL,
	"day" date NOT NULL,
	"closing_balance" bigint NOT NULL,
	"last_movement_id" bigint NOT NULL,
	"credits" bigint NOT NULL,
	"debits" bigint NOT NULL,
	"usage_net" bigint NOT NULL,
	CONSTRAINT "credit_daily_balances_pkey" PRIMARY KEY("account_id","day")
);
--> statement-breakpoint
CREATE TABLE "usage_daily_totals" (
	"account_id" uuid NOT NULL,
	"day" date NOT NULL,
	"category" "usage_category" NOT NULL,
	"records" integer NOT NULL,
	"seconds" bigint NOT NULL,
	"fragments" bigint NOT NULL,
	"amount" bigint NOT NULL,
	CONSTRAINT "usage_daily_totals_pkey" PRIMARY KEY("account_id","day","category")
);
--> statement-breakpoint
CREATE TABLE "usage_user_monthly" (
	"account_id" uuid NOT NULL,
	"month" date NOT NULL,
	"user_id" uuid NOT NULL,
	"package_id" uuid NOT NULL,
	"seconds" bigint NOT NULL,
	CONSTRAINT "usage_user_monthly_pkey" PRIMARY KEY("account_id","month","user_id","package_id")
);
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rates" ADD CONSTRAINT "rates_rate_card_id_rate_cards_id_fk" FOREIGN KEY ("rate_card_id") REFERENCES "public"."rate_cards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_addons" ADD CONSTRAINT "account_addons_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_addons" ADD CONSTRAINT "account_addons_addon_id_addons_id_fk" FOREIGN KEY ("addon_id") REFERENCES "public"."addons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_packages" ADD CONSTRAINT "account_packages_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_packages" ADD CONSTRAINT "account_packages_package_id_calling_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."calling_packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prepaid_bundles" ADD CONSTRAINT "prepaid_bundles_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_rate_card_id_rate_cards_id_fk" FOREIGN KEY ("rate_card_id") REFERENCES "public"."rate_cards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auto_top_up_settings" ADD CONSTRAINT "auto_top_up_settings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auto_top_up_settings" ADD CONSTRAINT "auto_top_up_settings_updated_by_same_account_fk" FOREIGN KEY ("account_id","updated_by_user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_balances" ADD CONSTRAINT "credit_balances_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_movements" ADD CONSTRAINT "credit_movements_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_movements" ADD CONSTRAINT "credit_movements_actor_same_account_fk" FOREIGN KEY ("account_id","actor_user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "top_up_attempts" ADD CONSTRAINT "top_up_attempts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "top_up_attempts" ADD CONSTRAINT "top_up_attempts_triggered_by_movement_id_credit_movements_id_fk" FOREIGN KEY ("triggered_by_movement_id") REFERENCES "public"."credit_movements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "top_up_attempts" ADD CONSTRAINT "top_up_attempts_initiator_same_account_fk" FOREIGN KEY ("account_id","initiated_by_user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_provider_events" ADD CONSTRAINT "payment_provider_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_details" ADD CONSTRAINT "billing_details_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_details" ADD CONSTRAINT "billing_details_updated_by_same_account_fk" FOREIGN KEY ("account_id","updated_by_user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_covered_by_package_id_calling_packages_id_fk" FOREIGN KEY ("covered_by_package_id") REFERENCES "public"."calling_packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_bundle_id_prepaid_bundles_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "public"."prepaid_bundles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_movement_id_credit_movements_id_fk" FOREIGN KEY ("movement_id") REFERENCES "public"."credit_movements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_user_same_account_fk" FOREIGN KEY ("account_id","user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_same_account_fk" FOREIGN KEY ("account_id","actor_user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_daily_balances" ADD CONSTRAINT "credit_daily_balances_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_daily_totals" ADD CONSTRAINT "usage_daily_totals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_user_monthly" ADD CONSTRAINT "usage_user_monthly_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_slug_key" ON "accounts" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "users_account_id_idx" ON "users" USING btree ("account_id","active");--> statement-breakpoint
CREATE UNIQUE INDEX "addons_code_currency_key" ON "addons" USING btree ("code","currency");--> statement-breakpoint
CREATE UNIQUE INDEX "calling_packages_code_currency_key" ON "calling_packages" USING btree ("code","currency");--> statement-breakpoint
CREATE UNIQUE INDEX "plans_code_currency_interval_key" ON "plans" USING btree ("code","currency","interval");--> statement-breakpoint
CREATE UNIQUE INDEX "rate_cards_code_key" ON "rate_cards" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "rates_card_kind_prefix_key" ON "rates" USING btree ("rate_card_id","kind","prefix");--> statement-breakpoint
CREATE INDEX "account_addons_account_id_idx" ON "account_addons" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "account_addons_active_key" ON "account_addons" USING btree ("account_id","addon_id") WHERE "account_addons"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "account_packages_account_id_idx" ON "account_packages" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "prepaid_bundles_account_id_idx" ON "prepaid_bundles" USING btree ("account_id","expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_account_id_key" ON "subscriptions" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_provider_subscription_id_key" ON "subscriptions" USING btree ("provider_subscription_id");--> statement-breakpoint
CREATE INDEX "phone_numbers_account_id_idx" ON "phone_numbers" USING btree ("account_id","acquired_at");--> statement-breakpoint
CREATE UNIQUE INDEX "phone_numbers_e164_held_key" ON "phone_numbers" USING btree ("e164") WHERE "phone_numbers"."released_at" is null;--> statement-breakpoint
CREATE INDEX "credit_movements_account_time_idx" ON "credit_movements" USING btree ("account_id","occurred_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_movements_interaction_key" ON "credit_movements" USING btree ("account_id","type","interaction_id") WHERE "credit_movements"."interaction_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "top_up_attempts_idempotency_key" ON "top_up_attempts" USING btree ("account_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "top_up_attempts_payment_intent_key" ON "top_up_attempts" USING btree ("provider_payment_intent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "top_up_attempts_one_auto_in_flight" ON "top_up_attempts" USING btree ("account_id") WHERE "top_up_attempts"."kind" = 'auto' and "top_up_attempts"."status" in ('pending', 'requires_action');--> statement-breakpoint
CREATE INDEX "top_up_attempts_account_time_idx" ON "top_up_attempts" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_methods_current_key" ON "payment_methods" USING btree ("account_id") WHERE "payment_methods"."replaced_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_methods_provider_id_key" ON "payment_methods" USING btree ("provider","provider_payment_method_id");--> statement-breakpoint
CREATE INDEX "payment_provider_events_account_idx" ON "payment_provider_events" USING btree ("account_id","received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "usage_records_external_id_key" ON "usage_records" USING btree ("account_id","external_id");--> statement-breakpoint
CREATE INDEX "usage_records_account_time_idx" ON "usage_records" USING btree ("account_id","started_at");--> statement-breakpoint
CREATE INDEX "audit_log_account_time_idx" ON "audit_log" USING btree ("account_id","created_at");