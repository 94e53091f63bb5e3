-- The ledger's invariants, enforced by PostgreSQL so that no bug in Python can unbalance the books.
-- Errors carry SQLSTATEs of our own (class LG) so the posting service can tell them apart:
--   LG001 an entry does not balance, or has fewer than two lines
--   LG002 entries and lines are append-only
--   LG003 the entry date falls in a closed accounting period
--   LG004 a closed accounting period cannot be changed or removed

-- 1. Every entry's lines sum to zero, checked at commit so the lines can be inserted one by one.
-- Fired for the entry and for each line; a line that is not its entry's newest only checks that
-- (one probe of the (entry_id, id) index), so an entry of n lines costs O(n), not O(n^2).
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
        -- max(id) for one entry is a single probe of the (entry_id, id) index, whatever the
        -- planner knows of the table; "EXISTS ... id > NEW.id" could walk the primary key.
        IF NEW.id < (SELECT max(id) FROM ledger_journalline WHERE entry_id = entry) THEN
            RETURN NULL;  -- the entry's newest line (or the entry itself) checks the sum
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

CREATE CONSTRAINT TRIGGER journal_entry_balances
    AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_balances();

CREATE CONSTRAINT TRIGGER journal_line_balances
    AFTER INSERT ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_balances();

-- 2. Entries and lines are append-only: a mistake is corrected by a reversing entry.
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the ledger is append-only; post a reversing entry instead',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'LG002';
END;
$$;

CREATE TRIGGER journal_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER journal_line_append_only
    BEFORE UPDATE OR DELETE ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- 3. Nothing is posted into a closed period. The entry takes a share lock on its period, so a
-- period close (which locks the period row for update) waits for postings in flight to commit.
CREATE OR REPLACE FUNCTION ledger_entry_period_open() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    period record;
BEGIN
    SELECT name, state INTO period FROM ledger_accountingperiod
     WHERE NEW.entry_date BETWEEN start_date AND end_date
       FOR SHARE;
    IF FOUND AND period.state = 'closed' THEN
        RAISE EXCEPTION 'cannot post on %: accounting period % is closed', NEW.entry_date, period.name
            USING ERRCODE = 'LG003';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER journal_entry_period_open
    BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_period_open();

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

-- 4. A closed period stays closed, with the dates it was closed with.
CREATE OR REPLACE FUNCTION ledger_closed_period_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'closed' THEN
        RAISE EXCEPTION 'accounting period % is closed and cannot be changed or removed', OLD.name
            USING ERRCODE = 'LG004';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER accounting_period_closed_frozen
    BEFORE UPDATE OR DELETE ON ledger_accountingperiod
    FOR EACH ROW EXECUTE FUNCTION ledger_closed_period_frozen();
