DROP TRIGGER IF EXISTS credit_refund_frozen ON payments_creditrefund;
DROP FUNCTION IF EXISTS payments_credit_refund_frozen();
