-- Overpayments posted before credits became a sub-ledger credited 2100 without naming anyone.
-- Name the customer of the payment on those lines (the payment's own entry, its void, its refund
-- or returned check), so that 2100 equals the sum of the customers' credits from the start.
-- Journal lines are append-only; this one-time correction lifts that trigger for itself only.
ALTER TABLE ledger_journalline DISABLE TRIGGER journal_line_append_only;

UPDATE ledger_journalline l
   SET customer_id = p.customer_id
  FROM ledger_account a, ledger_journalentry e, payments_payment p
 WHERE a.id = l.account_id AND a.code = '2100'
   AND e.id = l.entry_id AND e.book = 'live'
   AND l.customer_id IS NULL AND p.customer_id IS NOT NULL
   AND (l.entry_id = p.entry_id
        OR e.reverses_id = p.entry_id
        OR l.entry_id IN (SELECT r.entry_id FROM payments_paymentreversal r WHERE r.payment_id = p.id));

-- The customer foreign key is deferred: check it now, so the table can be altered again.
SET CONSTRAINTS journalline_customer_fk IMMEDIATE;

ALTER TABLE ledger_journalline ENABLE TRIGGER journal_line_append_only;
