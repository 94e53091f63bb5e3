-- Adjustments are append-only: a mistaken one is corrected by another entry, never an edit.
CREATE OR REPLACE FUNCTION billing_adjustment_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on billing_billadjustment refused: adjustments are append-only', TG_OP
        USING ERRCODE = 'BL002';
END;
$$;

CREATE TRIGGER bill_adjustment_append_only
    BEFORE UPDATE OR DELETE ON billing_billadjustment
    FOR EACH ROW EXECUTE FUNCTION billing_adjustment_append_only();
