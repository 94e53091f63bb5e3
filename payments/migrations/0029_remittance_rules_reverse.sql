DROP TRIGGER IF EXISTS remittance_item_frozen ON payments_remittanceitem;
DROP TRIGGER IF EXISTS remittance_batch_frozen ON payments_remittancebatch;
DROP FUNCTION IF EXISTS payments_remittance_frozen();

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
