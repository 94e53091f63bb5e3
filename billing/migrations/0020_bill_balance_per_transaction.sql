-- A bill's stored balance equals the sum of its lines on its receivable account (SQLSTATE
-- BL001), now checked once per transaction at commit over every bill the transaction touched,
-- instead of once per bill row and once per line: statement triggers queue the touched bills
-- with ledger_check_at_commit (ledger 0005), and billing_bills_balance_check runs at commit
-- with all of them. A bill is touched when it is inserted, when its balance or receivable
-- account changes, and when a journal line names it.

CREATE OR REPLACE FUNCTION billing_bills_balance_check(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT b.id, b.balance, coalesce(sum(l.amount), 0) AS posted INTO bad
      FROM billing_bill b
      LEFT JOIN ledger_journalline l
        ON l.bill_id = b.id AND l.account_id = b.receivable_account_id
     WHERE b.id = ANY (ids)
     GROUP BY b.id, b.balance
    HAVING b.balance <> coalesce(sum(l.amount), 0)
     ORDER BY b.id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'bill % has a stored balance of % but its receivable lines sum to %',
            bad.id, bad.balance, bad.posted
            USING ERRCODE = 'BL001';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION billing_bills_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_at_commit('billing_bills_balance_check', ARRAY(SELECT id FROM new_bills));
    RETURN NULL;
END;
$$;

-- Transition tables cannot be combined with UPDATE OF <columns>, so the function keeps only
-- the bills whose balance or receivable account changed.
CREATE OR REPLACE FUNCTION billing_bills_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_at_commit(
        'billing_bills_balance_check',
        ARRAY(SELECT n.id FROM new_bills n JOIN old_bills o ON o.id = n.id
               WHERE n.balance IS DISTINCT FROM o.balance
                  OR n.receivable_account_id IS DISTINCT FROM o.receivable_account_id));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION billing_lines_name_bills() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_at_commit(
        'billing_bills_balance_check',
        ARRAY(SELECT DISTINCT bill_id FROM new_lines WHERE bill_id IS NOT NULL));
    RETURN NULL;
END;
$$;

DROP TRIGGER bill_balance_matches_ledger ON billing_bill;
DROP TRIGGER journal_line_bill_balance ON ledger_journalline;
DROP FUNCTION billing_bill_balance_matches();

CREATE TRIGGER bill_balance_inserted
    AFTER INSERT ON billing_bill REFERENCING NEW TABLE AS new_bills
    FOR EACH STATEMENT EXECUTE FUNCTION billing_bills_inserted();

CREATE TRIGGER bill_balance_updated
    AFTER UPDATE ON billing_bill REFERENCING OLD TABLE AS old_bills NEW TABLE AS new_bills
    FOR EACH STATEMENT EXECUTE FUNCTION billing_bills_updated();

CREATE TRIGGER journal_line_bill_balance
    AFTER INSERT ON ledger_journalline REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_lines_name_bills();
