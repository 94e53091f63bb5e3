-- A penalty waiver records money forgiven: once written it is never changed or deleted (a
-- mistaken waiver is corrected by a new entry). SQLSTATE BL002.
CREATE OR REPLACE FUNCTION billing_waiver_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: a penalty waiver records money and cannot be changed',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'BL002';
END;
$$;

CREATE TRIGGER penalty_waiver_frozen BEFORE UPDATE OR DELETE ON billing_penaltywaiver
    FOR EACH ROW EXECUTE FUNCTION billing_waiver_frozen();
