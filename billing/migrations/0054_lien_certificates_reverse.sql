DROP TRIGGER IF EXISTS lien_certificate_item_append_only ON billing_liencertificateitem;
DROP TRIGGER IF EXISTS lien_certificate_append_only ON billing_liencertificate;
DROP FUNCTION IF EXISTS billing_lien_certificate_append_only();
