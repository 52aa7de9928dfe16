CREATE TABLE "content_versions" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- Which accounts a transaction changed, until it commits: one row per statement (an array
-- of accounts), never committed (the deferred trigger below deletes them at commit).
CREATE TABLE content_changes_pending (
	txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
	account_ids uuid[] NOT NULL
);
--> statement-breakpoint
CREATE INDEX content_changes_pending_txid_idx ON content_changes_pending (txid);
--> statement-breakpoint
-- At commit, once per transaction: every account it changed gets its version bumped, in
-- account order. The version rows are locked only at commit and always in the same order,
-- so this adds no lock-order deadlock to the transactions that change accounts. A reader
-- that sees a version has seen every change committed with it.
CREATE FUNCTION content_versions_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  WITH taken AS (
    DELETE FROM content_changes_pending WHERE txid = pg_current_xact_id() RETURNING account_ids
  )
  INSERT INTO content_versions AS v (account_id, version)
  SELECT DISTINCT unnest(account_ids), 1 FROM taken
  ORDER BY 1
  ON CONFLICT (account_id) DO UPDATE SET version = v.version + 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER content_changes_pending_bump
  AFTER INSERT ON content_changes_pending
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION content_versions_bump();
--> statement-breakpoint
-- Statement-level: one pending row per statement whatever the number of rows it changed.
CREATE FUNCTION content_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO content_changes_pending (account_ids)
  SELECT array_agg(DISTINCT account_id) FROM changed_rows HAVING count(*) > 0;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION content_changed_accounts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO content_changes_pending (account_ids)
  SELECT array_agg(DISTINCT id) FROM changed_rows HAVING count(*) > 0;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION content_changed_catalog() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO content_changes_pending (account_ids) VALUES (ARRAY['00000000-0000-0000-0000-000000000000'::uuid]);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- Every table the billing page reads from, except the rollups (kept by triggers from
-- credit movements and usage records in the same statements) and credit movements (every
-- posting updates its account's credit_balances row).
DO $$
DECLARE
  t text;
  f text;
BEGIN
  FOREACH t IN ARRAY ARRAY['accounts', 'users', 'subscriptions', 'account_packages', 'prepaid_bundles', 'account_addons',
                           'phone_numbers', 'credit_balances', 'auto_top_up_settings', 'top_up_attempts', 'payment_methods',
                           'billing_details', 'usage_records', 'audit_log'] LOOP
    f := CASE WHEN t = 'accounts' THEN 'content_changed_accounts' ELSE 'content_changed' END;
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_content_insert', t, f);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_content_update', t, f);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_content_delete', t, f);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['plans', 'calling_packages', 'addons', 'rate_cards', 'rates'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION content_changed_catalog()', t || '_content_change', t);
  END LOOP;
END;
$$;
