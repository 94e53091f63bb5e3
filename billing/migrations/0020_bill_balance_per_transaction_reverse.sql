DROP TRIGGER IF EXISTS journal_line_bill_balance ON ledger_journalline;
DROP TRIGGER IF EXISTS bill_balance_updated ON billing_bill;
DROP TRIGGER IF EXISTS bill_balance_inserted ON billing_bill;
DROP FUNCTION IF EXISTS billing_lines_name_bills();
DROP FUNCTION IF EXISTS billing_bills_updated();
DROP FUNCTION IF EXISTS billing_bills_inserted();
DROP FUNCTION IF EXISTS billing_bills_balance_check(bigint[]);

CREATE OR REPLACE FUNCTION billing_bill_balance_matches() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
    stored numeric;
    account bigint;
    posted numeric;
BEGIN
    IF TG_TABLE_NAME = 'billing_bill' THEN
        target := NEW.id;
    ELSE
        target := NEW.bill_id;
    END IF;
    SELECT balance, receivable_account_id INTO stored, account FROM billing_bill WHERE id = target;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(sum(amount), 0) INTO posted
      FROM ledger_journalline WHERE bill_id = target AND account_id = account;
    IF posted <> stored THEN
        RAISE EXCEPTION 'bill % has a stored balance of % but its receivable lines sum to %',
            target, stored, posted
            USING ERRCODE = 'BL001';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER bill_balance_matches_ledger
    AFTER INSERT OR UPDATE OF balance, receivable_account_id ON billing_bill
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION billing_bill_balance_matches();
CREATE CONSTRAINT TRIGGER journal_line_bill_balance
    AFTER INSERT ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.bill_id IS NOT NULL)
    EXECUTE FUNCTION billing_bill_balance_matches();
