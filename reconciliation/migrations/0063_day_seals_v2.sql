-- Day seals, algorithm 2 (issue 13: tamper-evident books; docs/ledger.md, "Day seals").
--
-- An office-day's seal covers every column of every live entry dated that day that has a line
-- naming the office or one of its drawers, and every column of ALL that entry's lines (a
-- payment's receivable lines name no office: its tender lines do). The live entries of a day
-- none of whose lines names an office or a drawer (billing's postings: bills issued and
-- imported, adjustments, waivers) are sealed by the ledger day seal
-- (reconciliation_ledgerdayseal), made by the sign-off that closes the day for the last office.
-- Algorithm 1 (migration 0030's reconciliation_day_seal) stays, to verify the sign-offs made
-- before this migration.

-- The live entries of `p_day` an office's seal covers (p_office given) or the ledger day seal
-- covers (p_office NULL: no line of theirs names an office or a drawer).
CREATE OR REPLACE FUNCTION reconciliation_sealed_entries(p_office bigint, p_day date)
RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    SELECT e.id FROM ledger_journalentry e
     WHERE e.entry_date = p_day AND e.book = 'live'
       AND CASE WHEN p_office IS NULL THEN
               NOT EXISTS (SELECT 1 FROM ledger_journalline l
                            WHERE l.entry_id = e.id
                              AND (l.office_id IS NOT NULL OR l.drawer_id IS NOT NULL))
           ELSE
               EXISTS (SELECT 1 FROM ledger_journalline l
                        WHERE l.entry_id = e.id
                          AND (l.office_id = p_office
                               OR l.drawer_id IN (SELECT d.id FROM payments_drawer d
                                                   WHERE d.office_id = p_office)))
           END
$$;

-- The canonical text of those entries: per entry in id order, one row for the entry then one
-- per line in id order, every column of the table, each value a SQL literal (%L: quotes
-- doubled, NULL written NULL, so '' and NULL differ and no memo can forge a separator); dates
-- and times written in a fixed form (UTC), whatever the session's DateStyle or TimeZone.
-- tests/reconciliation/test_day_seals.py fails when a column is added to either table and
-- not here (a new column means a new algorithm).
CREATE OR REPLACE FUNCTION reconciliation_sealed_text(p_office bigint, p_day date)
RETURNS text LANGUAGE sql STABLE AS $$
    WITH entries AS (SELECT reconciliation_sealed_entries(p_office, p_day) AS id)
    SELECT coalesce(string_agg(row_text, E'\n' ORDER BY entry_id, line_id), '') FROM (
        SELECT e.id AS entry_id, 0::bigint AS line_id,
               format('entry %L %L %L %L %L %L %L %L %L',
                      e.id, to_char(e.entry_date, 'YYYY-MM-DD'), e.memo, e.source,
                      e.posted_by_id,
                      to_char(e.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                      e.reverses_id, e.book, e.created_txid) AS row_text
          FROM ledger_journalentry e JOIN entries USING (id)
        UNION ALL
        SELECT l.entry_id, l.id,
               format('line %L %L %L %L %L %L %L %L %L',
                      l.id, l.entry_id, l.account_id, l.amount, l.memo, l.bill_id,
                      l.drawer_id, l.customer_id, l.office_id)
          FROM ledger_journalline l JOIN entries e ON e.id = l.entry_id
    ) AS books
$$;

CREATE OR REPLACE FUNCTION reconciliation_sealed_line_count(p_office bigint, p_day date)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM ledger_journalline l
     WHERE l.entry_id IN (SELECT reconciliation_sealed_entries(p_office, p_day))
$$;

-- An office-day's seal, algorithm 2: sha256 of a header naming the office, the day, the
-- office's previous seal and the signed report's SHA-256, then the canonical text. Hex.
CREATE OR REPLACE FUNCTION reconciliation_day_seal_v2(
    p_office bigint, p_day date, p_previous text, p_report_sha text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
               format('day seal 2 office %L day %L previous %L report %L',
                      p_office, to_char(p_day, 'YYYY-MM-DD'), coalesce(p_previous, ''),
                      coalesce(p_report_sha, ''))
               || E'\n' || reconciliation_sealed_text(p_office, p_day), 'UTF8')), 'hex')
