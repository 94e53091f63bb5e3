DROP TRIGGER IF EXISTS journal_line_custody_not_negative ON ledger_journalline;
DROP FUNCTION IF EXISTS payments_custody_checked();
DROP TRIGGER IF EXISTS journal_line_custody_named ON ledger_journalline;
DROP FUNCTION IF EXISTS payments_custody_line_named();
DROP TRIGGER IF EXISTS journal_line_drawer_open ON ledger_journalline;
DROP FUNCTION IF EXISTS payments_drawer_takes_postings();
ALTER TABLE ledger_journalline DROP CONSTRAINT IF EXISTS journalline_office_fk;
