-- The day close (issue 9). SQLSTATE of our own:
--   DC001 a live journal line dated an office-day that a Supervisor signed off (a standing
--         reconciliation_daysignoff row): the line names a drawer of that office, or the office
--         itself (custody lines). A line naming neither (billing's postings: imports,
--         adjustments, waivers) is refused on a date that EVERY office has signed off.
--         The training book is practice, not the office's books: never refused.
-- Each live line naming an office takes a KEY SHARE lock on the office row; the sign-off takes
-- FOR UPDATE on it, so it waits for postings in flight and they, after it, see the sign-off.

-- The canonical text of an office-day's live journal lines, one line per row in id order:
-- what the seal hashes (reconciliation.services.days and ledger_verify use the same function).
CREATE OR REPLACE FUNCTION reconciliation_day_lines_text(p_office bigint, p_day date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(
               format('%s|%s|%s|%s|%s|%s|%s|%s|%s', l.id, l.entry_id, e.source, a.code,
                      l.amount, l.bill_id, l.drawer_id, l.customer_id, l.office_id),
               E'\n' ORDER BY l.id), '')
      FROM ledger_journalline l
      JOIN ledger_journalentry e ON e.id = l.entry_id
      JOIN ledger_account a ON a.id = l.account_id
     WHERE e.entry_date = p_day AND e.book = 'live'
       AND (l.office_id = p_office
            OR l.drawer_id IN (SELECT d.id FROM payments_drawer d WHERE d.office_id = p_office))
$$;

-- seal = sha256(previous seal || canonical lines || report sha), hex.
CREATE OR REPLACE FUNCTION reconciliation_day_seal(
    p_office bigint, p_day date, p_previous text, p_report_sha text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
               coalesce(p_previous, '') || reconciliation_day_lines_text(p_office, p_day)
               || coalesce(p_report_sha, ''), 'UTF8')), 'hex')
$$;

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

CREATE TRIGGER journal_line_day_open
    BEFORE INSERT ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION reconciliation_day_takes_postings();

-- A sign-off is history (SQLSTATE RC001, as reconciliation 0001's rows): never deleted; only
-- its reopening columns change, once. (Not 0001's function: it reads OLD.entry_id, which this
-- table has not.)
CREATE OR REPLACE FUNCTION reconciliation_daysignoff_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    mutable text[] := ARRAY['reopened_by_id', 'reopened_at', 'reopen_reason'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a day sign-off is history and cannot be deleted' USING ERRCODE = 'RC001';
    END IF;
    IF (to_jsonb(OLD) - mutable) IS DISTINCT FROM (to_jsonb(NEW) - mutable) THEN
        RAISE EXCEPTION 'a day sign-off is history: only reopened_by_id, reopened_at and reopen_reason may change'
            USING ERRCODE = 'RC001';
    END IF;
    IF OLD.reopened_at IS NOT NULL THEN
        RAISE EXCEPTION 'day sign-off % was reopened already', OLD.id USING ERRCODE = 'RC001';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER daysignoff_frozen BEFORE UPDATE OR DELETE ON reconciliation_daysignoff
    FOR EACH ROW EXECUTE FUNCTION reconciliation_daysignoff_frozen();

-- The daily balancing report reads an office's receipts of one day (reconciliation
-- selectors_daily); payments has no index for that, and this app's migration adds none to
-- payments' models, so it is plain SQL here.
CREATE INDEX IF NOT EXISTS reconciliation_payment_office_day
    ON payments_payment (office_id, posted_on, training);
