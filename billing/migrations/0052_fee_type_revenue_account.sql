-- A fee type's revenue account is a revenue account: a sale at the counter credits it, and a
-- fee pointed at Cash in drawer (an asset) would post the sale's cash against itself.
-- The rule spans two tables, so two triggers hold it, raising a check violation (SQLSTATE 23514,
-- constraint fee_type_revenue_account) as a CHECK constraint would:
--   on billing_feetype, a new or re-pointed fee type names a revenue account; the account row
--   is read FOR SHARE, so a concurrent change of that account's type waits for this one;
--   on ledger_account, an account that fee types credit does not stop being revenue.
-- ledger_verify re-checks the rule over every row and finds both triggers enabled.

CREATE OR REPLACE FUNCTION billing_fee_type_revenue_account() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    account record;
BEGIN
    SELECT code, name, type INTO account
      FROM ledger_account WHERE id = NEW.revenue_account_id FOR SHARE;
    IF FOUND AND account.type <> 'revenue' THEN
        RAISE EXCEPTION 'fee type % cannot credit account % %: it is an % account, not revenue',
            NEW.code, account.code, account.name, account.type
            USING ERRCODE = 'check_violation', CONSTRAINT = 'fee_type_revenue_account';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER fee_type_revenue_account
    BEFORE INSERT OR UPDATE OF revenue_account_id ON billing_feetype
    FOR EACH ROW EXECUTE FUNCTION billing_fee_type_revenue_account();

CREATE OR REPLACE FUNCTION billing_account_keeps_fee_revenue() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    fee text;
BEGIN
    IF NEW.type <> 'revenue' THEN
        SELECT string_agg(code, ', ' ORDER BY code) INTO fee
          FROM billing_feetype WHERE revenue_account_id = NEW.id;
        IF fee IS NOT NULL THEN
            RAISE EXCEPTION 'account % % credits fee type(s) %: it stays a revenue account',
                NEW.code, NEW.name, fee
                USING ERRCODE = 'check_violation', CONSTRAINT = 'fee_type_revenue_account';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER account_keeps_fee_revenue
    BEFORE UPDATE OF type ON ledger_account
    FOR EACH ROW WHEN (OLD.type = 'revenue' AND NEW.type IS DISTINCT FROM 'revenue')
    EXECUTE FUNCTION billing_account_keeps_fee_revenue();
