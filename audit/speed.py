"""pgtrigger's and pghistory's helper functions, without their per-call subtransactions.

Every history trigger (django-pghistory, built on django-pgtrigger) calls two helpers per row:
`_pgtrigger_should_ignore(name)` (is this trigger switched off for the session?) and
`_pgh_attach_context()` (the request's context row). As the libraries install them, each reads
its session setting inside a PL/pgSQL `BEGIN ... EXCEPTION` block, so that an unset or emptied
setting counts as none. Such a block is a subtransaction, and a statement that queues many
after-row trigger events pays for them more than linearly: inserting 20,000 bills in one
statement took 15.4 s with them and 0.84 s without (16 µs a row with no history trigger at all),
and the demo city's million bills would take hours.

`current_setting(name, true)` returns NULL for an unset setting instead of raising, and
`NULLIF(..., '')` covers one emptied at the end of a transaction: the same answers, with no
subtransaction. pgtrigger writes its slow helper again each time it installs a trigger (every
migration that adds or changes one), so `install` runs after every `migrate`
(AuditConfig.ready connects it to post_migrate), and a test checks that the helpers in the test
database are these."""

from django.db import connections

SHOULD_IGNORE = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
    _pgtrigger_ignore TEXT[];
BEGIN
    -- pgtrigger.ignore holds '{name,...}' while pgtrigger.ignore() is in force, '' after it.
    _pgtrigger_ignore := NULLIF(current_setting('pgtrigger.ignore', true), '')::TEXT[];
    IF _pgtrigger_ignore IS NOT NULL THEN
        RETURN trigger_name = ANY(_pgtrigger_ignore);
    END IF;
    RETURN FALSE;
END;
$$;
"""

ATTACH_CONTEXT = """
CREATE OR REPLACE FUNCTION _pgh_attach_context() RETURNS UUID LANGUAGE plpgsql AS $$
DECLARE
    _pgh_context_id UUID;
    _pgh_context_metadata JSONB;
BEGIN
    -- Set per statement by pghistory.context() (SET LOCAL), '' once its transaction ends.
    _pgh_context_id := NULLIF(current_setting('pghistory.context_id', true), '')::UUID;
    _pgh_context_metadata :=
        NULLIF(current_setting('pghistory.context_metadata', true), '')::JSONB;
    IF _pgh_context_id IS NOT NULL AND _pgh_context_metadata IS NOT NULL THEN
        INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
            VALUES (_pgh_context_id, _pgh_context_metadata, NOW(), NOW())
            ON CONFLICT (id) DO UPDATE
                SET metadata = EXCLUDED.metadata,
                    updated_at = EXCLUDED.updated_at
                WHERE pghistory_context.metadata != EXCLUDED.metadata;
        RETURN _pgh_context_id;
    END IF;
    RETURN NULL;
END;
$$;
"""

# The functions whose installed bodies must hold no EXCEPTION block (tests/audit).
HELPERS = ("_pgtrigger_should_ignore", "_pgh_attach_context")


def install(using: str = "default", **kwargs: object) -> None:
    """Write both helpers into database `using` (a post_migrate receiver: `kwargs` are the
    signal's). Safe to repeat; does nothing before pghistory's context table exists."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pghistory_context') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute(SHOULD_IGNORE)
        cursor.execute(ATTACH_CONTEXT)
