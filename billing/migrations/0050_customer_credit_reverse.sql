DROP TRIGGER IF EXISTS journal_line_customer_credit ON ledger_journalline;
DROP FUNCTION IF EXISTS billing_customer_credit_checked();
ALTER TABLE ledger_journalline DROP CONSTRAINT IF EXISTS journalline_customer_fk;
