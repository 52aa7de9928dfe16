CREATE TYPE "public"."invoice_kind" AS ENUM('period', 'top_up', 'credit_note');--> statement-breakpoint
CREATE TYPE "public"."invoice_status" AS ENUM('draft', 'open', 'paid', 'void', 'uncollectible');--> statement-breakpoint
CREATE TABLE "invoice_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"group_key" text NOT NULL,
	"description" text NOT NULL,
	"quantity" integer NOT NULL,
	"quantity_label" text,
	"unit_price" bigint,
	"net_amount" bigint NOT NULL,
	"tax_rate_basis_points" integer NOT NULL,
	CONSTRAINT "invoice_lines_rate_range" CHECK ("invoice_lines"."tax_rate_basis_points" between 0 and 10000)
);
--> statement-breakpoint
CREATE TABLE "invoice_number_counters" (
	"issuer" text NOT NULL,
	"series" text NOT NULL,
	"year" integer NOT NULL,
	"last_value" integer NOT NULL,
	CONSTRAINT "invoice_number_counters_issuer_series_year_pk" PRIMARY KEY("issuer","series","year"),
	CONSTRAINT "invoice_number_counters_positive" CHECK ("invoice_number_counters"."last_value" > 0)
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"kind" "invoice_kind" NOT NULL,
	"status" "invoice_status" DEFAULT 'draft' NOT NULL,
	"number" text NOT NULL,
	"issuer" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"currency" text NOT NULL,
	"time_zone" text NOT NULL,
	"seller" jsonb NOT NULL,
	"buyer" jsonb NOT NULL,
	"tax_rule" text NOT NULL,
	"tax_note" text,
	"tax_breakdown" jsonb NOT NULL,
	"net_total" bigint NOT NULL,
	"tax_total" bigint NOT NULL,
	"gross_total" bigint NOT NULL,
	"paid_from_credit" bigint DEFAULT 0 NOT NULL,
	"top_up_attempt_id" uuid,
	"corrects_invoice_id" uuid,
	"note" text,
	"provider_invoice_id" text,
	"paid_at" timestamp with time zone,
	"payment_failure" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_account_id_id_key" UNIQUE("account_id","id"),
	CONSTRAINT "invoices_currency_format" CHECK ("invoices"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "invoices_totals_add_up" CHECK ("invoices"."net_total" + "invoices"."tax_total" = "invoices"."gross_total"),
	CONSTRAINT "invoices_period_order" CHECK ("invoices"."period_end" >= "invoices"."period_start"),
	CONSTRAINT "invoices_kind_references" CHECK (("invoices"."kind" = 'top_up') = ("invoices"."top_up_attempt_id" is not null)
        and ("invoices"."kind" = 'credit_note') = ("invoices"."corrects_invoice_id" is not null)),
	CONSTRAINT "invoices_paid_from_credit_nonnegative" CHECK ("invoices"."paid_from_credit" >= 0)
);
--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_invoice_same_account_fk" FOREIGN KEY ("account_id","invoice_id") REFERENCES "public"."invoices"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_top_up_attempt_id_top_up_attempts_id_fk" FOREIGN KEY ("top_up_attempt_id") REFERENCES "public"."top_up_attempts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_corrects_invoice_id_invoices_id_fk" FOREIGN KEY ("corrects_invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_corrects_same_account_fk" FOREIGN KEY ("account_id","corrects_invoice_id") REFERENCES "public"."invoices"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invoice_lines_position_key" ON "invoice_lines" USING btree ("invoice_id","position");--> statement-breakpoint
CREATE INDEX "invoice_lines_account_idx" ON "invoice_lines" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_issuer_number_key" ON "invoices" USING btree ("issuer","number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_account_period_key" ON "invoices" USING btree ("account_id","period_start") WHERE "invoices"."kind" = 'period';--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_top_up_key" ON "invoices" USING btree ("top_up_attempt_id") WHERE "invoices"."top_up_attempt_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_one_credit_note_key" ON "invoices" USING btree ("corrects_invoice_id") WHERE "invoices"."kind" = 'credit_note';--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_provider_invoice_key" ON "invoices" USING btree ("provider_invoice_id") WHERE "invoices"."provider_invoice_id" is not null;--> statement-breakpoint
CREATE INDEX "invoices_account_issued_idx" ON "invoices" USING btree ("account_id","issued_at");