-- Credit movements and usage records are partitioned by month: credit_movements by
-- occurred_at, usage_records by started_at. The partition key is part of each primary key,
-- led by account_id (so both can later be distributed by account); what was unique across
-- the whole table (an interaction posted once, a platform id rated once) is kept in a key
-- table of its own, filled by a trigger in the same statement. Partitions are made ahead by
-- ensure_history_partitions (the worker runs it daily); a default partition holds anything
-- outside them, so an insert never fails for want of one.

-- Pointers to a movement keep their value; movements are never removed, and a foreign key to
-- a partitioned table would need its whole primary key.
ALTER TABLE "top_up_attempts" DROP CONSTRAINT "top_up_attempts_triggered_by_movement_id_credit_movements_id_fk";--> statement-breakpoint
ALTER TABLE "usage_records" DROP CONSTRAINT "usage_records_movement_id_credit_movements_id_fk";--> statement-breakpoint

CREATE TABLE "credit_movement_keys" (
	"account_id" uuid NOT NULL,
	"type" "movement_type" NOT NULL,
	"interaction_id" text NOT NULL,
	CONSTRAINT "credit_movement_keys_pkey" PRIMARY KEY("account_id","type","interaction_id")
);--> statement-breakpoint
CREATE TABLE "usage_record_keys" (
	"account_id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	CONSTRAINT "usage_record_keys_pkey" PRIMARY KEY("account_id","external_id")
);--> statement-breakpoint
ALTER TABLE "credit_movement_keys" ADD CONSTRAINT "credit_movement_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_record_keys" ADD CONSTRAINT "usage_record_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint

-- The tables as they were, out of the way; copied below, then dropped.
ALTER TABLE "credit_movements" RENAME TO "credit_movements_unpartitioned";--> statement-breakpoint
ALTER TABLE "usage_records" RENAME TO "usage_records_unpartitioned";--> statement-breakpoint

CREATE TABLE "credit_movements" (
	"id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
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
	CONSTRAINT "credit_movements_amount_nonzero" CHECK ("amount" <> 0),
	CONSTRAINT "credit_movements_units_consistent" CHECK (("units" IS NULL) = ("unit_type" IS NULL) AND ("units" IS NULL OR "units" >= 0))
) PARTITION BY RANGE ("occurred_at");--> statement-breakpoint
CREATE TABLE "credit_movements_default" PARTITION OF "credit_movements" DEFAULT;--> statement-breakpoint

CREATE TABLE "usage_records" (
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
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
	"rating_reason" text DEFAULT 'unrecorded' NOT NULL,
	"rating_reason_params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "usage_records_amount_nonnegative" CHECK ("amount" >= 0),
	CONSTRAINT "usage_records_bundle_seconds_nonnegative" CHECK ("bundle_seconds" >= 0),
	CONSTRAINT "usage_records_included_free" CHECK ("category" <> 'included' OR "amount" = 0),
	CONSTRAINT "usage_records_measure" CHECK (("kind" = 'call' AND "duration_seconds" >= 0 AND "fragments" IS NULL) OR ("kind" = 'sms' AND "fragments" > 0 AND "duration_seconds" IS NULL))
) PARTITION BY RANGE ("started_at");--> statement-breakpoint
CREATE TABLE "usage_records_default" PARTITION OF "usage_records" DEFAULT;--> statement-breakpoint

-- Monthly partitions (UTC months) of both tables from the month of p_from to that of p_to.
-- A month some of whose rows are already in the default partition is left there (and said
-- so): moving them would rewrite the append-only ledger. Safe to run at once from several
-- workers: they take turns.
CREATE FUNCTION ensure_history_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamp := date_trunc('month', p_from AT TIME ZONE 'UTC');
  last_month timestamp := date_trunc('month', p_to AT TIME ZONE 'UTC');
  lo timestamptz;
  hi timestamptz;
  parent text;
  key_column text;
  partition text;
  made integer := 0;
  occupied boolean;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ensure_history_partitions'));
  WHILE month_start <= last_month LOOP
    lo := month_start AT TIME ZONE 'UTC';
    hi := (month_start + interval '1 month') AT TIME ZONE 'UTC';
    FOREACH parent IN ARRAY ARRAY['credit_movements', 'usage_records'] LOOP
      key_column := CASE parent WHEN 'credit_movements' THEN 'occurred_at' ELSE 'started_at' END;
      partition := parent || '_' || to_char(month_start, 'YYYY_MM');
      CONTINUE WHEN to_regclass(partition) IS NOT NULL;
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', parent || '_default', key_column, key_column)
        INTO occupied USING lo, hi;
      IF occupied THEN
        RAISE WARNING '% keeps its rows of % in %', parent, to_char(month_start, 'YYYY-MM'), parent || '_default';
        CONTINUE;
      END IF;
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition, parent, lo, hi);
      IF parent = 'credit_movements' THEN
        -- Row triggers come with the partition; a statement's TRUNCATE of the partition itself does not.
        EXECUTE format('CREATE TRIGGER credit_movements_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION credit_movements_refuse_change()', partition);
      END IF;
      made := made + 1;
    END LOOP;
    month_start := month_start + interval '1 month';
  END LOOP;
  RETURN made;
