-- Every row that records money at the counter is history: once written it is never deleted,
-- and only its state columns change. SQLSTATE PY001. A correction is a new row (a reversal, a
-- new count) and a new journal entry, never an edit.
--
-- Columns that may change after the row is written, and why:
--   payments_payment   status (void, refund, returned check), needs_review, reviewed_by_id,
--                      reviewed_at (a trainee's payment reviewed), reprints (COPY counter),
--                      customer_id only from empty to a customer (a walk-in's returned check
--                      is charged to the check writer's record)
--   payments_tender    returned (a check returned unpaid)
--   payments_drawer    status, closed_at (the drawer closes), opening_entry_id only from empty
--                      (the float's entry is posted after the drawer row exists)
--   everything else    nothing: payment items, cash movements, reversals, denomination and
--                      stock counts
CREATE OR REPLACE FUNCTION payments_receipt_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows are part of a printed receipt and cannot be deleted', TG_TABLE_NAME
            USING ERRCODE = 'PY001';
    END IF;
    IF TG_TABLE_NAME = 'payments_payment' THEN
        IF (NEW.id, NEW.receipt_number, NEW.receipt_year, NEW.receipt_sequence, NEW.office_id,
            NEW.total, NEW.tendered, NEW.change, NEW.entry_id, NEW.drawer_id, NEW.training,
            NEW.token, NEW.cart_digest, NEW.posted_by_id, NEW.posted_at, NEW.posted_on,
            NEW.payer_name, NEW.approved_by_id, NEW.overrides)
           IS DISTINCT FROM
           (OLD.id, OLD.receipt_number, OLD.receipt_year, OLD.receipt_sequence, OLD.office_id,
            OLD.total, OLD.tendered, OLD.change, OLD.entry_id, OLD.drawer_id, OLD.training,
            OLD.token, OLD.cart_digest, OLD.posted_by_id, OLD.posted_at, OLD.posted_on,
            OLD.payer_name, OLD.approved_by_id, OLD.overrides) THEN
            RAISE EXCEPTION 'receipt % is posted: its amounts cannot change', OLD.receipt_number
                USING ERRCODE = 'PY001';
        END IF;
        IF OLD.customer_id IS NOT NULL AND NEW.customer_id IS DISTINCT FROM OLD.customer_id THEN
            RAISE EXCEPTION 'receipt % is posted: its customer cannot change', OLD.receipt_number
                USING ERRCODE = 'PY001';
        END IF;
    ELSIF TG_TABLE_NAME = 'payments_paymentitem' THEN
        RAISE EXCEPTION 'the items of a posted receipt cannot change' USING ERRCODE = 'PY001';
    ELSIF TG_TABLE_NAME = 'payments_tender' THEN
        IF (NEW.id, NEW.kind, NEW.amount, NEW.payment_id, NEW.check_number, NEW.check_payer,
            NEW.card_brand, NEW.card_last4, NEW.authorization_code, NEW.terminal_reference)
           IS DISTINCT FROM
           (OLD.id, OLD.kind, OLD.amount, OLD.payment_id, OLD.check_number, OLD.check_payer,
            OLD.card_brand, OLD.card_last4, OLD.authorization_code, OLD.terminal_reference) THEN
            RAISE EXCEPTION 'the tenders of a posted receipt cannot change' USING ERRCODE = 'PY001';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION payments_history_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows record money and cannot be deleted', TG_TABLE_NAME
            USING ERRCODE = 'PY001';
    END IF;
    IF TG_TABLE_NAME = 'payments_drawer' THEN
        IF (NEW.id, NEW.clerk_id, NEW.workstation_id, NEW.office_id, NEW.training,
            NEW.opening_float, NEW.opened_at, NEW.opened_on, NEW.token)
           IS DISTINCT FROM
           (OLD.id, OLD.clerk_id, OLD.workstation_id, OLD.office_id, OLD.training,
            OLD.opening_float, OLD.opened_at, OLD.opened_on, OLD.token)
           OR (OLD.opening_entry_id IS NOT NULL
               AND NEW.opening_entry_id IS DISTINCT FROM OLD.opening_entry_id) THEN
            RAISE EXCEPTION 'drawer %: its float, clerk, window and opening cannot change', OLD.id
                USING ERRCODE = 'PY001';
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% rows record money and cannot be changed; record a correction instead',
        TG_TABLE_NAME
        USING ERRCODE = 'PY001';
END;
$$;

CREATE TRIGGER drawer_frozen BEFORE UPDATE OR DELETE ON payments_drawer
    FOR EACH ROW EXECUTE FUNCTION payments_history_frozen();
CREATE TRIGGER denomination_count_frozen BEFORE UPDATE OR DELETE ON payments_denominationcount
    FOR EACH ROW EXECUTE FUNCTION payments_history_frozen();
CREATE TRIGGER stock_count_frozen BEFORE UPDATE OR DELETE ON payments_stockcount
    FOR EACH ROW EXECUTE FUNCTION payments_history_frozen();
CREATE TRIGGER cash_movement_frozen BEFORE UPDATE OR DELETE ON payments_cashmovement
    FOR EACH ROW EXECUTE FUNCTION payments_history_frozen();
CREATE TRIGGER payment_reversal_frozen BEFORE UPDATE OR DELETE ON payments_paymentreversal
    FOR EACH ROW EXECUTE FUNCTION payments_history_frozen();
