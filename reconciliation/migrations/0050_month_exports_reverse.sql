DROP TRIGGER IF EXISTS postingexport_frozen ON reconciliation_postingexport;
DROP TRIGGER IF EXISTS postingexportitem_frozen ON reconciliation_postingexportitem;
DROP TRIGGER IF EXISTS referralfile_frozen ON reconciliation_referralfile;
DROP TRIGGER IF EXISTS vendorreferral_frozen ON reconciliation_vendorreferral;
DROP TRIGGER IF EXISTS vendorpaymentfile_frozen ON reconciliation_vendorpaymentfile;
DROP TRIGGER IF EXISTS vendorpayment_frozen ON reconciliation_vendorpayment;
DROP FUNCTION IF EXISTS reconciliation_file_frozen();
