-- Files sent and taken back record money: never deleted; only an export's acknowledgement
-- changes (SQLSTATE RC001). Migration 0001's reconciliation_file_frozen() reads OLD.entry_id,
-- which PL/pgSQL refuses on a table without that column whenever an allowed column changes;
-- these tables get the same rule without the entry check.
CREATE OR REPLACE FUNCTION reconciliation_file_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    mutable text[] := TG_ARGV;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows record money and cannot be deleted', TG_TABLE_NAME
            USING ERRCODE = 'RC001';
    END IF;
    IF (to_jsonb(OLD) - mutable) IS DISTINCT FROM (to_jsonb(NEW) - mutable) THEN
        RAISE EXCEPTION '% rows record money: only % may change', TG_TABLE_NAME,
            coalesce(array_to_string(mutable, ', '), 'nothing')
            USING ERRCODE = 'RC001';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER postingexport_frozen BEFORE UPDATE OR DELETE ON reconciliation_postingexport
    FOR EACH ROW EXECUTE FUNCTION reconciliation_file_frozen(
        'status', 'acknowledged_by_id', 'acknowledged_at');
CREATE TRIGGER postingexportitem_frozen BEFORE UPDATE OR DELETE ON reconciliation_postingexportitem
    FOR EACH ROW EXECUTE FUNCTION reconciliation_file_frozen();
CREATE TRIGGER referralfile_frozen BEFORE UPDATE OR DELETE ON reconciliation_referralfile
    FOR EACH ROW EXECUTE FUNCTION reconciliation_file_frozen();
CREATE TRIGGER vendorreferral_frozen BEFORE UPDATE OR DELETE ON reconciliation_vendorreferral
    FOR EACH ROW EXECUTE FUNCTION reconciliation_file_frozen();
CREATE TRIGGER vendorpaymentfile_frozen BEFORE UPDATE OR DELETE ON reconciliation_vendorpaymentfile
    FOR EACH ROW EXECUTE FUNCTION reconciliation_file_frozen();
CREATE TRIGGER vendorpayment_frozen BEFORE UPDATE OR DELETE ON reconciliation_vendorpayment
    FOR EACH ROW EXECUTE FUNCTION reconciliation_file_frozen();
