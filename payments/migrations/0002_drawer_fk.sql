-- Every journal line that names a drawer names a real one. The ledger knows nothing of drawers;
-- this app adds the foreign key (as billing does for bills).
ALTER TABLE ledger_journalline
    ADD CONSTRAINT journalline_drawer_fk FOREIGN KEY (drawer_id) REFERENCES payments_drawer (id)
    DEFERRABLE INITIALLY DEFERRED;

-- Payments, their items and tenders are the receipt as printed: once posted they change only in
-- their status, review and reprint columns (a void or refund is a new entry, not an edit).
CREATE OR REPLACE FUNCTION payments_receipt_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows are part of a printed receipt and cannot be deleted', TG_TABLE_NAME
            USING ERRCODE = 'PY001';
    END IF;
    IF TG_TABLE_NAME = 'payments_payment' THEN
        IF (NEW.receipt_number, NEW.total, NEW.tendered, NEW.change, NEW.entry_id, NEW.drawer_id,
            NEW.training, NEW.token, NEW.posted_by_id)
           IS DISTINCT FROM
           (OLD.receipt_number, OLD.total, OLD.tendered, OLD.change, OLD.entry_id, OLD.drawer_id,
            OLD.training, OLD.token, OLD.posted_by_id) THEN
            RAISE EXCEPTION 'receipt % is posted: its amounts cannot change', OLD.receipt_number
                USING ERRCODE = 'PY001';
        END IF;
    ELSIF TG_TABLE_NAME = 'payments_paymentitem' THEN
        RAISE EXCEPTION 'the items of a posted receipt cannot change' USING ERRCODE = 'PY001';
    ELSIF TG_TABLE_NAME = 'payments_tender' THEN
        IF (NEW.kind, NEW.amount, NEW.payment_id) IS DISTINCT FROM (OLD.kind, OLD.amount, OLD.payment_id) THEN
            RAISE EXCEPTION 'the tenders of a posted receipt cannot change' USING ERRCODE = 'PY001';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER payment_frozen BEFORE UPDATE OR DELETE ON payments_payment
    FOR EACH ROW EXECUTE FUNCTION payments_receipt_frozen();
CREATE TRIGGER payment_item_frozen BEFORE UPDATE OR DELETE ON payments_paymentitem
    FOR EACH ROW EXECUTE FUNCTION payments_receipt_frozen();
CREATE TRIGGER tender_frozen BEFORE UPDATE OR DELETE ON payments_tender
    FOR EACH ROW EXECUTE FUNCTION payments_receipt_frozen();
