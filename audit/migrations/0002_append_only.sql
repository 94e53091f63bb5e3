-- The audit trail is append-only, like the ledger: every history table (each django-pghistory
-- event table, found by its pgh_label column), pghistory's request contexts and the access log
-- refuse UPDATE, DELETE and TRUNCATE with SQLSTATE AU001 (class AU: ours).
--
-- One update is legitimate: pghistory UPSERTs a request's context row each time an event is
-- written (_pgh_attach_context: ON CONFLICT (id) DO UPDATE SET metadata, updated_at), and the
-- metadata grows during a request (the user is filled in when the request signs in). So a
-- context row may change only by gaining keys or filling in a key that was null: its id and
-- created_at stay, and every non-null value it held stays as it was.
--
-- TRUNCATE is refused unless the session says audit.allow_truncate = on: only the test suite's
-- databases do (tests/conftest.py), so that Django's flush between transactional tests works.
-- Like every trigger, these stop the application, not the tables' owner (who can disable them).

CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('audit.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: % of % is refused.', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'AU001';
END
$$;

CREATE FUNCTION audit_context_merge_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = OLD.id
       AND NEW.created_at = OLD.created_at
       AND NEW.metadata @> jsonb_strip_nulls(OLD.metadata) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: a request context may only gain keys.'
        USING ERRCODE = 'AU001';
END
$$;

CREATE FUNCTION audit_append_only_install(target regclass, context boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF context THEN
        EXECUTE format('CREATE TRIGGER audit_append_only BEFORE UPDATE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION audit_context_merge_only()', target);
        EXECUTE format('CREATE TRIGGER audit_no_delete BEFORE DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()', target);
    ELSE
        EXECUTE format('CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()', target);
    END IF;
    EXECUTE format('CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', target);
END
$$;

DO $$
DECLARE
    event_table regclass;
BEGIN
    FOR event_table IN
        SELECT DISTINCT format('%I', c.table_name)::regclass
        FROM information_schema.columns c
        WHERE c.table_schema = current_schema() AND c.column_name = 'pgh_label'
    LOOP
        PERFORM audit_append_only_install(event_table);
    END LOOP;
END
$$;

SELECT audit_append_only_install('audit_accessevent');
SELECT audit_append_only_install('pghistory_context', context => true);