END;
$$;--> statement-breakpoint
CREATE TRIGGER credit_movements_no_truncate BEFORE TRUNCATE ON "credit_movements_default" FOR EACH STATEMENT EXECUTE FUNCTION credit_movements_refuse_change();--> statement-breakpoint

-- The months of the history so far, and three ahead.
SELECT ensure_history_partitions(
  least(
    coalesce((SELECT min(occurred_at) FROM credit_movements_unpartitioned), now()),
    coalesce((SELECT min(started_at) FROM usage_records_unpartitioned), now())),
  now() + interval '3 months');--> statement-breakpoint

INSERT INTO "credit_movements" OVERRIDING SYSTEM VALUE SELECT * FROM "credit_movements_unpartitioned";--> statement-breakpoint
SELECT setval(pg_get_serial_sequence('credit_movements', 'id'), coalesce((SELECT max(id) FROM credit_movements), 0) + 1, false);--> statement-breakpoint
INSERT INTO "credit_movement_keys" (account_id, type, interaction_id)
  SELECT account_id, type, interaction_id FROM "credit_movements_unpartitioned" WHERE interaction_id IS NOT NULL;--> statement-breakpoint
INSERT INTO "usage_records" SELECT * FROM "usage_records_unpartitioned";--> statement-breakpoint
INSERT INTO "usage_record_keys" (account_id, external_id, started_at)
  SELECT account_id, external_id, started_at FROM "usage_records_unpartitioned";--> statement-breakpoint
DROP TABLE "credit_movements_unpartitioned";--> statement-breakpoint
DROP TABLE "usage_records_unpartitioned";--> statement-breakpoint

