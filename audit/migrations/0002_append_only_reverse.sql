DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT DISTINCT tgrelid::regclass FROM pg_trigger
        WHERE tgname IN ('audit_append_only', 'audit_no_delete', 'audit_no_truncate')
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS audit_append_only ON %s', t);
        EXECUTE format('DROP TRIGGER IF EXISTS audit_no_delete ON %s', t);
        EXECUTE format('DROP TRIGGER IF EXISTS audit_no_truncate ON %s', t);
    END LOOP;
END
$$;
DROP FUNCTION audit_append_only_install(regclass, boolean);
DROP FUNCTION audit_context_merge_only();
DROP FUNCTION audit_refuse_change();
