-- Migration 0020: the frozen-history trigger function read OLD.entry_id on tables that have no
-- such column (an UPDATE of depositcheck.released failed). Same rules, read through JSON.
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
    -- Read through JSON: a table without entry_id (depositcheck, bankstatement) has no
    -- OLD.entry_id, and PL/pgSQL does not short-circuit a reference to a missing field.
    IF coalesce(to_jsonb(OLD) -> 'entry_id', 'null'::jsonb) <> 'null'::jsonb
       AND (to_jsonb(NEW) -> 'entry_id') IS DISTINCT FROM (to_jsonb(OLD) -> 'entry_id') THEN
        RAISE EXCEPTION '% row %: its journal entry cannot change', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'RC001';
    END IF;
    RETURN NEW;
END;
$$;
