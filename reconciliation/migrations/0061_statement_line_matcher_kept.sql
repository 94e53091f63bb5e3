-- Migration 0061: the Supervisor who matched a statement line stays. Migration 0060 checks a
-- line's references when the line is written; the one parent that could still go away
-- afterwards is the matching user (statements, deposits and journal entries are never
-- deleted). A user named by a statement line cannot be deleted or renumbered (SQLSTATE 23503
-- foreign_key_violation, as the foreign key it replaces): deactivate the account instead.
-- The references trigger of 0060 also locks the matching users FOR KEY SHARE, as a foreign key
-- check does, so a delete running beside a match waits for it and then sees its line.
CREATE OR REPLACE FUNCTION reconciliation_statementline_matcher_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    line_id bigint;
BEGIN
    SELECT n.id INTO line_id FROM reconciliation_statementline n
     WHERE n.matched_by_id = OLD.id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'user % matched statement line % and cannot be deleted or renumbered; '
            'deactivate the account instead', OLD.id, line_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER statementline_matcher_kept_delete AFTER DELETE ON auth_user
    FOR EACH ROW EXECUTE FUNCTION reconciliation_statementline_matcher_kept();
CREATE TRIGGER statementline_matcher_kept_renumber AFTER UPDATE OF id ON auth_user
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION reconciliation_statementline_matcher_kept();

CREATE OR REPLACE FUNCTION reconciliation_statementline_references() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    -- The matching users are held FOR KEY SHARE until commit, as a foreign key check holds
    -- its parent row: a user cannot be deleted under a match in flight.
    PERFORM 1 FROM auth_user u
     WHERE u.id IN (SELECT DISTINCT matched_by_id FROM new_lines WHERE matched_by_id IS NOT NULL)
       FOR KEY SHARE;
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
