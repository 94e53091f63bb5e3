"""audit.speed: the history triggers' helpers without an EXCEPTION block give the answers of
the helpers django-pgtrigger and django-pghistory install, for every value their session
settings can hold (never set in the session, emptied at the end of a transaction, reset by
pgtrigger.ignore() on leaving, and each shape pgtrigger.ignore() and pghistory.context() write,
nested or not)."""

import uuid

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import connection, connections
from pghistory.models import Context

from audit import speed
from billing.models import Holiday

IGNORED = [
    "{}",
    "{billing_holiday:pgtrigger_a_1,pgtrigger_a_1}",
    # nested pgtrigger.ignore(): the union of both
    "{billing_holiday:pgtrigger_a_1,pgtrigger_a_1,billing_holiday:pgtrigger_b_2,pgtrigger_b_2}",
    '{"with space",pgtrigger_a_1}',
]
TRIGGER_NAMES = ["pgtrigger_a_1", "pgtrigger_b_2", "pgtrigger_c_3"]
CONTEXT_ID = str(uuid.uuid4())
# A request's context: then the user known (a key filled in) and more keys (it only grows,
# audit/migrations/0002_append_only.sql).
METADATA = ['{"user": null, "url": "/a"}', '{"user": 1, "url": "/a", "method": "POST"}']


def _function_text(name: str, renamed: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.proname = %s", [name]
        )
        (text,) = cursor.fetchone()
    return text.replace(name, renamed, 1)


@pytest.fixture
def originals(transactional_db):
    """The libraries' own helpers, installed beside ours as _orig_should_ignore and
    _orig_attach_context (committed, so that a new session sees them)."""
    with pgtrigger.Protect(name="speed_probe", operation=pgtrigger.Update).install(Holiday):
        should_ignore = _function_text("_pgtrigger_should_ignore", "_orig_should_ignore")
    Context.install_pgh_attach_context_func()
    attach = _function_text("_pgh_attach_context", "_orig_attach_context")
    speed.install()
    with connection.cursor() as cursor:
        cursor.execute(should_ignore)
        cursor.execute(attach)
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = '_orig_should_ignore'")
        assert "EXCEPTION" in cursor.fetchone()[0]
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP FUNCTION IF EXISTS _orig_should_ignore(name)")
        cursor.execute("DROP FUNCTION IF EXISTS _orig_attach_context()")


def _fresh_cursor():
    """A new session: no custom setting was ever set in it."""
    fresh = connections.create_connection("default")
    fresh.set_autocommit(True)
    return fresh, fresh.cursor()


def _answers(cursor, sql: str, params=()) -> object:
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    except Exception as error:
        return f"error {type(error).__name__}"


def test_should_ignore_answers_as_pgtrigger_s_in_every_state(originals):
    fresh, cursor = _fresh_cursor()
    try:

        def both(name):
            return [
                _answers(cursor, f"SELECT {f}(%s)", [name])
                for f in ("_orig_should_ignore", "_pgtrigger_should_ignore")
            ]

        states = {}
        # never set in the session
        states["unset"] = [both(n) for n in [*TRIGGER_NAMES, None]]
        # set for one transaction (as the execute wrapper does), then emptied at its end
        cursor.execute("BEGIN")
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [IGNORED[1]])
        states["inside"] = [both(n) for n in TRIGGER_NAMES]
        cursor.execute("COMMIT")
        states["emptied"] = [both(n) for n in TRIGGER_NAMES]
        # reset as pgtrigger.ignore() does on leaving inside an atomic block
        cursor.execute("SELECT set_config('pgtrigger.ignore', NULL, false)")
        states["reset"] = [both(n) for n in TRIGGER_NAMES]
        for value in IGNORED:
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [value])
            states[value] = [both(n) for n in [*TRIGGER_NAMES, None]]
    finally:
        fresh.close()

    differ = {
        state: answers
        for state, answers in states.items()
        if any(orig != fast for orig, fast in answers)
    }
    assert differ == {}
    assert states[IGNORED[2]][1] == [[(True,)], [(True,)]]  # nested: the inner one too


def test_attach_context_answers_as_pghistory_s_in_every_state(originals):
    fresh, cursor = _fresh_cursor()
    try:

        def both():
            return [
                _answers(cursor, f"SELECT {f}()")
                for f in ("_orig_attach_context", "_pgh_attach_context")
            ]

        states = {"unset": both()}
        cursor.execute("SELECT set_config('pghistory.context_id', %s, false)", [CONTEXT_ID])
        states["only the id"] = both()
        cursor.execute("BEGIN")
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, true),"
            " set_config('pghistory.context_metadata', %s, true)",
            [CONTEXT_ID, METADATA[0]],
        )
        states["inside pghistory.context()"] = both()
        cursor.execute("COMMIT")
        # the metadata, set for that transaction only, is emptied; the id keeps its session value
        states["metadata emptied"] = both()
        cursor.execute("SELECT set_config('pghistory.context_id', '', false)")
        states["both emptied"] = both()
        for metadata in METADATA:
            for context_id in ("", CONTEXT_ID):
                cursor.execute(
                    "SELECT set_config('pghistory.context_id', %s, false),"
                    " set_config('pghistory.context_metadata', %s, false)",
                    [context_id, metadata],
                )
                states[(context_id, metadata)] = both()
        cursor.execute("SELECT metadata::text FROM pghistory_context WHERE id = %s", [CONTEXT_ID])
        kept = cursor.fetchone()
    finally:
        fresh.close()

    differ = {state: a for state, a in states.items() if a[0] != a[1]}
    assert differ == {}
    assert states["inside pghistory.context()"][1] == [(uuid.UUID(CONTEXT_ID),)]
    assert kept == ('{"url": "/a", "user": 1, "method": "POST"}',)  # the last one written


def test_a_value_neither_library_writes_raises_instead_of_being_ignored(originals):
    # The only difference: a malformed setting (not an array, UUID or JSON literal), which
    # pgtrigger.ignore() and pghistory.context() never write, made the originals ignore it
    # silently (no trigger ignored, no context kept); the fast helpers raise.
    fresh, cursor = _fresh_cursor()
    try:
        cursor.execute("SELECT set_config('pgtrigger.ignore', 'not an array', false)")
        ignore = [
            _answers(cursor, f"SELECT {f}('pgtrigger_a_1')")
            for f in ("_orig_should_ignore", "_pgtrigger_should_ignore")
        ]
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, false),"
            " set_config('pghistory.context_metadata', 'NaN', false)",
            [CONTEXT_ID],
        )
        attach = [
            _answers(cursor, f"SELECT {f}()")
            for f in ("_orig_attach_context", "_pgh_attach_context")
        ]
    finally:
        fresh.close()

    assert ignore == [[(False,)], "error DataError"]
    assert attach == [[(None,)], "error DataError"]


def test_pgtrigger_s_install_command_is_followed_by_the_fast_helper(transactional_db):
    # (review finding: pgtrigger's command wrote its helper again, and no post_migrate follows
    # it; cashiering's command of the same name puts the fast one back)
    call_command("pgtrigger", "install")

    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = '_pgtrigger_should_ignore'")
        body = cursor.fetchone()[0]
    speed.install()  # leave the test database as migrate does
    assert "EXCEPTION" not in body
