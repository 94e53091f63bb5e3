DROP TRIGGER IF EXISTS account_keeps_fee_revenue ON ledger_account;
DROP FUNCTION IF EXISTS billing_account_keeps_fee_revenue();
DROP TRIGGER IF EXISTS fee_type_revenue_account ON billing_feetype;
DROP FUNCTION IF EXISTS billing_fee_type_revenue_account();
