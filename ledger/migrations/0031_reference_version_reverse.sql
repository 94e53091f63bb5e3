DROP TRIGGER IF EXISTS reference_version_bump ON ledger_account;
DROP FUNCTION IF EXISTS reference_version_bump();
DROP SEQUENCE IF EXISTS ledger_reference_version_seq;
