-- Every tenant table's primary key leads with account_id, so the tables can be
-- distributed by account (Citus colocates rows by their key's distribution column), and
-- every reference between tenant tables names the account too.

-- References by id alone become references within the account. (The composite foreign
-- keys to users (account_id, id) and invoices (account_id, id) keep their unique
-- constraints as targets: the same columns as the new primary keys, kept so that this
-- upgrade does not re-validate every credit movement and usage record against users.)
ALTER TABLE "usage_records" DROP CONSTRAINT "usage_records_bundle_id_prepaid_bundles_id_fk";--> statement-breakpoint
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_top_up_attempt_id_top_up_attempts_id_fk";--> statement-breakpoint
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_corrects_invoice_id_invoices_id_fk";--> statement-breakpoint

-- The primary keys: (account_id, id).
ALTER TABLE "users" DROP CONSTRAINT "users_pkey";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "account_addons" DROP CONSTRAINT "account_addons_pkey";--> statement-breakpoint
ALTER TABLE "account_addons" ADD CONSTRAINT "account_addons_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "account_packages" DROP CONSTRAINT "account_packages_pkey";--> statement-breakpoint
ALTER TABLE "account_packages" ADD CONSTRAINT "account_packages_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "prepaid_bundles" DROP CONSTRAINT "prepaid_bundles_pkey";--> statement-breakpoint
ALTER TABLE "prepaid_bundles" ADD CONSTRAINT "prepaid_bundles_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "subscription_changes" DROP CONSTRAINT "subscription_changes_pkey";--> statement-breakpoint
ALTER TABLE "subscription_changes" ADD CONSTRAINT "subscription_changes_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_pkey";--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "phone_numbers" DROP CONSTRAINT "phone_numbers_pkey";--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "top_up_attempts" DROP CONSTRAINT "top_up_attempts_pkey";--> statement-breakpoint
ALTER TABLE "top_up_attempts" ADD CONSTRAINT "top_up_attempts_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "payment_methods" DROP CONSTRAINT "payment_methods_pkey";--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_pkey";--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "invoice_lines" DROP CONSTRAINT "invoice_lines_pkey";--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_pkey";--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint
ALTER TABLE "notices" DROP CONSTRAINT "notices_pkey";--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_pkey" PRIMARY KEY ("account_id", "id");--> statement-breakpoint

-- The references that named an id alone, now within the account. The bundle's is
-- checked against every usage record once, here: on a large database, run this upgrade
-- in a quiet hour (Postgres before 18 cannot add it NOT VALID to a partitioned table).
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_bundle_same_account_fk" FOREIGN KEY ("account_id", "bundle_id") REFERENCES "prepaid_bundles" ("account_id", "id");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_top_up_same_account_fk" FOREIGN KEY ("account_id", "top_up_attempt_id") REFERENCES "top_up_attempts" ("account_id", "id");--> statement-breakpoint

-- Indexes on account_id alone: the primary keys lead with it now.
DROP INDEX "invoice_lines_account_idx";--> statement-breakpoint
DROP INDEX "account_packages_account_id_idx";--> statement-breakpoint
DROP INDEX "account_addons_account_id_idx";--> statement-breakpoint

-- Unique indexes within the account. (The remaining global ones guard identities that
-- are global by nature: a login's email, a held number, the provider's ids, an issuer's
-- invoice numbers; see the README's distribution plan. sandbox_payment_intents keeps its
-- global keys: it is the sandbox provider's own store, whose ids and idempotency keys are
-- global as a real provider's are.)
DROP INDEX "invoice_lines_position_key";--> statement-breakpoint
CREATE UNIQUE INDEX "invoice_lines_position_key" ON "invoice_lines" USING btree ("account_id", "invoice_id", "position");--> statement-breakpoint
DROP INDEX "invoices_top_up_key";--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_top_up_key" ON "invoices" USING btree ("account_id", "top_up_attempt_id") WHERE "invoices"."top_up_attempt_id" is not null;--> statement-breakpoint
DROP INDEX "invoices_one_credit_note_key";--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_one_credit_note_key" ON "invoices" USING btree ("account_id", "corrects_invoice_id") WHERE "invoices"."kind" = 'credit_note';
--> statement-breakpoint
-- Lines are written once, while their invoice (of the same account) is a draft.
CREATE OR REPLACE FUNCTION invoice_lines_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM invoices WHERE account_id = NEW.account_id AND id = NEW.invoice_id AND status = 'draft') THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'lines can be added to a draft invoice only'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'invoice lines are written once (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
