-- An issued invoice is a legal document: its number, dates, parties, amounts and lines never
-- change. Only its payment state moves on (open -> paid, void, uncollectible;
-- uncollectible -> paid, void), with its payment date, the last payment failure and the
-- provider's invoice id (set once). A correction is a credit note, never an edit.
CREATE FUNCTION invoices_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mutable constant text[] := array['status', 'paid_at', 'payment_failure', 'provider_invoice_id', 'updated_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status = 'draft' THEN RETURN OLD; END IF;
    RAISE EXCEPTION 'invoice % is issued and cannot be deleted', OLD.number
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'draft' THEN RETURN NEW; END IF;
  IF (to_jsonb(NEW) - mutable) IS DISTINCT FROM (to_jsonb(OLD) - mutable) THEN
    RAISE EXCEPTION 'invoice % is issued: only its status may change', OLD.number
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.provider_invoice_id IS NOT NULL AND NEW.provider_invoice_id IS DISTINCT FROM OLD.provider_invoice_id THEN
    RAISE EXCEPTION 'invoice % already has its provider invoice', OLD.number
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'open' AND NEW.status IN ('paid', 'void', 'uncollectible'))
    OR (OLD.status = 'uncollectible' AND NEW.status IN ('paid', 'void'))) THEN
    RAISE EXCEPTION 'invoice % cannot go from % to %', OLD.number, OLD.status, NEW.status
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_immutable_once_issued
  BEFORE UPDATE OR DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION invoices_refuse_change();
--> statement-breakpoint
CREATE FUNCTION invoices_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% cannot be truncated: issued documents are kept', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_no_truncate
  BEFORE TRUNCATE ON invoices
  FOR EACH STATEMENT EXECUTE FUNCTION invoices_refuse_truncate();
--> statement-breakpoint
-- Lines are written once, while their invoice is a draft (in the transaction that issues it).
CREATE FUNCTION invoice_lines_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM invoices WHERE id = NEW.invoice_id AND status = 'draft') THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'lines can be added to a draft invoice only'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'invoice lines are written once (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoice_lines_write_once
  BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
  FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_change();
--> statement-breakpoint
CREATE TRIGGER invoice_lines_no_truncate
  BEFORE TRUNCATE ON invoice_lines
  FOR EACH STATEMENT EXECUTE FUNCTION invoices_refuse_truncate();
