-- The ledger's posting, as a function so that its plan is prepared once per connection.
-- Called only by lib/credit/ledger.ts (postMovements), which documents what it does:
-- skip movements already posted for their interaction, add the rest to the balance with
-- one UPDATE ... RETURNING, insert them with running balances, and record one pending
-- automatic top-up when a debit crosses the threshold (one in flight, within the cap).
CREATE FUNCTION ledger_post(p_account uuid, p_movements jsonb)
RETURNS TABLE (kind text, id text, type text, interaction_id text, amount bigint,
               balance_after bigint, balance_before bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY
  WITH input AS (
    SELECT * FROM jsonb_to_recordset(p_movements) AS x(
      ord int, type movement_type, amount bigint, interaction_id text, description text,
      destination text, units int, unit_type unit_type, rate_micros bigint,
      actor_user_id uuid, actor text, occurred_at timestamptz)
  ),
  fresh AS (
    SELECT DISTINCT ON (coalesce(i.interaction_id, 'ord:' || i.ord), i.type) i.*
    FROM input i
    WHERE i.interaction_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM credit_movements m
      WHERE m.account_id = p_account AND m.type = i.type AND m.interaction_id = i.interaction_id)
    ORDER BY coalesce(i.interaction_id, 'ord:' || i.ord), i.type, i.ord
  ),
  total AS (SELECT coalesce(sum(f.amount), 0)::bigint AS amount FROM fresh f),
  balance AS (
    UPDATE credit_balances b
    SET balance = b.balance + (SELECT t.amount FROM total t), updated_at = now()
    WHERE b.account_id = p_account
    RETURNING b.balance AS after, b.balance - (SELECT t.amount FROM total t) AS before
  ),
  inserted AS (
    INSERT INTO credit_movements (account_id, occurred_at, type, interaction_id, description,
      destination, units, unit_type, rate_micros, amount, balance_after, actor_user_id, actor)
    SELECT p_account, coalesce(f.occurred_at, now()), f.type, f.interaction_id, f.description,
           f.destination, f.units, f.unit_type, f.rate_micros, f.amount,
           bal.before + sum(f.amount) OVER (ORDER BY f.ord), f.actor_user_id, f.actor
    FROM fresh f CROSS JOIN balance bal
    ORDER BY f.ord
    RETURNING credit_movements.id, credit_movements.type, credit_movements.interaction_id,
              credit_movements.amount, credit_movements.balance_after
  ),
  crossing AS (
    SELECT s.amount, a.currency, (SELECT max(ins.id) FROM inserted ins) AS movement_id
    FROM auto_top_up_settings s
    JOIN accounts a ON a.id = s.account_id
    CROSS JOIN balance bal
    WHERE s.account_id = p_account AND s.enabled
      AND bal.before >= s.threshold AND bal.after < s.threshold
      AND (s.monthly_cap IS NULL OR s.amount + (
        SELECT coalesce(sum(t.amount), 0) FROM top_up_attempts t
        WHERE t.account_id = p_account AND t.kind = 'auto'
          AND t.status IN ('pending', 'requires_action', 'succeeded')
          AND t.created_at >= date_trunc('month', now() AT TIME ZONE a.time_zone) AT TIME ZONE a.time_zone
      ) <= s.monthly_cap)
  ),
  attempt AS (
    INSERT INTO top_up_attempts (account_id, kind, status, amount, currency, idempotency_key,
      triggered_by_movement_id)
    SELECT p_account, 'auto', 'pending', c.amount, c.currency, 'auto-top-up:' || c.movement_id, c.movement_id
    FROM crossing c
    ON CONFLICT DO NOTHING
    RETURNING top_up_attempts.id
  )
  SELECT 'movement'::text, ins.id::text, ins.type::text, ins.interaction_id, ins.amount,
         ins.balance_after, NULL::bigint
  FROM inserted ins
  UNION ALL
  SELECT 'balance'::text, NULL::text, NULL::text, NULL::text, NULL::bigint, bal.after, bal.before FROM balance bal
  UNION ALL
  SELECT 'attempt'::text, att.id::text, NULL::text, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint FROM attempt att;
END;
$$;
