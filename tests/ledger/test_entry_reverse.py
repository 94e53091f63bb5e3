"""ledger.services.entry_reverse: the exact reverse, linked, once only."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from ledger.errors import AlreadyReversed
from ledger.models import Book, JournalEntry, Source
from ledger.selectors import ledger_violations, trial_balance
from ledger.services import Line, chart_of_accounts_seed, entry_reverse, post


def _sale(chart, by, book=Book.LIVE):
    return post(
        entry_date=date(2026, 4, 1),
        memo="Two sheets of trash tags",
        source=Source.ADJUSTMENT,
        by=by,
        book=book,
        lines=[
            Line(account=chart["1000"], amount=Decimal("54.00"), memo="Cash, window 2"),
            Line(account=chart["4300"], amount=Decimal("-54.00")),
        ],
    )


def test_reversal_mirrors_the_original(chart, supervisor):
    original = _sale(chart, supervisor, book=Book.TRAINING)
    reversal = entry_reverse(entry=original, by=supervisor, memo="Void: wrong item")
    assert reversal.reverses_id == original.pk
    assert reversal.book == Book.TRAINING
    assert reversal.source == Source.REVERSAL
    assert [(line.account.code, line.amount, line.memo) for line in reversal.lines.all()] == [
        ("1000", Decimal("-54.00"), "Cash, window 2"),
        ("4300", Decimal("54.00"), ""),
    ]
    assert all(row.balance == 0 for row in trial_balance(book=Book.TRAINING).rows)


def test_second_reversal_is_refused(chart, supervisor):
    original = _sale(chart, supervisor)
    entry_reverse(entry=original, by=supervisor, memo="Void")
    with pytest.raises(AlreadyReversed, match=f"Entry {original.pk} has already been reversed"):
        entry_reverse(entry=original, by=supervisor, memo="Void again")
    assert JournalEntry.objects.filter(reverses=original).count() == 1


@pytest.mark.django_db(transaction=True)
def test_reversal_raced_twice_posts_once(users):
    chart_of_accounts_seed()
    from ledger.models import Account

    chart = {a.code: a for a in Account.objects.all()}
    supervisor = users["Supervisor"]
    original = _sale(chart, supervisor)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt():
        try:
            barrier.wait()
            entry_reverse(entry=original, by=supervisor, memo="Void at the same moment")
            outcomes.append("reversed")
        except AlreadyReversed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "reversed"]
    assert JournalEntry.objects.filter(reverses=original).count() == 1
    assert ledger_violations() == []
