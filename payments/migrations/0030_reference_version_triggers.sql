-- The payment policies the posting reads on every call (ledger.reference).
CREATE TRIGGER reference_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON payments_paymentpolicy
FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();
