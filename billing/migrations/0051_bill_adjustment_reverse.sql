DROP TRIGGER IF EXISTS bill_adjustment_append_only ON billing_billadjustment;
DROP FUNCTION IF EXISTS billing_adjustment_append_only();
