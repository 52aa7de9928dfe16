CREATE TYPE "public"."spend_dimension" AS ENUM('user', 'number', 'country', 'package_fit');--> statement-breakpoint
CREATE TABLE "usage_spend_daily" (
	"account_id" uuid NOT NULL,
	"dimension" "spend_dimension" NOT NULL,
	"day" date NOT NULL,
	"key" text NOT NULL,
	"records" integer NOT NULL,
	"seconds" bigint NOT NULL,
	"fragments" bigint NOT NULL,
	"amount" bigint NOT NULL,
	CONSTRAINT "usage_spend_daily_pkey" PRIMARY KEY("account_id","dimension","day","key")
);
--> statement-breakpoint
CREATE TABLE "usage_spend_monthly" (
	"account_id" uuid NOT NULL,
	"dimension" "spend_dimension" NOT NULL,
	"month" date NOT NULL,
	"key" text NOT NULL,
	"records" integer NOT NULL,
	"seconds" bigint NOT NULL,
	"fragments" bigint NOT NULL,
	"amount" bigint NOT NULL,
	CONSTRAINT "usage_spend_monthly_pkey" PRIMARY KEY("account_id","dimension","month","key")
);
--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "rating_reason" text DEFAULT 'unrecorded' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "rating_reason_params" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_spend_daily" ADD CONSTRAINT "usage_spend_daily_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_spend_monthly" ADD CONSTRAINT "usage_spend_monthly_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_records_account_user_time_idx" ON "usage_records" USING btree ("account_id","user_id","started_at","id");--> statement-breakpoint
CREATE INDEX "usage_records_account_number_time_idx" ON "usage_records" USING btree ("account_id",(case when "direction" = 'inbound' and not ("kind" = 'call' and "forwarded") then "to_number" else "from_number" end),"started_at","id");--> statement-breakpoint
CREATE INDEX "usage_records_account_country_time_idx" ON "usage_records" USING btree ("account_id","destination_country","started_at","id");--> statement-breakpoint
-- Records rated before reasons were kept: their category is all that is known of why.
UPDATE "usage_records" SET "rating_reason_params" = jsonb_build_object('category', "category")
  WHERE "rating_reason" = 'unrecorded';--> statement-breakpoint
