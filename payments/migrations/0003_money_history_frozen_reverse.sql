DROP TRIGGER IF EXISTS payment_reversal_frozen ON payments_paymentreversal;
DROP TRIGGER IF EXISTS cash_movement_frozen ON payments_cashmovement;
DROP TRIGGER IF EXISTS stock_count_frozen ON payments_stockcount;
DROP TRIGGER IF EXISTS denomination_count_frozen ON payments_denominationcount;
DROP TRIGGER IF EXISTS drawer_frozen ON payments_drawer;
DROP FUNCTION IF EXISTS payments_history_frozen();

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
