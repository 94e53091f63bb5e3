DROP TRIGGER IF EXISTS ledger_checks_at_commit ON ledger_commit_marker;
DROP FUNCTION IF EXISTS ledger_run_checks_at_commit();
DROP FUNCTION IF EXISTS ledger_check_at_commit(text, bigint[]);
DROP TABLE IF EXISTS ledger_commit_marker;
DROP TABLE IF EXISTS ledger_pending_check;
DROP TRIGGER IF EXISTS journal_line_entry_open ON ledger_journalline;
DROP FUNCTION IF EXISTS ledger_lines_entries_open();

CREATE OR REPLACE FUNCTION ledger_line_period_open() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    closed_name text;
    day date;
BEGIN
    SELECT e.entry_date, p.name INTO day, closed_name
      FROM ledger_journalentry e
      LEFT JOIN ledger_accountingperiod p
        ON e.entry_date BETWEEN p.start_date AND p.end_date AND p.state = 'closed'
     WHERE e.id = NEW.entry_id;
    IF closed_name IS NOT NULL THEN
        RAISE EXCEPTION 'cannot post on %: accounting period % is closed', day, closed_name
            USING ERRCODE = 'LG003';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER journal_line_period_open
    BEFORE INSERT ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_line_period_open();

CREATE OR REPLACE FUNCTION ledger_entry_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    entry bigint;
    total numeric;
    line_count integer;
BEGIN
    IF TG_TABLE_NAME = 'ledger_journalentry' THEN
        entry := NEW.id;
    ELSE
        entry := NEW.entry_id;
        IF NEW.id < (SELECT max(id) FROM ledger_journalline WHERE entry_id = entry) THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT coalesce(sum(amount), 0), count(*) INTO total, line_count
      FROM ledger_journalline WHERE entry_id = entry;
    IF total <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance: its lines sum to %', entry, total
            USING ERRCODE = 'LG001';
    END IF;
    IF line_count < 2 THEN
        RAISE EXCEPTION 'journal entry % has % line(s); an entry needs at least two', entry, line_count
            USING ERRCODE = 'LG001';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER journal_line_balances
    AFTER INSERT ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_balances();

DROP TRIGGER IF EXISTS journal_entry_stamp_transaction ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_entry_stamp_transaction();
ALTER TABLE ledger_journalentry DROP COLUMN IF EXISTS created_txid;
