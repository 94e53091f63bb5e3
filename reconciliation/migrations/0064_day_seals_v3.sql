-- Day seals, algorithm 3 (docs/ledger.md, "Day seals"): a reopened version is verified too.
--
-- Algorithm 2 seals the whole office-day; once an Admin reopens the day it takes postings
-- again, so its whole day no longer gives the old seal and ledger_verify could not recompute
-- it: someone with the triggers off could mark a day reopened and then edit it unseen.
-- Algorithm 3 hashes the same canonical text, and in its header the highest journal entry id
-- the seal covered (`covered_through_entry`). A standing version is verified over the whole
-- day (an entry inserted with any id is caught); a reopened one over the day's entries up to
-- that id, which the ledger only appends to (a line is refused on an entry of another
-- transaction, migration ledger 0005), so they still give the seal whatever was posted since.

-- The live entries of `p_day` a seal covers (reconciliation_sealed_entries), up to entry id
-- `p_through` (NULL: all).
CREATE OR REPLACE FUNCTION reconciliation_sealed_entries(
    p_office bigint, p_day date, p_through bigint)
RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    SELECT s.id FROM reconciliation_sealed_entries(p_office, p_day) AS s(id)
     WHERE p_through IS NULL OR s.id <= p_through
$$;

-- The canonical text of those entries (migration 0063's reconciliation_sealed_text, whose
-- two-argument form is now this one's with p_through NULL: the same text).
CREATE OR REPLACE FUNCTION reconciliation_sealed_text(
    p_office bigint, p_day date, p_through bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    WITH entries AS (SELECT reconciliation_sealed_entries(p_office, p_day, p_through) AS id)
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

CREATE OR REPLACE FUNCTION reconciliation_sealed_text(p_office bigint, p_day date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT reconciliation_sealed_text(p_office, p_day, NULL)
$$;

-- The highest entry id a seal of the office-day (p_office NULL: the entries naming no office)
-- covers now, 0 for none: what a new sign-off stores as covered_through_entry.
CREATE OR REPLACE FUNCTION reconciliation_sealed_through(p_office bigint, p_day date)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(max(s.id), 0) FROM reconciliation_sealed_entries(p_office, p_day) AS s(id)
$$;

-- An office-day's seal, algorithm 3: sha256 of a header naming the office, the day, the
-- office's previous seal, the signed report's SHA-256 and the highest entry id covered, then
-- the canonical text of the day's entries, up to `p_through` (NULL: all of them). Hex.
CREATE OR REPLACE FUNCTION reconciliation_day_seal_v3(
    p_office bigint, p_day date, p_previous text, p_report_sha text, p_covered_through bigint,
    p_through bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
               format('day seal 3 office %L day %L previous %L report %L covered through %L',
                      p_office, to_char(p_day, 'YYYY-MM-DD'), coalesce(p_previous, ''),
                      coalesce(p_report_sha, ''), p_covered_through)
               || E'\n' || reconciliation_sealed_text(p_office, p_day, p_through), 'UTF8')),
           'hex')
$$;

-- The ledger day seal of the entries naming no office, algorithm 3: the same, chained to the
-- previous ledger day seal.
CREATE OR REPLACE FUNCTION reconciliation_ledger_day_seal_v3(
    p_day date, p_previous text, p_covered_through bigint, p_through bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
               format('ledger day seal 3 day %L previous %L covered through %L',
                      to_char(p_day, 'YYYY-MM-DD'), coalesce(p_previous, ''), p_covered_through)
               || E'\n' || reconciliation_sealed_text(NULL, p_day, p_through), 'UTF8')), 'hex')
$$;