$$;

-- The ledger day seal of the entries naming no office: the same, chained to the previous
-- ledger day seal.
CREATE OR REPLACE FUNCTION reconciliation_ledger_day_seal(p_day date, p_previous text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
               format('ledger day seal 2 day %L previous %L',
                      to_char(p_day, 'YYYY-MM-DD'), coalesce(p_previous, ''))
               || E'\n' || reconciliation_sealed_text(NULL, p_day), 'UTF8')), 'hex')
$$;

-- The day-close trigger (migration 0030's), with the gate of the lines naming no office: each
-- takes a SHARED transaction advisory lock on its date (key 913001, days since 2000-01-01), so
-- postings never wait for one another; the sign-off that closes the date for the last office
-- takes it EXCLUSIVE without waiting (pg_try_advisory_xact_lock, reconciliation.services.days)
-- and so seals every such line committed, none in flight. Such a line is refused on a date
-- with a standing ledger day seal, or that every office signed off (as before).
CREATE OR REPLACE FUNCTION reconciliation_day_takes_postings() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    line_day date;
    line_book text;
    drawer_office bigint;
BEGIN
    SELECT entry_date, book INTO line_day, line_book
      FROM ledger_journalentry WHERE id = NEW.entry_id;
    IF line_book IS DISTINCT FROM 'live' THEN
        RETURN NEW;
    END IF;
    IF NEW.drawer_id IS NOT NULL THEN
        SELECT office_id INTO drawer_office FROM payments_drawer WHERE id = NEW.drawer_id;
    END IF;
    IF drawer_office IS NOT NULL OR NEW.office_id IS NOT NULL THEN
        PERFORM 1 FROM payments_office
          WHERE id IN (drawer_office, NEW.office_id) ORDER BY id FOR KEY SHARE;
        IF EXISTS (SELECT 1 FROM reconciliation_daysignoff s
                    WHERE s.office_id IN (drawer_office, NEW.office_id)
                      AND s.business_date = line_day AND s.reopened_at IS NULL) THEN
            RAISE EXCEPTION 'the office''s day % is signed off: it takes no posting', line_day
                USING ERRCODE = 'DC001';
        END IF;
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(913001, line_day - DATE '2000-01-01');
    IF EXISTS (SELECT 1 FROM reconciliation_ledgerdayseal g
                WHERE g.business_date = line_day AND g.reopened_at IS NULL)
       OR (EXISTS (SELECT 1 FROM reconciliation_daysignoff s
                    WHERE s.business_date = line_day AND s.reopened_at IS NULL)
           AND NOT EXISTS (
               SELECT 1 FROM payments_office o
                WHERE NOT EXISTS (SELECT 1 FROM reconciliation_daysignoff s
                                   WHERE s.office_id = o.id AND s.business_date = line_day
                                     AND s.reopened_at IS NULL))) THEN
        RAISE EXCEPTION 'every office signed off the day %: it takes no posting', line_day
            USING ERRCODE = 'DC001';
    END IF;
    RETURN NEW;
END;
$$;

-- A ledger day seal is history (RC001), as a sign-off: never deleted; only its reopening
-- columns change, once.
CREATE OR REPLACE FUNCTION reconciliation_ledgerdayseal_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    mutable text[] := ARRAY['reopened_by_id', 'reopened_at'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a ledger day seal is history and cannot be deleted' USING ERRCODE = 'RC001';
    END IF;
    IF (to_jsonb(OLD) - mutable) IS DISTINCT FROM (to_jsonb(NEW) - mutable) THEN
        RAISE EXCEPTION 'a ledger day seal is history: only reopened_by_id and reopened_at may change'
            USING ERRCODE = 'RC001';
    END IF;
    IF OLD.reopened_at IS NOT NULL THEN
        RAISE EXCEPTION 'ledger day seal % was reopened already', OLD.id USING ERRCODE = 'RC001';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER ledgerdayseal_frozen BEFORE UPDATE OR DELETE ON reconciliation_ledgerdayseal
    FOR EACH ROW EXECUTE FUNCTION reconciliation_ledgerdayseal_frozen();
