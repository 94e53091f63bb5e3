"""The balance trigger no writer can skip (ledger 0005): every entry that received lines is
checked at commit whatever the line ids, and lines go only into an entry of the same
transaction. Raw SQL throughout, as a writer that bypasses `post()` would send it."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, connections, transaction

from ledger.selectors import ledger_violations
from ledger.services import chart_of_accounts_seed


def _accounts(cursor) -> tuple[int, int]:
    cursor.execute("SELECT id FROM ledger_account WHERE code IN ('1000', '4390') ORDER BY code")
    (cash,), (revenue,) = cursor.fetchall()
    return cash, revenue


def _entry(cursor, user_id: int) -> int:
    cursor.execute(
        "INSERT INTO ledger_journalentry (entry_date, memo, source, posted_by_id, book)"
        " VALUES ('2026-05-01', 'raw', 'adjustment', %s, 'live') RETURNING id",
        [user_id],
    )
    return cursor.fetchone()[0]


def _line(cursor, entry_id: int, account_id: int, amount: str, line_id: int | None = None):
    if line_id is None:
        cursor.execute(
            "INSERT INTO ledger_journalline (entry_id, account_id, amount, memo)"
            " VALUES (%s, %s, %s, '')",
            [entry_id, account_id, amount],
        )
    else:
        cursor.execute(
            "INSERT INTO ledger_journalline (id, entry_id, account_id, amount, memo)"
            " VALUES (%s, %s, %s, %s, '')",
            [line_id, entry_id, account_id, amount],
        )


def _entry_sums() -> dict[int, Decimal]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT entry_id, sum(amount) FROM ledger_journalline GROUP BY entry_id")
        return dict(cursor.fetchall())


@pytest.fixture
def committed_entry(supervisor) -> int:
    """A balanced entry of $10.00 (cash against revenue), committed, its lines with high ids."""
    chart_of_accounts_seed()
    with transaction.atomic(), connection.cursor() as cursor:
        cash, revenue = _accounts(cursor)
        cursor.execute("SELECT setval(pg_get_serial_sequence('ledger_journalline', 'id'), 1000)")
        entry = _entry(cursor, supervisor.pk)
        _line(cursor, entry, cash, "10.00")
        _line(cursor, entry, revenue, "-10.00")
    return entry


@pytest.mark.django_db(transaction=True)
def test_a_line_with_a_lower_id_than_the_others_is_checked_at_commit(supervisor):
    # Given an entry whose balanced lines have ids 1001 and 1002
    chart_of_accounts_seed()
    with (
        pytest.raises(DatabaseError, match=r"does not balance: its lines sum to 5\.00"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cash, revenue = _accounts(cursor)
        cursor.execute("SELECT setval(pg_get_serial_sequence('ledger_journalline', 'id'), 1000)")
        entry = _entry(cursor, supervisor.pk)
        _line(cursor, entry, cash, "10.00")
        _line(cursor, entry, revenue, "-10.00")
        # When a line with a lower id unbalances it in the same transaction
        _line(cursor, entry, cash, "5.00", line_id=7)
    # Then nothing of it is kept
    assert _entry_sums() == {}


@pytest.mark.django_db(transaction=True)
def test_a_line_with_a_lower_id_added_to_a_committed_entry_is_refused(committed_entry):
    # Given a committed entry whose lines have ids 1001 and 1002
    with (
        pytest.raises(
            DatabaseError,
            match=f"journal entry {committed_entry} was not created in this transaction",
        ),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cash, _ = _accounts(cursor)
        # When another transaction adds a line with a lower id
        _line(cursor, committed_entry, cash, "5.00", line_id=7)
    # Then the entry still holds its two balanced lines only
    assert _entry_sums() == {committed_entry: Decimal("0.00")}
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_a_balanced_pair_of_lines_added_to_a_committed_entry_is_refused_too(committed_entry):
    # Balanced or not, an entry is closed once its transaction commits: correct by a new entry.
    with (
        pytest.raises(DatabaseError, match="post a new entry instead"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cash, revenue = _accounts(cursor)
        _line(cursor, committed_entry, cash, "3.00")
        _line(cursor, committed_entry, revenue, "-3.00")
    assert _entry_sums() == {committed_entry: Decimal("0.00")}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transactions_adding_lines_to_one_committed_entry_are_both_refused(
    committed_entry,
):
    # Given two connections that each open a transaction
    with connection.cursor() as cursor:
        cash, _ = _accounts(cursor)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def writer(name: str, amount: str) -> None:
        own = connections.create_connection("default")
        try:
            with own.cursor() as cursor:
                cursor.execute("BEGIN")
                barrier.wait()
                # When each adds one line to the same committed entry (the old trigger let the
                # line with the highest id check the sum before the other had committed)
                try:
                    _line(cursor, committed_entry, cash, amount)
                    barrier.wait()
                    cursor.execute("COMMIT")
                    outcomes[name] = "committed"
                except DatabaseError as exc:
                    outcomes[name] = str(exc).splitlines()[0]
                    cursor.execute("ROLLBACK")
                    barrier.wait()
        finally:
            own.close()

    threads = [
        threading.Thread(target=writer, args=("first", "4.00")),
        threading.Thread(target=writer, args=("second", "-9.00")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then both are refused and the entry is as it was committed
    expected = (
        f"journal entry {committed_entry} was not created in this transaction: lines may be "
        "added to an entry only when it is posted; post a new entry instead"
    )
    assert outcomes == {"first": expected, "second": expected}
    assert _entry_sums() == {committed_entry: Decimal("0.00")}


@pytest.mark.django_db(transaction=True)
def test_a_line_into_another_transactions_uncommitted_entry_is_refused(supervisor):
    # Given an entry created in a transaction that has not committed yet
    chart_of_accounts_seed()
    with transaction.atomic(), connection.cursor() as cursor:
        cash, revenue = _accounts(cursor)
        entry = _entry(cursor, supervisor.pk)
        _line(cursor, entry, cash, "2.00")
        _line(cursor, entry, revenue, "-2.00")
        # When a second connection adds a line to it
        other = connections.create_connection("default")
        try:
            with other.cursor() as foreign, pytest.raises(DatabaseError, match="not created in"):
                foreign.execute("BEGIN")
                _line(foreign, entry, cash, "1.00")
        finally:
            other.close()
    # Then only the owner's lines are kept
    assert _entry_sums() == {entry: Decimal("0.00")}


@pytest.mark.django_db(transaction=True)
def test_an_entry_made_in_a_savepoint_takes_lines_later_in_its_transaction(supervisor):
    # post() inside a service's transaction runs in a savepoint: the entry belongs to the
    # top-level transaction all the same.
    chart_of_accounts_seed()
    with transaction.atomic(), connection.cursor() as cursor:
        cash, revenue = _accounts(cursor)
        with transaction.atomic():
            entry = _entry(cursor, supervisor.pk)
        with transaction.atomic():
            _line(cursor, entry, cash, "6.00")
        _line(cursor, entry, revenue, "-6.00")
    assert _entry_sums() == {entry: Decimal("0.00")}


@pytest.mark.django_db(transaction=True)
def test_lines_rolled_back_with_a_savepoint_leave_their_entry_checked(supervisor):
    chart_of_accounts_seed()
    with (
        pytest.raises(DatabaseError, match=r"entry \d+ does not balance: its lines sum to 6\.00"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cash, revenue = _accounts(cursor)
        entry = _entry(cursor, supervisor.pk)
        _line(cursor, entry, cash, "6.00")
        try:
            with transaction.atomic():
                _line(cursor, entry, revenue, "-6.00")
                raise RuntimeError("the caller changes its mind")
        except RuntimeError:
            pass
    assert _entry_sums() == {}


@pytest.mark.django_db(transaction=True)
def test_the_creating_transaction_cannot_be_forged(committed_entry, supervisor):
    # An INSERT that names a transaction id of its own gets the real one: the column is the
    # database's.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (entry_date, memo, source, posted_by_id, book,"
            " created_txid) VALUES ('2026-05-01', 'raw', 'adjustment', %s, 'live', '1')"
            " RETURNING created_txid = pg_current_xact_id()",
            [supervisor.pk],
        )
        assert cursor.fetchone()[0] is True
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_many_entries_in_one_transaction_are_each_checked(supervisor):
    # Given 50 entries posted in one transaction, the 37th unbalanced by one cent
    chart_of_accounts_seed()
    with (
        pytest.raises(DatabaseError, match=r"does not balance: its lines sum to -0\.01"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cash, revenue = _accounts(cursor)
        for number in range(50):
            entry = _entry(cursor, supervisor.pk)
            _line(cursor, entry, cash, "1.00")
            _line(cursor, entry, revenue, "-1.01" if number == 36 else "-1.00")
    assert _entry_sums() == {}
