-- Custody of cash and checks (issue 9). SQLSTATEs of our own:
--   DR001 a line names a closed drawer: a closed drawer takes no posting (a Supervisor reopens
--         it first; reconciliation.services.drawer_reopen);
--   CU001 custody: the change fund (1030), the safe's cash (1035) and checks (1036) and the
--         deposits in transit (1040) are kept per office (the line's office_id, live book only)
--         and none of them goes below zero: a float bigger than the change fund, a deposit of
--         more than the safe holds, are refused whoever writes the lines.
-- The office row is locked (FOR NO KEY UPDATE) before the sum, so two windows opening floats
-- at once are judged one after the other; the check runs at the end of the INSERT statement.

ALTER TABLE ledger_journalline
    ADD CONSTRAINT journalline_office_fk FOREIGN KEY (office_id) REFERENCES payments_office (id)
    DEFERRABLE INITIALLY DEFERRED;

CREATE OR REPLACE FUNCTION payments_drawer_takes_postings() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    drawer_status text;
BEGIN
    -- FOR SHARE: a close (which updates the row) waits for postings in flight on the drawer.
    SELECT status INTO drawer_status FROM payments_drawer WHERE id = NEW.drawer_id FOR SHARE;
    IF drawer_status = 'closed' THEN
        RAISE EXCEPTION 'drawer % is closed: it takes no posting', NEW.drawer_id
            USING ERRCODE = 'DR001';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER journal_line_drawer_open
    BEFORE INSERT ON ledger_journalline
    FOR EACH ROW WHEN (NEW.drawer_id IS NOT NULL)
    EXECUTE FUNCTION payments_drawer_takes_postings();

-- A live line on a custody account must say whose office it moves.
CREATE OR REPLACE FUNCTION payments_custody_line_named() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_account a, ledger_journalentry e
                WHERE a.id = NEW.account_id AND a.code IN ('1030', '1035', '1036', '1040')
                  AND e.id = NEW.entry_id AND e.book = 'live') THEN
        RAISE EXCEPTION 'journal line on a custody account (change fund, safe, deposits in transit) names no office'
            USING ERRCODE = 'CU001';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER journal_line_custody_named
    BEFORE INSERT ON ledger_journalline
    FOR EACH ROW WHEN (NEW.office_id IS NULL AND NEW.bill_id IS NULL AND NEW.customer_id IS NULL)
    EXECUTE FUNCTION payments_custody_line_named();

CREATE OR REPLACE FUNCTION payments_custody_checked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    account_code text;
    entry_book text;
    held numeric;
BEGIN
    SELECT code INTO account_code FROM ledger_account WHERE id = NEW.account_id;
    IF account_code NOT IN ('1030', '1035', '1036', '1040') THEN
        RAISE EXCEPTION 'journal line names office % but is on account %, not a custody account',
            NEW.office_id, account_code
            USING ERRCODE = 'CU001';
    END IF;
    SELECT book INTO entry_book FROM ledger_journalentry WHERE id = NEW.entry_id;
    IF entry_book IS DISTINCT FROM 'live' THEN
        RAISE EXCEPTION 'journal line names office % in the % book: custody is live money only',
            NEW.office_id, entry_book
            USING ERRCODE = 'CU001';
    END IF;
    PERFORM 1 FROM payments_office WHERE id = NEW.office_id FOR NO KEY UPDATE;
    SELECT coalesce(sum(amount), 0) INTO held
      FROM ledger_journalline WHERE office_id = NEW.office_id AND account_id = NEW.account_id;
    IF held < 0 THEN
        RAISE EXCEPTION 'office % would hold % on account %: more came out than was there',
            NEW.office_id, held, account_code
            USING ERRCODE = 'CU001';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER journal_line_custody_not_negative
    AFTER INSERT ON ledger_journalline
    FOR EACH ROW WHEN (NEW.office_id IS NOT NULL)
    EXECUTE FUNCTION payments_custody_checked();
