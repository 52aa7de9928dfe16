ALTER TABLE "top_up_attempts" ADD COLUMN "tax_amount" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "top_up_attempts" ADD COLUMN "tax_rate_basis_points" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "top_up_attempts" ADD COLUMN "tax_rule" text;--> statement-breakpoint
ALTER TABLE "top_up_attempts" ADD CONSTRAINT "top_up_attempts_tax_nonnegative" CHECK ("top_up_attempts"."tax_amount" >= 0 and "top_up_attempts"."tax_rate_basis_points" >= 0);