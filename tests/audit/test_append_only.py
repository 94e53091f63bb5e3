"""The audit trail is append-only at the database (audit/migrations/0002_append_only.sql):
UPDATE, DELETE and TRUNCATE of any event row, access row or request context are refused with
SQLSTATE AU001, except the one update pghistory makes: a context gaining keys."""

import uuid

import pghistory
import pytest
from django.db import DatabaseError, connection, transaction
from pghistory.core import event_models
from pghistory.models import Context

from audit.models import AccessEvent
from billing.models import Holiday

pytestmark = pytest.mark.django_db(transaction=True)

AU001 = "The audit trail is append-only"


def _sql(statement: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def _triggers(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


def test_every_event_table_the_access_log_and_the_contexts_carry_the_refusals():
    # given every history table there is
    tables = [m._meta.db_table for m in event_models()] + ["audit_accessevent"]
    # then each refuses changes and emptying
    for table in tables:
        assert {"audit_append_only", "audit_no_truncate"} <= _triggers(table), table
    assert {"audit_append_only", "audit_no_delete", "audit_no_truncate"} <= _triggers(
        "pghistory_context"
    )


def test_a_holiday_taken_off_keeps_its_events_and_they_cannot_be_changed(admin_user):
    # given a closure added and taken off again within a request's context
    with pghistory.context(user=admin_user.pk, url="/admin/"):
        day = Holiday.objects.create(date="2026-02-03", name="Snow day")
        day.delete()
    event_table = Holiday.pgh_event_models["insert"]._meta.db_table  # type: ignore[attr-defined]
    # when someone with SQL access edits, deletes or empties its history
    # then the database refuses each
    for statement in (
        f"UPDATE {event_table} SET name = 'Nothing happened'",
        f"DELETE FROM {event_table}",
        f"TRUNCATE {event_table}",
    ):
        # (the test database lets Django's flush empty it; the application's does not)
        with (
            pytest.raises(DatabaseError, match=AU001) as refused,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL audit.allow_truncate = off")
            cursor.execute(statement)
        assert refused.value.__cause__.pgcode == "AU001"
    assert [e.name for e in Holiday.pgh_event_models["insert"].objects.all()] == ["Snow day"] * 2


def test_access_rows_cannot_be_changed_or_deleted(rf, clerk):
    # given an access row
    from audit.services import access_record

    request = rf.get("/billing/customers/1/")
    request.user = clerk
    row = access_record(kind=AccessEvent.Kind.VIEW, what="Customer page: Dana", request=request)
    # when someone edits or deletes it, then the database refuses
    for statement in (
        "UPDATE audit_accessevent SET user_id = NULL WHERE id = %s",
        "DELETE FROM audit_accessevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match=AU001):
            _sql(statement, [row.pk])
    assert AccessEvent.objects.get(pk=row.pk).user_id == clerk.pk


def test_a_request_context_may_only_gain_keys(admin_user, clerk):
    # given a context, as pghistory writes it (the user not known yet)
    context_id = uuid.uuid4()
    _sql(
        "INSERT INTO pghistory_context (id, metadata, created_at, updated_at)"
        " VALUES (%s, %s, now(), now())",
        [context_id, '{"url": "/accounts/login/", "user": null}'],
    )
    # when pghistory's own upsert fills in the user (as after a sign-in): accepted
    _sql(
        "UPDATE pghistory_context SET metadata = %s, updated_at = now() WHERE id = %s",
        [f'{{"url": "/accounts/login/", "user": {admin_user.pk}}}', context_id],
    )
    assert Context.objects.get(id=context_id).metadata["user"] == admin_user.pk
    # but changing who it was, dropping a key, or deleting it is refused
    for metadata in (f'{{"url": "/accounts/login/", "user": {clerk.pk}}}', '{"url": "/x/"}'):
        with pytest.raises(DatabaseError, match="may only gain keys"):
            _sql("UPDATE pghistory_context SET metadata = %s WHERE id = %s", [metadata, context_id])
    with pytest.raises(DatabaseError, match=AU001):
        _sql("DELETE FROM pghistory_context WHERE id = %s", [context_id])
    assert Context.objects.get(id=context_id).metadata["user"] == admin_user.pk


def test_pghistory_own_upsert_in_a_request_works(client, admin_user):
    # given an Admin in the admin: one request, one context, several events
    client.force_login(admin_user)
    from django.urls import reverse

    # when they add a closure (its insert event attaches the context, then upserts it again)
    response = client.post(
        reverse("admin:billing_holiday_add"),
        {"date": "2026-02-04", "name": "Ice day", "kind": "closure"},
    )
    # then it is saved and its event names them
    assert response.status_code == 302
    event = Holiday.pgh_event_models["insert"].objects.get(name="Ice day")  # type: ignore[attr-defined]
    assert event.pgh_context.metadata["user"] == admin_user.pk
