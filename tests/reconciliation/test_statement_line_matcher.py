"""Migration 0061: the Supervisor named as a statement line's matcher stays in the database
(the line's foreign key became a trigger in 0060), and a match in flight holds its user as a
foreign key check would."""

from pathlib import Path

import psycopg2
import pytest
from django.db import IntegrityError, connection, transaction

from cashiering.roles import Role
from ledger.models import Account
from ledger.selectors import ledger_violations
from reconciliation.services import statement_import
from tests.payments.conftest import new_user

SVB = (Path(__file__).parent / "samples" / "svb_us_example.bai2").read_bytes()


def imported_line(by):
    """The first line of the sample BAI2 file imported by `by`; its primary key."""
    bank = Account.objects.get(code="1100")
    result = statement_import(bank_account=bank, file_name="svb.bai2", data=SVB, by=by)
    return result.statement.lines.order_by("pk").first().pk


def name_matcher(line_id: int, user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reconciliation_statementline SET matched_by_id = %s WHERE id = %s",
            [user_id, line_id],
        )


@pytest.mark.django_db
def test_a_user_who_matched_a_line_cannot_be_deleted(reference, supervisor):
    matcher = new_user("matcher-gone", Role.SUPERVISOR)
    line_id = imported_line(supervisor)
    name_matcher(line_id, matcher.pk)

    with (
        pytest.raises(IntegrityError, match=f"matched statement line {line_id}"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM auth_user_groups WHERE user_id = %s", [matcher.pk])
        cursor.execute("DELETE FROM auth_user WHERE id = %s", [matcher.pk])

    assert ledger_violations() == []


@pytest.mark.django_db
def test_a_user_who_matched_a_line_cannot_be_renumbered(reference, supervisor):
    matcher = new_user("matcher-renumbered", Role.SUPERVISOR)
    line_id = imported_line(supervisor)
    name_matcher(line_id, matcher.pk)

    with (
        pytest.raises(IntegrityError, match="deactivate the account instead"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE auth_user SET id = id + 1000000 WHERE id = %s", [matcher.pk])


@pytest.mark.django_db
def test_a_user_who_matched_nothing_can_still_be_deleted(reference, supervisor):
    bystander = new_user("bystander", Role.SUPERVISOR)
    imported_line(supervisor)

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auth_user_groups WHERE user_id = %s", [bystander.pk])
        cursor.execute("DELETE FROM auth_user WHERE id = %s", [bystander.pk])
        cursor.execute("SELECT count(*) FROM auth_user WHERE id = %s", [bystander.pk])
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db(transaction=True)
def test_a_delete_waits_for_a_match_in_flight(reference, supervisor):
    matcher = new_user("matcher-in-flight", Role.SUPERVISOR)
    line_id = imported_line(supervisor)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auth_user_groups WHERE user_id = %s", [matcher.pk])
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    try:
        with transaction.atomic():
            name_matcher(line_id, matcher.pk)
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
                with pytest.raises(psycopg2.errors.LockNotAvailable):
                    cursor.execute("DELETE FROM auth_user WHERE id = %s", [matcher.pk])
            other.rollback()
        with other.cursor() as cursor, pytest.raises(psycopg2.errors.ForeignKeyViolation):
            cursor.execute("DELETE FROM auth_user WHERE id = %s", [matcher.pk])
    finally:
        other.close()
