DROP TRIGGER IF EXISTS journal_line_bill_balance ON ledger_journalline;
DROP TRIGGER IF EXISTS bill_balance_matches_ledger ON billing_bill;
DROP FUNCTION IF EXISTS billing_bill_balance_matches();
ALTER TABLE ledger_journalline DROP CONSTRAINT IF EXISTS journalline_bill_fk;
