-- A card settlement and the batches it settled record money: append-only (SQLSTATE RC001,
-- reconciliation_history_frozen from migration 0001).
CREATE TRIGGER cardsettlement_frozen BEFORE UPDATE OR DELETE ON reconciliation_cardsettlement
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();
CREATE TRIGGER cardsettlementclose_frozen BEFORE UPDATE OR DELETE ON reconciliation_cardsettlementclose
    FOR EACH ROW EXECUTE FUNCTION reconciliation_history_frozen();

-- A statement line, once matched or explained, stays as it is: no "unmatch" (append-only;
-- a wrong match is corrected by a reversing entry and an explanation of the next line).
CREATE OR REPLACE FUNCTION reconciliation_statementline_settled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'unmatched' AND (to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD)) THEN
        RAISE EXCEPTION 'statement line % is % and cannot change', OLD.id, OLD.status
            USING ERRCODE = 'RC001';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER statementline_settled BEFORE UPDATE ON reconciliation_statementline
    FOR EACH ROW EXECUTE FUNCTION reconciliation_statementline_settled();