-- Algorithms 1 and 2 over the entries up to `p_through` (NULL: all, as migrations 0030 and
-- 0063 wrote them): a sign-off made before this migration that was still standing when it ran
-- gets its covered id below, so that once reopened it is recomputed too.
CREATE OR REPLACE FUNCTION reconciliation_day_lines_text(
    p_office bigint, p_day date, p_through bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(
               format('%s|%s|%s|%s|%s|%s|%s|%s|%s', l.id, l.entry_id, e.source, a.code,
                      l.amount, l.bill_id, l.drawer_id, l.customer_id, l.office_id),
               E'\n' ORDER BY l.id), '')
      FROM ledger_journalline l
      JOIN ledger_journalentry e ON e.id = l.entry_id
      JOIN ledger_account a ON a.id = l.account_id
     WHERE e.entry_date = p_day AND e.book = 'live'
       AND (p_through IS NULL OR e.id <= p_through)
       AND (l.office_id = p_office
            OR l.drawer_id IN (SELECT d.id FROM payments_drawer d WHERE d.office_id = p_office))
$$;

CREATE OR REPLACE FUNCTION reconciliation_day_seal(
    p_office bigint, p_day date, p_previous text, p_report_sha text, p_through bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
               coalesce(p_previous, '') || reconciliation_day_lines_text(p_office, p_day, p_through)
               || coalesce(p_report_sha, ''), 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION reconciliation_day_seal_v2(
    p_office bigint, p_day date, p_previous text, p_report_sha text, p_through bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
               format('day seal 2 office %L day %L previous %L report %L',
                      p_office, to_char(p_day, 'YYYY-MM-DD'), coalesce(p_previous, ''),
                      coalesce(p_report_sha, ''))
               || E'\n' || reconciliation_sealed_text(p_office, p_day, p_through), 'UTF8')),
           'hex')
$$;

CREATE OR REPLACE FUNCTION reconciliation_ledger_day_seal(
    p_day date, p_previous text, p_through bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
               format('ledger day seal 2 day %L previous %L',
                      to_char(p_day, 'YYYY-MM-DD'), coalesce(p_previous, ''))
               || E'\n' || reconciliation_sealed_text(NULL, p_day, p_through), 'UTF8')), 'hex')
$$;

-- The covered id of every seal standing now that has none (made before this migration): its
-- day takes no posting while it stands, so that is exactly the entries it sealed. The caller
-- lets the frozen rows change (this migration, below).
CREATE OR REPLACE FUNCTION reconciliation_seals_cover_standing() RETURNS void
LANGUAGE sql AS $$
    UPDATE reconciliation_daysignoff
       SET covered_through_entry = reconciliation_sealed_through(office_id, business_date)
     WHERE reopened_at IS NULL AND covered_through_entry IS NULL;
    UPDATE reconciliation_ledgerdayseal
       SET covered_through_entry = reconciliation_sealed_through(NULL, business_date)
     WHERE reopened_at IS NULL AND covered_through_entry IS NULL;
$$;

ALTER TABLE reconciliation_daysignoff DISABLE TRIGGER daysignoff_frozen;
ALTER TABLE reconciliation_ledgerdayseal DISABLE TRIGGER ledgerdayseal_frozen;
SELECT reconciliation_seals_cover_standing();
ALTER TABLE reconciliation_daysignoff ENABLE TRIGGER daysignoff_frozen;
ALTER TABLE reconciliation_ledgerdayseal ENABLE TRIGGER ledgerdayseal_frozen;

-- The seals that were reopened already when this migration ran: they stored no covered id and
-- took postings since, so they cannot be recomputed. Written as constants; every other
-- reopened seal must say which entries it covered (ledger_verify). By seal, not by id: a seal
-- is sealed (the next one in its chain holds it), an id is not.
DO $$
BEGIN
    EXECUTE format(
        'CREATE OR REPLACE FUNCTION reconciliation_seals_not_recomputed() RETURNS SETOF text'
        ' LANGUAGE sql IMMUTABLE AS $f$ SELECT unnest(%L::text[]) $f$',
        (SELECT coalesce(array_agg(seal ORDER BY seal), '{}')::text
           FROM (SELECT seal FROM reconciliation_daysignoff WHERE reopened_at IS NOT NULL
                 UNION
                 SELECT seal FROM reconciliation_ledgerdayseal WHERE reopened_at IS NOT NULL)
                AS reopened));
END;
$$;