ALTER TABLE "credit_movements" ADD CONSTRAINT "credit_movements_pkey" PRIMARY KEY("account_id","occurred_at","id");--> statement-breakpoint
ALTER TABLE "credit_movements" ADD CONSTRAINT "credit_movements_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_movements" ADD CONSTRAINT "credit_movements_actor_same_account_fk" FOREIGN KEY ("account_id","actor_user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint

ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_pkey" PRIMARY KEY("account_id","started_at","id");--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_bundle_id_prepaid_bundles_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "public"."prepaid_bundles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_covered_by_package_id_calling_packages_id_fk" FOREIGN KEY ("covered_by_package_id") REFERENCES "public"."calling_packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_user_same_account_fk" FOREIGN KEY ("account_id","user_id") REFERENCES "public"."users"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_records_account_time_idx" ON "usage_records" USING btree ("account_id","started_at");--> statement-breakpoint
CREATE INDEX "usage_records_account_user_time_idx" ON "usage_records" USING btree ("account_id","user_id","started_at","id");--> statement-breakpoint
CREATE INDEX "usage_records_account_number_time_idx" ON "usage_records" USING btree ("account_id",(case when "direction" = 'inbound' and not ("kind" = 'call' and "forwarded") then "to_number" else "from_number" end),"started_at","id");--> statement-breakpoint
CREATE INDEX "usage_records_account_country_time_idx" ON "usage_records" USING btree ("account_id","destination_country","started_at","id");--> statement-breakpoint

-- The triggers, once the history is in (the rollups already count it).
CREATE TRIGGER credit_movements_append_only
  BEFORE UPDATE OR DELETE ON "credit_movements"
  FOR EACH ROW EXECUTE FUNCTION credit_movements_refuse_change();--> statement-breakpoint
CREATE TRIGGER credit_movements_no_truncate
  BEFORE TRUNCATE ON "credit_movements"
  FOR EACH STATEMENT EXECUTE FUNCTION credit_movements_refuse_change();--> statement-breakpoint
CREATE TRIGGER credit_movements_daily_rollup
  AFTER INSERT ON "credit_movements"
  REFERENCING NEW TABLE AS new_movements
  FOR EACH STATEMENT EXECUTE FUNCTION credit_daily_balances_add();--> statement-breakpoint
CREATE FUNCTION credit_movement_keys_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- A second movement of the same interaction fails here, as a unique index would.
  INSERT INTO credit_movement_keys (account_id, type, interaction_id)
  SELECT account_id, type, interaction_id FROM new_movements WHERE interaction_id IS NOT NULL;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER credit_movements_keys
  AFTER INSERT ON "credit_movements"
  REFERENCING NEW TABLE AS new_movements
  FOR EACH STATEMENT EXECUTE FUNCTION credit_movement_keys_add();--> statement-breakpoint
CREATE TRIGGER usage_records_rollups
  AFTER INSERT ON "usage_records"
  REFERENCING NEW TABLE AS new_usage
  FOR EACH STATEMENT EXECUTE FUNCTION usage_rollups_add();--> statement-breakpoint
CREATE TRIGGER usage_records_spend_rollup
  AFTER INSERT ON "usage_records"
  REFERENCING NEW TABLE AS new_usage
  FOR EACH STATEMENT EXECUTE FUNCTION usage_spend_rollup_add();--> statement-breakpoint
CREATE FUNCTION usage_record_keys_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- A platform id rated a second time fails here, whatever month it claims.
  INSERT INTO usage_record_keys (account_id, external_id, started_at)
  SELECT account_id, external_id, started_at FROM new_usage;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER usage_records_keys
  AFTER INSERT ON "usage_records"
  REFERENCING NEW TABLE AS new_usage
  FOR EACH STATEMENT EXECUTE FUNCTION usage_record_keys_add();--> statement-breakpoint

-- The ledger's check for an interaction posted before reads the key table: one index
-- instead of one per partition.
CREATE OR REPLACE FUNCTION ledger_post_many(p_movements json)
RETURNS TABLE (account_id uuid, kind text, id text, type text, interaction_id text, amount bigint,
               balance_after bigint, balance_before bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY
  WITH input AS (
    SELECT * FROM json_to_recordset(p_movements) AS x(
      ord int, account_id uuid, type movement_type, amount bigint, interaction_id text,
      description text, destination text, units int, unit_type unit_type, rate_micros bigint,
      actor_user_id uuid, actor text, occurred_at timestamptz)
  ),
  fresh AS (
    SELECT DISTINCT ON (i.account_id, coalesce(i.interaction_id, 'ord:' || i.ord), i.type) i.*
    FROM input i
    WHERE i.interaction_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM credit_movement_keys k
      WHERE k.account_id = i.account_id AND k.type = i.type AND k.interaction_id = i.interaction_id)
    ORDER BY i.account_id, coalesce(i.interaction_id, 'ord:' || i.ord), i.type, i.ord
  ),
  total AS (
    SELECT a.account_id, coalesce(sum(f.amount), 0)::bigint AS amount
    FROM (SELECT DISTINCT i.account_id FROM input i) a
    LEFT JOIN fresh f ON f.account_id = a.account_id
    GROUP BY a.account_id
  ),
  balance AS (
    UPDATE credit_balances b
    SET balance = b.balance + t.amount, updated_at = now()
    FROM total t
    WHERE b.account_id = t.account_id
    RETURNING b.account_id, b.balance AS after, b.balance - t.amount AS before
  ),
  inserted AS (
    INSERT INTO credit_movements (account_id, occurred_at, type, interaction_id, description,
      destination, units, unit_type, rate_micros, amount, balance_after, actor_user_id, actor)
    SELECT f.account_id, coalesce(f.occurred_at, now()), f.type, f.interaction_id, f.description,
           f.destination, f.units, f.unit_type, f.rate_micros, f.amount,
           bal.before + sum(f.amount) OVER (PARTITION BY f.account_id ORDER BY f.ord),
           f.actor_user_id, f.actor
    FROM fresh f JOIN balance bal ON bal.account_id = f.account_id
    ORDER BY f.account_id, f.ord
    RETURNING credit_movements.account_id, credit_movements.id, credit_movements.type,
              credit_movements.interaction_id, credit_movements.amount, credit_movements.balance_after
  ),
  crossing AS (
    SELECT bal.account_id, s.amount, a.currency,
           (SELECT max(ins.id) FROM inserted ins WHERE ins.account_id = bal.account_id) AS movement_id
    FROM balance bal
    JOIN auto_top_up_settings s ON s.account_id = bal.account_id
    JOIN accounts a ON a.id = bal.account_id
    WHERE s.enabled
      AND bal.before >= s.threshold AND bal.after < s.threshold
      AND (s.monthly_cap IS NULL OR s.amount + (
        SELECT coalesce(sum(t.amount), 0) FROM top_up_attempts t
        WHERE t.account_id = bal.account_id AND t.kind = 'auto'
          AND t.status IN ('pending', 'requires_action', 'succeeded')
          AND t.created_at >= date_trunc('month', now() AT TIME ZONE a.time_zone) AT TIME ZONE a.time_zone
      ) <= s.monthly_cap)
  ),
  attempt AS (
    INSERT INTO top_up_attempts (account_id, kind, status, amount, currency, idempotency_key,
      triggered_by_movement_id)
    SELECT c.account_id, 'auto', 'pending', c.amount, c.currency, 'auto-top-up:' || c.movement_id, c.movement_id
    FROM crossing c
    ON CONFLICT DO NOTHING
    RETURNING top_up_attempts.account_id, top_up_attempts.id
  )
  SELECT ins.account_id, 'movement'::text, ins.id::text, ins.type::text, ins.interaction_id, ins.amount,
         ins.balance_after, NULL::bigint
  FROM inserted ins
  UNION ALL
  SELECT bal.account_id, 'balance'::text, NULL::text, NULL::text, NULL::text, NULL::bigint, bal.after, bal.before
  FROM balance bal
  UNION ALL
  SELECT att.account_id, 'attempt'::text, att.id::text, NULL::text, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint
  FROM attempt att;
END;
$$;
