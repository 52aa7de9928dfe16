-- One pending row per transaction (not per statement), so the deferred bump fires once at
-- commit: with a row per statement each firing scanned the transaction's earlier rows,
-- and a transaction of 4,000 statements took most of a second to commit.
DROP INDEX content_changes_pending_txid_idx;
--> statement-breakpoint
ALTER TABLE content_changes_pending ADD CONSTRAINT content_changes_pending_pkey PRIMARY KEY (txid);
--> statement-breakpoint
-- Adds accounts (null: none) to the transaction's pending row; only its first statement
-- inserts it (and queues the deferred bump), the others append accounts not yet in it
-- (an UPDATE fires no INSERT trigger).
CREATE FUNCTION content_changes_note(accounts uuid[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO content_changes_pending AS p (account_ids) SELECT accounts WHERE accounts IS NOT NULL
  ON CONFLICT (txid) DO UPDATE SET account_ids = p.account_ids || excluded.account_ids
  WHERE NOT excluded.account_ids <@ p.account_ids;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION content_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM content_changes_note((SELECT array_agg(DISTINCT account_id) FROM changed_rows));
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION content_changed_accounts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM content_changes_note((SELECT array_agg(DISTINCT id) FROM changed_rows));
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION content_changed_catalog() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM content_changes_note(ARRAY['00000000-0000-0000-0000-000000000000'::uuid]);
  RETURN NULL;
END;
$$;
