-- A returned check's flag on its writer is a record of what the bank did: it is never edited or
-- removed (lifting a flag, if the office ever allows it, is a new row of its own).
CREATE OR REPLACE FUNCTION payments_check_writer_flag_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: a returned check''s flag is kept as recorded', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'PY001';
END;
$$;

CREATE TRIGGER check_writer_flag_append_only
    BEFORE UPDATE OR DELETE ON payments_checkwriterflag
    FOR EACH ROW EXECUTE FUNCTION payments_check_writer_flag_frozen();
