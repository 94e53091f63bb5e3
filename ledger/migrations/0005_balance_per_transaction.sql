-- The balance of an entry, checked once per entry at commit whoever wrote its lines, and a
-- place where other apps queue their own checks to run once per transaction at commit.
-- Replaces the row-level line trigger of 0002, under which only the line with an entry's highest
-- id checked the sum: a line inserted with a lower id, or lines added to a committed entry by
-- another transaction, went unchecked.
--   LG001 an entry does not balance, or has fewer than two lines
--   LG002 lines may be added only in the transaction that created their entry (append-only)
--   LG003 the entry date falls in a closed accounting period

-- 1. Each entry records the transaction that created it. Set by the database, never by the
-- writer (a BEFORE trigger overwrites whatever an INSERT gives); xid8 does not wrap around.
-- The column is the database's alone: the Django model does not declare it.
ALTER TABLE ledger_journalentry ADD COLUMN created_txid xid8;

CREATE OR REPLACE FUNCTION ledger_entry_stamp_transaction() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_txid := pg_current_xact_id();  -- the top-level transaction, even in a savepoint
    RETURN NEW;
END;
$$;

CREATE TRIGGER journal_entry_stamp_transaction
    BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_stamp_transaction();

-- 2. The balance: one deferred check per entry, at commit, over all of its lines whatever their
-- ids. Every entry that receives lines is one created in this transaction (rule 3), so every
-- entry that received lines is checked.
CREATE OR REPLACE FUNCTION ledger_entry_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
    line_count integer;
BEGIN
    SELECT coalesce(sum(amount), 0), count(*) INTO total, line_count
      FROM ledger_journalline WHERE entry_id = NEW.id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance: its lines sum to %', NEW.id, total
            USING ERRCODE = 'LG001';
    END IF;
    IF line_count < 2 THEN
        RAISE EXCEPTION 'journal entry % has % line(s); an entry needs at least two',
            NEW.id, line_count
            USING ERRCODE = 'LG001';
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER journal_line_balances ON ledger_journalline;
-- journal_entry_balances (0002) stays: a deferred row trigger on the entry, now with the
-- function above.

-- 3. Lines go only into entries created by the same transaction, and not into a closed period:
-- checked once per statement over the statement's lines (a bulk issue of 50,000 lines costs one
-- query, not 50,000). An entry this transaction cannot see (committed after its snapshot) is
-- refused too: it is not this transaction's.
CREATE OR REPLACE FUNCTION ledger_lines_entries_open() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.entry_id, e.id AS found INTO bad
      FROM (SELECT DISTINCT entry_id FROM new_lines) n
      LEFT JOIN ledger_journalentry e ON e.id = n.entry_id
     WHERE e.created_txid IS DISTINCT FROM pg_current_xact_id()
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % was not created in this transaction: lines may be added to an entry only when it is posted; post a new entry instead',
            bad.entry_id
            USING ERRCODE = 'LG002';
    END IF;
    SELECT e.entry_date, p.name INTO bad
      FROM (SELECT DISTINCT entry_id FROM new_lines) n
      JOIN ledger_journalentry e ON e.id = n.entry_id
      JOIN ledger_accountingperiod p
        ON e.entry_date BETWEEN p.start_date AND p.end_date AND p.state = 'closed'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot post on %: accounting period % is closed', bad.entry_date, bad.name
            USING ERRCODE = 'LG003';
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER journal_line_period_open ON ledger_journalline;
DROP FUNCTION ledger_line_period_open();

CREATE TRIGGER journal_line_entry_open
    AFTER INSERT ON ledger_journalline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_entries_open();

-- 4. Checks at commit, once per transaction, for the apps that keep sub-ledgers (billing checks
-- each touched bill's balance against its receivable lines). A statement trigger queues the ids
-- it touched with ledger_check_at_commit(checker, ids): one row per statement, the ids as an
-- array (an import's 50,000 bills are one row, not 50,000 index entries). The first queued row
-- of a transaction also inserts its marker row, whose deferred constraint trigger runs every
-- queued checker once at commit with all of its ids, then clears the rows. `checker` names a
-- function (bigint[]) that raises if any of the ids breaks its rule. Unlogged: the rows live
-- only until their transaction ends.
CREATE UNLOGGED TABLE ledger_pending_check (
    txid xid8 NOT NULL,
    checker text NOT NULL,
    ids bigint[] NOT NULL
);
CREATE INDEX ledger_pending_check_txid ON ledger_pending_check (txid);

CREATE UNLOGGED TABLE ledger_commit_marker (
    txid xid8 PRIMARY KEY
);

CREATE OR REPLACE FUNCTION ledger_check_at_commit(checker text, ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    me xid8;
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    me := pg_current_xact_id();
    INSERT INTO ledger_pending_check (txid, checker, ids) VALUES (me, checker, ids);
    INSERT INTO ledger_commit_marker (txid) VALUES (me) ON CONFLICT DO NOTHING;
END;
$$;

CREATE OR REPLACE FUNCTION ledger_run_checks_at_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    queued record;
BEGIN
    FOR queued IN
        SELECT q.checker, array_agg(DISTINCT q.id ORDER BY q.id) AS ids
          FROM (SELECT p.checker, unnest(p.ids) AS id
                  FROM ledger_pending_check p WHERE p.txid = NEW.txid) q
         WHERE q.id IS NOT NULL
         GROUP BY q.checker ORDER BY q.checker
    LOOP
        EXECUTE format('SELECT %I($1)', queued.checker) USING queued.ids;
    END LOOP;
    DELETE FROM ledger_pending_check WHERE txid = NEW.txid;
    DELETE FROM ledger_commit_marker WHERE txid = NEW.txid;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_checks_at_commit
    AFTER INSERT ON ledger_commit_marker
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_run_checks_at_commit();
