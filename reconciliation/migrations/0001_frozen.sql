-- Reconciliation's rows record money: never deleted, and only their state columns change
-- (SQLSTATE RC001). The trigger's arguments name the columns that may change; every other
-- column is compared as JSON. A correction is a new row and a new journal entry.
CREATE OR REPLACE FUNCTION reconciliation_history_frozen() RETURNS trigger
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
    -- A posted entry, once named, stays.
    IF (to_jsonb(OLD) ? 'entry_id') AND (OLD.entry_id IS NOT NULL)
       AND (to_jsonb(NEW) -> 'entry_id') IS DISTINCT FROM (to_jsonb(OLD) -> 'entry_id') THEN
        RAISE EXCEPTION '% row %: its journal entry cannot change', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'RC001';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER drawerclose_frozen BEFORE UPDATE OR DELETE ON reconciliation_drawerclose
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen(
        'status', 'signed_off_by_id', 'sign_off_reason', 'signed_off_at', 'entry_id', 'closed_at');
CREATE TRIGGER closedenomination_frozen BEFORE UPDATE OR DELETE ON reconciliation_closedenomination
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER closecheck_frozen BEFORE UPDATE OR DELETE ON reconciliation_closecheck
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER closestock_frozen BEFORE UPDATE OR DELETE ON reconciliation_closestock
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER drawerreopen_frozen BEFORE UPDATE OR DELETE ON reconciliation_drawerreopen
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen('entry_id');
CREATE TRIGGER custodytransfer_frozen BEFORE UPDATE OR DELETE ON reconciliation_custodytransfer
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER safecount_frozen BEFORE UPDATE OR DELETE ON reconciliation_safecount
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen(
        'signed_off_by_id', 'reason', 'entry_id');
CREATE TRIGGER safecountdenomination_frozen BEFORE UPDATE OR DELETE ON reconciliation_safecountdenomination
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER deposit_frozen BEFORE UPDATE OR DELETE ON reconciliation_deposit
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen(
        'status', 'verified_by_id', 'verified_at', 'cancelled_by_id', 'cancel_reason', 'entry_id');
CREATE TRIGGER depositdenomination_frozen BEFORE UPDATE OR DELETE ON reconciliation_depositdenomination
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER depositcheck_frozen BEFORE UPDATE OR DELETE ON reconciliation_depositcheck
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen('released');
CREATE TRIGGER bankstatement_frozen BEFORE UPDATE OR DELETE ON reconciliation_bankstatement
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen('line_count');
CREATE TRIGGER statementline_frozen BEFORE UPDATE OR DELETE ON reconciliation_statementline
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen(
        'status', 'deposit_id', 'entry_id', 'explanation', 'matched_by_id', 'matched_at');