-- Spend per day and per month by user, by the account's number, by destination country
-- and, for calls charged from credit that a calling package could include, by user,
-- calling number's country and destination (with the seconds charged from credit). Kept in
-- the same transaction as the rated records, one upsert per statement (like 0002's rollups).
CREATE FUNCTION usage_spend_rollup_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  WITH r AS (
    SELECT n.account_id, d.dimension, (n.started_at AT TIME ZONE a.time_zone)::date AS day, d.key,
           coalesce(n.duration_seconds, 0)::bigint AS seconds, coalesce(n.fragments, 0)::bigint AS fragments, n.amount
    FROM new_usage n
    JOIN accounts a ON a.id = n.account_id
    CROSS JOIN LATERAL (VALUES
      ('user'::spend_dimension, coalesce(n.user_id::text, '')),
      ('number'::spend_dimension,
        CASE WHEN n.direction = 'inbound' AND NOT (n.kind = 'call' AND n.forwarded) THEN n.to_number ELSE n.from_number END),
      ('country'::spend_dimension, coalesce(n.destination_country, ''))
    ) AS d (dimension, key)
    UNION ALL
    SELECT n.account_id, 'package_fit', (n.started_at AT TIME ZONE a.time_zone)::date,
           n.user_id::text || '|' || held.country || '|' || n.destination_country,
           n.billable_units::bigint, 0, n.amount
    FROM new_usage n
    JOIN accounts a ON a.id = n.account_id
    CROSS JOIN LATERAL (
      SELECT p.country FROM phone_numbers p
      WHERE p.account_id = n.account_id AND p.e164 = n.from_number
      ORDER BY p.acquired_at DESC LIMIT 1
    ) held
    WHERE n.category = 'outside_packages' AND n.kind = 'call' AND n.direction = 'outbound' AND NOT n.forwarded
      AND n.destination_type IN ('fixed', 'mobile') AND n.user_id IS NOT NULL AND n.amount > 0
  ),
  daily AS (
    INSERT INTO usage_spend_daily AS t (account_id, dimension, day, key, records, seconds, fragments, amount)
    SELECT account_id, dimension, day, key, count(*), sum(seconds), sum(fragments), sum(amount)
    FROM r
    GROUP BY account_id, dimension, day, key
    ON CONFLICT (account_id, dimension, day, key) DO UPDATE SET
      records = t.records + excluded.records,
      seconds = t.seconds + excluded.seconds,
      fragments = t.fragments + excluded.fragments,
      amount = t.amount + excluded.amount
  )
  INSERT INTO usage_spend_monthly AS t (account_id, dimension, month, key, records, seconds, fragments, amount)
  SELECT account_id, dimension, date_trunc('month', day)::date, key, count(*), sum(seconds), sum(fragments), sum(amount)
  FROM r
  GROUP BY account_id, dimension, date_trunc('month', day)::date, key
  ON CONFLICT (account_id, dimension, month, key) DO UPDATE SET
    records = t.records + excluded.records,
    seconds = t.seconds + excluded.seconds,
    fragments = t.fragments + excluded.fragments,
    amount = t.amount + excluded.amount;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER usage_records_spend_rollup
  AFTER INSERT ON usage_records
  REFERENCING NEW TABLE AS new_usage
  FOR EACH STATEMENT EXECUTE FUNCTION usage_spend_rollup_add();--> statement-breakpoint
-- The records rated so far.
  WITH r AS (
    SELECT n.account_id, d.dimension, (n.started_at AT TIME ZONE a.time_zone)::date AS day, d.key,
           coalesce(n.duration_seconds, 0)::bigint AS seconds, coalesce(n.fragments, 0)::bigint AS fragments, n.amount
    FROM usage_records n
    JOIN accounts a ON a.id = n.account_id
    CROSS JOIN LATERAL (VALUES
      ('user'::spend_dimension, coalesce(n.user_id::text, '')),
      ('number'::spend_dimension,
        CASE WHEN n.direction = 'inbound' AND NOT (n.kind = 'call' AND n.forwarded) THEN n.to_number ELSE n.from_number END),
      ('country'::spend_dimension, coalesce(n.destination_country, ''))
    ) AS d (dimension, key)
    UNION ALL
    SELECT n.account_id, 'package_fit', (n.started_at AT TIME ZONE a.time_zone)::date,
           n.user_id::text || '|' || held.country || '|' || n.destination_country,
           n.billable_units::bigint, 0, n.amount
    FROM usage_records n
    JOIN accounts a ON a.id = n.account_id
    CROSS JOIN LATERAL (
      SELECT p.country FROM phone_numbers p
      WHERE p.account_id = n.account_id AND p.e164 = n.from_number
      ORDER BY p.acquired_at DESC LIMIT 1
    ) held
    WHERE n.category = 'outside_packages' AND n.kind = 'call' AND n.direction = 'outbound' AND NOT n.forwarded
      AND n.destination_type IN ('fixed', 'mobile') AND n.user_id IS NOT NULL AND n.amount > 0
  ),
  daily AS (
    INSERT INTO usage_spend_daily AS t (account_id, dimension, day, key, records, seconds, fragments, amount)
    SELECT account_id, dimension, day, key, count(*), sum(seconds), sum(fragments), sum(amount)
    FROM r
    GROUP BY account_id, dimension, day, key
  )
  INSERT INTO usage_spend_monthly AS t (account_id, dimension, month, key, records, seconds, fragments, amount)
  SELECT account_id, dimension, date_trunc('month', day)::date, key, count(*), sum(seconds), sum(fragments), sum(amount)
  FROM r
  GROUP BY account_id, dimension, date_trunc('month', day)::date, key;
