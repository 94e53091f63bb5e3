DROP TRIGGER IF EXISTS reference_version_bump ON payments_paymentpolicy;
