DROP TRIGGER IF EXISTS ledgerdayseal_frozen ON reconciliation_ledgerdayseal;
DROP FUNCTION IF EXISTS reconciliation_ledgerdayseal_frozen();
DROP FUNCTION IF EXISTS reconciliation_ledger_day_seal(date, text);
DROP FUNCTION IF EXISTS reconciliation_day_seal_v2(bigint, date, text, text);
DROP FUNCTION IF EXISTS reconciliation_sealed_line_count(bigint, date);
DROP FUNCTION IF EXISTS reconciliation_sealed_text(bigint, date);
DROP FUNCTION IF EXISTS reconciliation_sealed_entries(bigint, date);
-- migration 0030's day-close trigger function, as it was
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
    ELSIF EXISTS (SELECT 1 FROM reconciliation_daysignoff s
                   WHERE s.business_date = line_day AND s.reopened_at IS NULL)
          AND NOT EXISTS (
              SELECT 1 FROM payments_office o
               WHERE NOT EXISTS (SELECT 1 FROM reconciliation_daysignoff s
                                  WHERE s.office_id = o.id AND s.business_date = line_day
                                    AND s.reopened_at IS NULL)) THEN
        RAISE EXCEPTION 'every office signed off the day %: it takes no posting', line_day
            USING ERRCODE = 'DC001';
    END IF;
    RETURN NEW;
END;
$$;
