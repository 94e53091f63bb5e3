DROP TRIGGER IF EXISTS statementline_matcher_kept_renumber ON auth_user;
DROP TRIGGER IF EXISTS statementline_matcher_kept_delete ON auth_user;
DROP FUNCTION IF EXISTS reconciliation_statementline_matcher_kept();
-- Migration 0060's references check, without the lock on the matching users.
CREATE OR REPLACE FUNCTION reconciliation_statementline_references() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    -- The distinct references first: a statement file's 100,000 lines name one statement
    -- and one bank account, and nothing else yet.
    WITH refs AS (
        SELECT min(id) AS id, statement_id, bank_account_id, deposit_id, entry_id, matched_by_id
          FROM new_lines
         GROUP BY statement_id, bank_account_id, deposit_id, entry_id, matched_by_id
    )
    SELECT n.id,
           CASE
               WHEN s.id IS NULL THEN 'its statement ' || n.statement_id || ' does not exist'
               WHEN s.bank_account_id <> n.bank_account_id THEN
                   'it names bank account ' || n.bank_account_id || ' but its statement is of '
                   || s.bank_account_id
               WHEN d.id IS NULL AND n.deposit_id IS NOT NULL THEN
                   'its deposit ' || n.deposit_id || ' does not exist'
               WHEN e.id IS NULL AND n.entry_id IS NOT NULL THEN
                   'its journal entry ' || n.entry_id || ' does not exist'
               ELSE 'the user ' || n.matched_by_id || ' who matched it does not exist'
           END AS problem
      INTO bad
      FROM refs n
      LEFT JOIN reconciliation_bankstatement s ON s.id = n.statement_id
      LEFT JOIN reconciliation_deposit d ON d.id = n.deposit_id
      LEFT JOIN ledger_journalentry e ON e.id = n.entry_id
      LEFT JOIN auth_user u ON u.id = n.matched_by_id
     WHERE s.id IS NULL
        OR s.bank_account_id <> n.bank_account_id
        OR (d.id IS NULL AND n.deposit_id IS NOT NULL)
        OR (e.id IS NULL AND n.entry_id IS NOT NULL)
        OR (u.id IS NULL AND n.matched_by_id IS NOT NULL)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'statement line %: %', bad.id, bad.problem
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
