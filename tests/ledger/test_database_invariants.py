"""The ledger's invariants hold in PostgreSQL itself: raw SQL, with no Python in the way."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ledger.models import AccountingPeriod
from ledger.services import chart_of_accounts_seed, period_close
from tests.factories import AccountingPeriodFactory, post_two_line_entry


def _account_ids() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM ledger_account WHERE code IN ('1000', '4390') ORDER BY code")
        (cash,), (revenue,) = cursor.fetchall()
    return cash, revenue


def _raw_entry(cursor, user_id: int, day: str = "2026-05-01") -> int:
    cursor.execute(
        "INSERT INTO ledger_journalentry (entry_date, memo, source, posted_by_id, book)"
        " VALUES (%s, 'raw', 'adjustment', %s, 'live') RETURNING id",
        [day, user_id],
    )
    return cursor.fetchone()[0]


def _raw_line(cursor, entry_id: int, account_id: int, amount: str) -> None:
    cursor.execute(
        "INSERT INTO ledger_journalline (entry_id, account_id, amount, memo)"
        " VALUES (%s, %s, %s, '')",
        [entry_id, account_id, amount],
    )


@pytest.mark.django_db(transaction=True)
def test_raw_balanced_entry_commits(supervisor):
    chart_of_accounts_seed()
    cash, revenue = _account_ids()
    with transaction.atomic(), connection.cursor() as cursor:
        entry = _raw_entry(cursor, supervisor.pk)
        _raw_line(cursor, entry, cash, "12.50")
        _raw_line(cursor, entry, revenue, "-12.50")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_journalline WHERE entry_id = %s", [entry])
        assert cursor.fetchone()[0] == 2


@pytest.mark.django_db(transaction=True)
def test_raw_unbalanced_entry_is_refused_at_commit(supervisor):
    chart_of_accounts_seed()
    cash, revenue = _account_ids()
    with (
        pytest.raises(DatabaseError, match=r"does not balance: its lines sum to 0\.01"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        entry = _raw_entry(cursor, supervisor.pk)
        _raw_line(cursor, entry, cash, "12.50")
        _raw_line(cursor, entry, revenue, "-12.49")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_journalentry")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_raw_entry_without_lines_is_refused_at_commit(supervisor):
    with (
        pytest.raises(DatabaseError, match="an entry needs at least two"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _raw_entry(cursor, supervisor.pk)


@pytest.mark.django_db(transaction=True)
def test_lines_added_later_to_a_committed_entry_are_refused(supervisor):
    chart_of_accounts_seed()
    cash, revenue = _account_ids()
    with transaction.atomic(), connection.cursor() as cursor:
        entry = _raw_entry(cursor, supervisor.pk)
        _raw_line(cursor, entry, cash, "1.00")
        _raw_line(cursor, entry, revenue, "-1.00")
    with (
        pytest.raises(DatabaseError, match=f"journal entry {entry} was not created in this"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _raw_line(cursor, entry, cash, "5.00")


def test_raw_zero_line_is_refused(supervisor):
    chart_of_accounts_seed()
    cash, _ = _account_ids()
    with (
        pytest.raises(IntegrityError, match="journal_line_amount_not_zero"),
        connection.cursor() as cursor,
    ):
        entry = _raw_entry(cursor, supervisor.pk)
        _raw_line(cursor, entry, cash, "0.00")


@pytest.fixture
def posted_entry(chart, supervisor):
    return post_two_line_entry(
        by=supervisor,
        debit=chart["1000"],
        credit=chart["4310"],
        amount="45.00",
        entry_date=date(2026, 5, 1),
        memo="Parking permit",
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_journalline SET amount = amount * 2 WHERE entry_id = %s",
        "UPDATE ledger_journalline SET memo = 'edited' WHERE entry_id = %s",
        "DELETE FROM ledger_journalline WHERE entry_id = %s",
        "UPDATE ledger_journalentry SET memo = 'edited' WHERE id = %s",
        "UPDATE ledger_journalentry SET entry_date = entry_date - 1 WHERE id = %s",
        "DELETE FROM ledger_journalentry WHERE id = %s",
    ],
)
def test_entries_and_lines_are_append_only(posted_entry, statement):
    with (
        pytest.raises(DatabaseError, match="refused: the ledger is append-only"),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [posted_entry.pk])


def test_orm_update_and_delete_are_refused_too(posted_entry):
    line = posted_entry.lines.first()
    line.amount = Decimal("1.00")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        line.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        posted_entry.lines.all().delete()


def test_raw_posting_into_a_closed_period_is_refused(supervisor, admin_user):
    may = AccountingPeriodFactory(
        name="2026-05", start_date=date(2026, 5, 1), end_date=date(2026, 5, 31)
    )
    period_close(period=may, by=admin_user)
    with (
        pytest.raises(DatabaseError, match="accounting period 2026-05 is closed"),
        connection.cursor() as cursor,
    ):
        _raw_entry(cursor, supervisor.pk, day="2026-05-31")


def test_raw_lines_added_to_an_entry_in_a_closed_period_are_refused(posted_entry, admin_user):
    cash, _ = _account_ids()
    may = AccountingPeriodFactory(
        name="2026-05", start_date=date(2026, 5, 1), end_date=date(2026, 5, 31)
    )
    period_close(period=may, by=admin_user)
    with (
        pytest.raises(DatabaseError, match="accounting period 2026-05 is closed"),
        connection.cursor() as cursor,
    ):
        _raw_line(cursor, posted_entry.pk, cash, "3.00")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_accountingperiod SET state = 'open', closed_at = NULL WHERE id = %s",
        "UPDATE ledger_accountingperiod SET end_date = end_date - 1 WHERE id = %s",
        "DELETE FROM ledger_accountingperiod WHERE id = %s",
    ],
)
def test_a_closed_period_cannot_be_reopened_changed_or_removed(admin_user, statement):
    period = AccountingPeriodFactory()
    period_close(period=period, by=admin_user)
    with (
        pytest.raises(DatabaseError, match="is closed and cannot be changed or removed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [period.pk])
    assert AccountingPeriod.objects.get(pk=period.pk).state == "closed"


def test_overlapping_periods_are_refused(db):
    AccountingPeriodFactory(name="2026-01")
    with pytest.raises(IntegrityError, match="periods_do_not_overlap"):
        AccountingPeriodFactory(
            name="mid-January", start_date=date(2026, 1, 15), end_date=date(2026, 2, 14)
        )
