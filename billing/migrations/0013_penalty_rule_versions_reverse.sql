DROP TRIGGER IF EXISTS penalty_rule_fixed ON billing_penaltyrule;
DROP FUNCTION IF EXISTS billing_penalty_rule_fixed();
