-- Going back drops covered_through_entry and LedgerDaySeal.seal_algorithm, which nothing can
-- give back: forward again, an algorithm-3 ledger day seal would be read as algorithm 2 (and
-- reported), and a reopened version would lose its covered id (listed as never recomputed, so
-- an edit of it would go unseen); the code before 0064 cannot verify algorithm 3 either. So
-- this migration goes back only while no seal depends on it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM reconciliation_daysignoff
                WHERE seal_algorithm >= 3
                   OR (reopened_at IS NOT NULL AND covered_through_entry IS NOT NULL))
       OR EXISTS (SELECT 1 FROM reconciliation_ledgerdayseal
                   WHERE seal_algorithm >= 3
                      OR (reopened_at IS NOT NULL AND covered_through_entry IS NOT NULL)) THEN
        RAISE EXCEPTION 'reconciliation migration 0064 cannot be reversed: seals of algorithm 3 '
            'or reopened seals with a covered id exist, and would lose what verifies them';
    END IF;
END;
$$;
DROP FUNCTION IF EXISTS reconciliation_seals_not_recomputed();
DROP FUNCTION IF EXISTS reconciliation_seals_cover_standing();
DROP FUNCTION IF EXISTS reconciliation_ledger_day_seal(date, text, bigint);
DROP FUNCTION IF EXISTS reconciliation_day_seal_v2(bigint, date, text, text, bigint);
DROP FUNCTION IF EXISTS reconciliation_day_seal(bigint, date, text, text, bigint);
DROP FUNCTION IF EXISTS reconciliation_day_lines_text(bigint, date, bigint);
DROP FUNCTION IF EXISTS reconciliation_ledger_day_seal_v3(date, text, bigint, bigint);
DROP FUNCTION IF EXISTS reconciliation_day_seal_v3(bigint, date, text, text, bigint, bigint);
DROP FUNCTION IF EXISTS reconciliation_sealed_through(bigint, date);
-- migration 0063's reconciliation_sealed_text, as it was
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

DROP FUNCTION IF EXISTS reconciliation_sealed_text(bigint, date, bigint);
DROP FUNCTION IF EXISTS reconciliation_sealed_entries(bigint, date, bigint);
