-- Credit movements are the ledger: rows are written once and never changed or removed.
CREATE FUNCTION credit_movements_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_movements is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER credit_movements_append_only
  BEFORE UPDATE OR DELETE ON credit_movements
  FOR EACH ROW EXECUTE FUNCTION credit_movements_refuse_change();
--> statement-breakpoint
CREATE TRIGGER credit_movements_no_truncate
  BEFORE TRUNCATE ON credit_movements
  FOR EACH STATEMENT EXECUTE FUNCTION credit_movements_refuse_change();
