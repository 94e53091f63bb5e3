DROP TRIGGER IF EXISTS penalty_waiver_frozen ON billing_penaltywaiver;
DROP FUNCTION IF EXISTS billing_waiver_frozen();
