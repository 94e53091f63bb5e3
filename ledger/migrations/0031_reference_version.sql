-- The version of the reference data (ledger.reference): one row, set to a fresh number from a
-- sequence by any statement that changes a reference table, in that statement's transaction.
-- A sequence, not version + 1: its numbers are never handed out twice, even when a change is
-- rolled back or the row is emptied (a test database's flush), so a number a process has cached
-- data under always means that data.
CREATE SEQUENCE ledger_reference_version_seq;

INSERT INTO ledger_referenceversion (id, version)
VALUES (1, nextval('ledger_reference_version_seq'));

CREATE FUNCTION reference_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_referenceversion (id, version)
    VALUES (1, nextval('ledger_reference_version_seq'))
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;

CREATE TRIGGER reference_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ledger_account
FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();
