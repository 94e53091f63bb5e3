DROP TRIGGER IF EXISTS reference_version_bump ON billing_chargetype;
DROP TRIGGER IF EXISTS reference_version_bump ON billing_penaltyrule;
DROP TRIGGER IF EXISTS reference_version_bump ON billing_holiday;
DROP TRIGGER IF EXISTS reference_version_bump ON billing_feetype;
DROP TRIGGER IF EXISTS reference_version_bump ON billing_feeprice;
DROP TRIGGER IF EXISTS reference_version_bump ON billing_lienterms;
