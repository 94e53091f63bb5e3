-- Customer credits are a sub-ledger of account 2100: a line that names a customer moves that
-- customer's credit, and a customer's credit is the sum of their lines (a credit is negative,
-- as on any liability). PostgreSQL keeps it whole, whoever writes the lines (SQLSTATE CR001):
--   * a line names a customer only on account 2100, and only in the live book;
--   * no customer's credit goes below zero: applying or refunding more than they hold fails.
-- The check locks the customer's row (FOR NO KEY UPDATE, which does not wait for the key-share
-- locks that inserting their payments and bills takes) and only then sums, so two windows
-- spending one credit at once are serialized: the second sees the first's lines. It runs at the
-- end of the INSERT statement (not deferred), so the posting service gets the refusal at once.

ALTER TABLE ledger_journalline
    ADD CONSTRAINT journalline_customer_fk FOREIGN KEY (customer_id) REFERENCES billing_customer (id)
    DEFERRABLE INITIALLY DEFERRED;

CREATE OR REPLACE FUNCTION billing_customer_credit_checked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    account_code text;
    entry_book text;
    held numeric;
BEGIN
    SELECT code INTO account_code FROM ledger_account WHERE id = NEW.account_id;
    IF account_code IS DISTINCT FROM '2100' THEN
        RAISE EXCEPTION 'journal line % names customer % but is on account %, not 2100 (customer credits)',
            NEW.id, NEW.customer_id, account_code
            USING ERRCODE = 'CR001';
    END IF;
    SELECT book INTO entry_book FROM ledger_journalentry WHERE id = NEW.entry_id;
    IF entry_book IS DISTINCT FROM 'live' THEN
        RAISE EXCEPTION 'journal line % names customer % in the % book: credits are live money only',
            NEW.id, NEW.customer_id, entry_book
            USING ERRCODE = 'CR001';
    END IF;
    PERFORM 1 FROM billing_customer WHERE id = NEW.customer_id FOR NO KEY UPDATE;
    SELECT -coalesce(sum(amount), 0) INTO held
      FROM ledger_journalline WHERE customer_id = NEW.customer_id;
    IF held < 0 THEN
        RAISE EXCEPTION 'customer % would hold a credit of %: more credit was used than they had',
            NEW.customer_id, held
            USING ERRCODE = 'CR001';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER journal_line_customer_credit
    AFTER INSERT ON ledger_journalline
    FOR EACH ROW WHEN (NEW.customer_id IS NOT NULL)
    EXECUTE FUNCTION billing_customer_credit_checked();
