DROP TRIGGER IF EXISTS tender_frozen ON payments_tender;
DROP TRIGGER IF EXISTS payment_item_frozen ON payments_paymentitem;
DROP TRIGGER IF EXISTS payment_frozen ON payments_payment;
DROP FUNCTION IF EXISTS payments_receipt_frozen();
ALTER TABLE ledger_journalline DROP CONSTRAINT IF EXISTS journalline_drawer_fk;
