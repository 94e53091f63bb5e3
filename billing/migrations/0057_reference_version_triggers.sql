-- The reference tables of billing that the posting reads (ledger.reference): charge types,
-- penalty and interest rules, the office calendar, fee types and their prices, the lien terms.

CREATE TRIGGER reference_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON billing_chargetype
FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

CREATE TRIGGER reference_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON billing_penaltyrule
FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

CREATE TRIGGER reference_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON billing_holiday
FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

CREATE TRIGGER reference_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON billing_feetype
FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

CREATE TRIGGER reference_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON billing_feeprice
FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

CREATE TRIGGER reference_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON billing_lienterms
FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();
