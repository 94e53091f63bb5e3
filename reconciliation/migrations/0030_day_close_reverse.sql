DROP INDEX IF EXISTS reconciliation_payment_office_day;
DROP TRIGGER IF EXISTS daysignoff_frozen ON reconciliation_daysignoff;
DROP TRIGGER IF EXISTS journal_line_day_open ON ledger_journalline;
DROP FUNCTION IF EXISTS reconciliation_daysignoff_frozen();
DROP FUNCTION IF EXISTS reconciliation_day_takes_postings();
DROP FUNCTION IF EXISTS reconciliation_day_seal(bigint, date, text, text);
DROP FUNCTION IF EXISTS reconciliation_day_lines_text(bigint, date);
