-- Certified lists of liens are append-only: a certificate issued is kept as it was printed; a
-- sale voided shows it VOID (payments knows), nothing is edited or deleted.
CREATE OR REPLACE FUNCTION billing_lien_certificate_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: lien certificates are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'BL003';
END;
$$;

CREATE TRIGGER lien_certificate_append_only
    BEFORE UPDATE OR DELETE ON billing_liencertificate
    FOR EACH ROW EXECUTE FUNCTION billing_lien_certificate_append_only();

CREATE TRIGGER lien_certificate_item_append_only
    BEFORE UPDATE OR DELETE ON billing_liencertificateitem
    FOR EACH ROW EXECUTE FUNCTION billing_lien_certificate_append_only();
