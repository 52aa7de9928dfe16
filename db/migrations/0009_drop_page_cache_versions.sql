-- The billing page is rendered fresh on every load: the content versions that told a kept
-- copy apart from a stale one, and the statement triggers that every write paid for, go.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['accounts', 'users', 'subscriptions', 'account_packages', 'prepaid_bundles', 'account_addons',
                           'phone_numbers', 'auto_top_up_settings', 'top_up_attempts', 'payment_methods',
                           'billing_details', 'usage_records', 'audit_log'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_content_insert', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_content_update', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_content_delete', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['plans', 'calling_packages', 'addons', 'rate_cards', 'rates'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_content_change', t);
  END LOOP;
END;
$$;
--> statement-breakpoint
DROP FUNCTION content_changed();
--> statement-breakpoint
DROP FUNCTION content_changed_accounts();
--> statement-breakpoint
DROP FUNCTION content_changed_catalog();
--> statement-breakpoint
DROP TABLE content_changes_pending;
--> statement-breakpoint
DROP FUNCTION content_changes_note(uuid[]);
--> statement-breakpoint
DROP FUNCTION content_versions_bump();
--> statement-breakpoint
DROP TABLE "content_versions";
