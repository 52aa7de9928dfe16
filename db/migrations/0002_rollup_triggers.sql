-- Daily rollups of the ledger and of rated usage, kept in the same transaction as the
-- inserted rows by statement-level triggers (one upsert per statement, not per row).
CREATE FUNCTION credit_daily_balances_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO credit_daily_balances AS t
    (account_id, day, closing_balance, last_movement_id, credits, debits, usage_net)
  SELECT n.account_id,
         (n.occurred_at AT TIME ZONE a.time_zone)::date,
         (array_agg(n.balance_after ORDER BY n.id DESC))[1],
         max(n.id),
         coalesce(sum(n.amount) FILTER (WHERE n.amount > 0), 0),
         coalesce(-sum(n.amount) FILTER (WHERE n.amount < 0), 0),
         coalesce(sum(n.amount) FILTER (WHERE n.type NOT IN ('top_up_manual', 'top_up_auto')), 0)
  FROM new_movements n
  JOIN accounts a ON a.id = n.account_id
  GROUP BY n.account_id, (n.occurred_at AT TIME ZONE a.time_zone)::date
  ON CONFLICT (account_id, day) DO UPDATE SET
    closing_balance = CASE WHEN excluded.last_movement_id > t.last_movement_id
                           THEN excluded.closing_balance ELSE t.closing_balance END,
    last_movement_id = greatest(t.last_movement_id, excluded.last_movement_id),
    credits = t.credits + excluded.credits,
    debits = t.debits + excluded.debits,
    usage_net = t.usage_net + excluded.usage_net;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER credit_movements_daily_rollup
  AFTER INSERT ON credit_movements
  REFERENCING NEW TABLE AS new_movements
  FOR EACH STATEMENT EXECUTE FUNCTION credit_daily_balances_add();
--> statement-breakpoint
CREATE FUNCTION usage_rollups_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_daily_totals AS t (account_id, day, category, records, seconds, fragments, amount)
  SELECT n.account_id,
         (n.started_at AT TIME ZONE a.time_zone)::date,
         n.category,
         count(*),
         coalesce(sum(n.duration_seconds), 0),
         coalesce(sum(n.fragments), 0),
         sum(n.amount)
  FROM new_usage n
  JOIN accounts a ON a.id = n.account_id
  GROUP BY n.account_id, (n.started_at AT TIME ZONE a.time_zone)::date, n.category
  ON CONFLICT (account_id, day, category) DO UPDATE SET
    records = t.records + excluded.records,
    seconds = t.seconds + excluded.seconds,
    fragments = t.fragments + excluded.fragments,
    amount = t.amount + excluded.amount;

  INSERT INTO usage_user_monthly AS t (account_id, month, user_id, package_id, seconds)
  SELECT n.account_id,
         date_trunc('month', n.started_at AT TIME ZONE a.time_zone)::date,
         n.user_id,
         n.covered_by_package_id,
         sum(n.duration_seconds)
  FROM new_usage n
  JOIN accounts a ON a.id = n.account_id
  WHERE n.kind = 'call' AND n.user_id IS NOT NULL AND n.covered_by_package_id IS NOT NULL
  GROUP BY n.account_id, date_trunc('month', n.started_at AT TIME ZONE a.time_zone)::date,
           n.user_id, n.covered_by_package_id
  ON CONFLICT (account_id, month, user_id, package_id) DO UPDATE SET
    seconds = t.seconds + excluded.seconds;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER usage_records_rollups
  AFTER INSERT ON usage_records
  REFERENCING NEW TABLE AS new_usage
  FOR EACH STATEMENT EXECUTE FUNCTION usage_rollups_add();
