-- Files sent and taken back record money: never deleted; only an export's acknowledgement
-- changes (SQLSTATE RC001, reconciliation_history_frozen from migration 0001).
CREATE TRIGGER postingexport_frozen BEFORE UPDATE OR DELETE ON reconciliation_postingexport
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen(
        'status', 'acknowledged_by_id', 'acknowledged_at');
CREATE TRIGGER postingexportitem_frozen BEFORE UPDATE OR DELETE ON reconciliation_postingexportitem
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER referralfile_frozen BEFORE UPDATE OR DELETE ON reconciliation_referralfile
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER vendorreferral_frozen BEFORE UPDATE OR DELETE ON reconciliation_vendorreferral
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER vendorpaymentfile_frozen BEFORE UPDATE OR DELETE ON reconciliation_vendorpaymentfile
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER vendorpayment_frozen BEFORE UPDATE OR DELETE ON reconciliation_vendorpayment
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
