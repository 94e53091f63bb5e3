"""ledger.services.post: what it posts, and what it refuses before the database has to."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.errors import InvalidLine, LedgerError, PeriodClosed, UnbalancedEntry
from ledger.models import Book, JournalEntry, JournalLine, Source
from ledger.selectors import trial_balance
from ledger.services import Line, period_close, post
from tests.factories import AccountingPeriodFactory

DAY = date(2026, 3, 2)


def _post(by, lines, **kwargs):
    options = {"entry_date": DAY, "memo": "Test entry", "source": Source.ADJUSTMENT, "by": by}
    options.update(kwargs)
    return post(lines=lines, **options)


def test_balanced_three_line_entry_posts(chart, supervisor):
    # given three lines that sum to zero
    lines = [
        Line(account=chart["1000"], amount=Decimal("60.00")),
        Line(account=chart["1010"], amount=Decimal("40.25")),
        Line(account=chart["4300"], amount=Decimal("-100.25"), memo="Trash tags"),
    ]
    # when posted
    entry = _post(supervisor, lines)
    # then the entry and its lines are stored as given
    stored = JournalEntry.objects.get(pk=entry.pk)
    assert stored.book == Book.LIVE
    assert stored.posted_by == supervisor
    assert stored.posted_at is not None
    assert [(line.account.code, line.amount) for line in stored.lines.order_by("id")] == [
        ("1000", Decimal("60.00")),
        ("1010", Decimal("40.25")),
        ("4300", Decimal("-100.25")),
    ]
    assert trial_balance(book=Book.LIVE).difference == 0


def test_unbalanced_entry_is_refused_with_the_difference(chart, supervisor):
    lines = [
        Line(account=chart["1000"], amount=Decimal("10.00")),
        Line(account=chart["4300"], amount=Decimal("-9.99")),
    ]
    with pytest.raises(UnbalancedEntry, match=r"does not balance: its lines sum to \$0.01"):
        _post(supervisor, lines)
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0.00"), "posts nothing"),
        (Decimal("1.005"), "not a whole number of cents"),
        (Decimal("NaN"), "not a whole number of cents"),
        (Decimal("1000000000000.00"), "larger than the ledger can hold"),
        (1.5, "must be a Decimal"),
    ],
)
def test_bad_amounts_are_refused(chart, supervisor, amount, message):
    lines = [
        Line(account=chart["1000"], amount=amount),
        Line(account=chart["4300"], amount=Decimal("-1.00")),
    ]
    with pytest.raises(InvalidLine, match=message):
        _post(supervisor, lines)
    assert not JournalLine.objects.exists()


def test_single_line_entry_is_refused(chart, supervisor):
    with pytest.raises(UnbalancedEntry, match="at least two lines"):
        _post(supervisor, [Line(account=chart["1000"], amount=Decimal("1.00"))])


def test_inactive_account_takes_no_lines(chart, supervisor):
    account = chart["4390"]
    account.is_active = False
    account.save()
    lines = [
        Line(account=chart["1000"], amount=Decimal("5.00")),
        Line(account=account, amount=Decimal("-5.00")),
    ]
    with pytest.raises(InvalidLine, match="does not take postings"):
        _post(supervisor, lines)


def test_memo_is_required(chart, supervisor):
    lines = [
        Line(account=chart["1000"], amount=Decimal("5.00")),
        Line(account=chart["4390"], amount=Decimal("-5.00")),
    ]
    with pytest.raises(LedgerError, match="needs a memo"):
        _post(supervisor, lines, memo="   ")


def test_training_book_stays_out_of_the_live_trial_balance(chart, clerk):
    lines = [
        Line(account=chart["1000"], amount=Decimal("27.00")),
        Line(account=chart["4300"], amount=Decimal("-27.00")),
    ]
    _post(clerk, lines, book=Book.TRAINING)
    assert trial_balance(book=Book.LIVE).rows == []
    training = trial_balance(book=Book.TRAINING)
    assert {row.account.code: row.balance for row in training.rows} == {
        "1000": Decimal("27.00"),
        "4300": Decimal("-27.00"),
    }


def test_posting_into_a_closed_period_is_refused(chart, supervisor, admin_user):
    # given February is closed
    february = AccountingPeriodFactory(
        name="2026-02", start_date=date(2026, 2, 1), end_date=date(2026, 2, 28)
    )
    period_close(period=february, by=admin_user)
    lines = [
        Line(account=chart["1000"], amount=Decimal("5.00")),
        Line(account=chart["4390"], amount=Decimal("-5.00")),
    ]
    # when posting on its last day, then the database refuses and the service says why
    with pytest.raises(PeriodClosed, match=r"closed period .*2026-02 is closed"):
        _post(supervisor, lines, entry_date=date(2026, 2, 28))
    # and the day after is open
    entry = _post(supervisor, lines, entry_date=date(2026, 3, 1))
    assert entry.pk is not None


def test_closing_a_closed_period_again_is_refused(admin_user):
    period = AccountingPeriodFactory()
    period_close(period=period, by=admin_user)
    period.refresh_from_db()
    assert period.state == "closed"
    assert period.closed_by == admin_user
    with pytest.raises(PeriodClosed, match="already closed"):
        period_close(period=period, by=admin_user)


@pytest.mark.django_db(transaction=True)
def test_a_large_entry_posts_and_balances(chart, supervisor):
    # given a bulk issuance: 3,000 receivable lines and one revenue line, checked at commit
    lines = [Line(account=chart["1200"], amount=Decimal("1.01"), bill_id=None)] * 3000
    lines = [*lines, Line(account=chart["4000"], amount=Decimal("-3030.00"))]
    entry = _post(supervisor, lines)
    assert entry.lines.count() == 3001
    assert trial_balance(book=Book.LIVE).total_debits == Decimal("3030.00")
