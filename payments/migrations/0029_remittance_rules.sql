-- Remittance batches (payments.remittance). SQLSTATE PY001 as for the rest of the counter's
-- money history.
--
-- A drawer's kind (counter or remittance) is fixed when it opens, like its clerk and window.
CREATE OR REPLACE FUNCTION payments_history_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows record money and cannot be deleted', TG_TABLE_NAME
            USING ERRCODE = 'PY001';
    END IF;
    IF TG_TABLE_NAME = 'payments_drawer' THEN
        IF (NEW.id, NEW.clerk_id, NEW.workstation_id, NEW.office_id, NEW.training,
            NEW.opening_float, NEW.opened_at, NEW.opened_on, NEW.token, NEW.kind)
           IS DISTINCT FROM
           (OLD.id, OLD.clerk_id, OLD.workstation_id, OLD.office_id, OLD.training,
            OLD.opening_float, OLD.opened_at, OLD.opened_on, OLD.token, OLD.kind)
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

-- A batch is never deleted (a mistake is cancelled); once written, only its state columns
-- change: status, the entry and who posted it (from empty, once), the cancel reason.
-- An item may be deleted only while its batch is open and nothing was posted for it (a clerk
-- takes back a mistyped check); what was scanned, its amount and its checks' details never
-- change; its state, payment (from empty) and resolution columns do.
CREATE OR REPLACE FUNCTION payments_remittance_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    batch_status text;
BEGIN
    IF TG_TABLE_NAME = 'payments_remittancebatch' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'remittance batch % cannot be deleted; cancel it', OLD.number
                USING ERRCODE = 'PY001';
        END IF;
        IF (NEW.id, NEW.number, NEW.kind, NEW.office_id, NEW.drawer_id, NEW.source_id,
            NEW.opened_by_id, NEW.opened_at, NEW.business_date, NEW.control_total,
            NEW.control_count, NEW.file_name, NEW.file_sha256, NEW.deposit_date,
            NEW.deposit_total, NEW.fee_total, NEW.token)
           IS DISTINCT FROM
           (OLD.id, OLD.number, OLD.kind, OLD.office_id, OLD.drawer_id, OLD.source_id,
            OLD.opened_by_id, OLD.opened_at, OLD.business_date, OLD.control_total,
            OLD.control_count, OLD.file_name, OLD.file_sha256, OLD.deposit_date,
            OLD.deposit_total, OLD.fee_total, OLD.token)
           OR OLD.status <> 'open'
           OR (OLD.entry_id IS NOT NULL AND NEW.entry_id IS DISTINCT FROM OLD.entry_id) THEN
            RAISE EXCEPTION 'remittance batch % is %: it cannot change', OLD.number, OLD.status
                USING ERRCODE = 'PY001';
        END IF;
        RETURN NEW;
    END IF;
    SELECT status INTO batch_status FROM payments_remittancebatch WHERE id = OLD.batch_id;
    IF TG_OP = 'DELETE' THEN
        IF batch_status <> 'open' OR OLD.payment_id IS NOT NULL THEN
            RAISE EXCEPTION 'item % of a % batch cannot be deleted', OLD.sequence, batch_status
                USING ERRCODE = 'PY001';
        END IF;
        RETURN OLD;
    END IF;
    IF (NEW.id, NEW.batch_id, NEW.sequence, NEW.scanline_text, NEW.bill_id, NEW.amount,
        NEW.check_number, NEW.check_payer, NEW.postmark, NEW.paid_on, NEW.card_brand,
        NEW.card_last4, NEW.reference, NEW.fee, NEW.token)
       IS DISTINCT FROM
       (OLD.id, OLD.batch_id, OLD.sequence, OLD.scanline_text, OLD.bill_id, OLD.amount,
        OLD.check_number, OLD.check_payer, OLD.postmark, OLD.paid_on, OLD.card_brand,
        OLD.card_last4, OLD.reference, OLD.fee, OLD.token)
       OR (OLD.payment_id IS NOT NULL AND NEW.payment_id IS DISTINCT FROM OLD.payment_id)
       OR (OLD.resolution_entry_id IS NOT NULL
           AND NEW.resolution_entry_id IS DISTINCT FROM OLD.resolution_entry_id)
       OR OLD.state IN ('applied', 'returned') THEN
        RAISE EXCEPTION 'item % of a remittance batch is %: what it received cannot change',
            OLD.sequence, OLD.state
            USING ERRCODE = 'PY001';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER remittance_batch_frozen BEFORE UPDATE OR DELETE ON payments_remittancebatch
    FOR EACH ROW EXECUTE FUNCTION payments_remittance_frozen();
CREATE TRIGGER remittance_item_frozen BEFORE UPDATE OR DELETE ON payments_remittanceitem
    FOR EACH ROW EXECUTE FUNCTION payments_remittance_frozen();
