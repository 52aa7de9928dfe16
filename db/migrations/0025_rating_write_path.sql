-- The rating write path, lighter by what partitioning made redundant.
--
-- usage_records' primary key (account_id, started_at, id) serves every lookup the
-- (account_id, started_at) index did, so that index only cost an insert per record.
DROP INDEX IF EXISTS "usage_records_account_time_idx";--> statement-breakpoint

-- A key row is written only by the trigger of the statement that inserts its movement or
-- record, and those rows already check their account; a second check per key row added
-- nothing but time.
ALTER TABLE "credit_movement_keys" DROP CONSTRAINT IF EXISTS "credit_movement_keys_account_id_accounts_id_fk";--> statement-breakpoint
ALTER TABLE "usage_record_keys" DROP CONSTRAINT IF EXISTS "usage_record_keys_account_id_accounts_id_fk";--> statement-breakpoint

-- The automatic top-up a posting records points at the debit that crossed the threshold:
-- the last one in the statement's order whose running balance went from at or above the
-- threshold to below it (after it the balance stays below until the statement ends), not
-- merely the statement's last movement.
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
    -- The balance went from >= threshold to < threshold over the statement, so at least one
    -- debit took it across; ids follow the statement's order.
    SELECT bal.account_id, s.amount, a.currency,
           (SELECT max(ins.id) FROM inserted ins
            WHERE ins.account_id = bal.account_id AND ins.amount < 0
              AND ins.balance_after < s.threshold AND ins.balance_after - ins.amount >= s.threshold) AS movement_id
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
