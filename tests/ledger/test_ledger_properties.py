"""Property test: any sequence of valid postings keeps the books balanced and verifiable."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.models import Account, Book, JournalEntry, Source
from ledger.selectors import ledger_violations, trial_balance
from ledger.services import Line, chart_of_accounts_seed, entry_reverse, post

# Not a receivable (1200): ledger_verify proves those against open bills, which plain postings
# here do not make; not 2100 Customer credits, a sub-ledger's control account whose lines must
# name a customer (the counter's state machine covers both).
# Not the custody accounts (1030...1040): their lines name an office and never go below zero
# (tests/reconciliation/test_custody_foundation.py).
CODES = ["1000", "1010", "1020", "1100", "4000", "4300", "4900", "5000"]

amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2, allow_nan=False
)


@st.composite
def entries(draw):
    """Some debit lines and some credit lines whose totals are equal."""
    debits = draw(st.lists(amounts, min_size=1, max_size=4))
    credit_count = draw(st.integers(min_value=1, max_value=3))
    total = sum(debits)
    # split the total into credit_count positive cent amounts
    cents = int(total * 100)
    cuts = (
        sorted(
            draw(
                st.lists(
                    st.integers(min_value=1, max_value=max(cents - 1, 1)),
                    min_size=credit_count - 1,
                    max_size=credit_count - 1,
                    unique=True,
                )
            )
        )
        if cents > credit_count
        else []
    )
    bounds = [0, *cuts, cents]
    credits = [Decimal(b - a) / 100 for a, b in pairwise(bounds) if b > a]
    accounts = draw(
        st.lists(
            st.sampled_from(CODES),
            min_size=len(debits) + len(credits),
            max_size=len(debits) + len(credits),
        )
    )
    signed = [*debits, *(-c for c in credits)]
    book = draw(st.sampled_from([Book.LIVE, Book.TRAINING]))
    days = draw(st.integers(min_value=0, max_value=400))
    reverse = draw(st.booleans())
    return (
        list(zip(accounts, signed, strict=True)),
        book,
        date(2025, 1, 1) + timedelta(days=days),
        reverse,
    )


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(entries(), min_size=1, max_size=6))
def test_any_valid_postings_keep_the_books_balanced(batch, supervisor):
    chart_of_accounts_seed()
    chart = {a.code: a for a in Account.objects.filter(code__in=CODES)}
    expected: dict[tuple[str, str], Decimal] = {}
    last_id = JournalEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = {
        (book, row.account.code): row.balance
        for book in Book.values
        for row in trial_balance(book=book).rows
    }
    for lines, book, day, reverse in batch:
        entry = post(
            entry_date=day,
            memo="Generated entry",
            source=Source.ADJUSTMENT,
            by=supervisor,
            book=book,
            lines=[Line(account=chart[code], amount=amount) for code, amount in lines],
        )
        if reverse:
            entry_reverse(entry=entry, by=supervisor, memo="Generated reversal")
        else:
            for code, amount in lines:
                expected[(book, code)] = expected.get((book, code), Decimal("0")) + amount

    for book in Book.values:
        balance = trial_balance(book=book)
        assert balance.difference == 0
        for row in balance.rows:
            key = (book, row.account.code)
            assert row.balance == before.get(key, 0) + expected.get(key, 0)
    assert ledger_violations() == []
    call_command("ledger_verify", stdout=StringIO())
    reversals = JournalEntry.objects.filter(pk__gt=last_id, reverses__isnull=False).count()
    assert reversals == sum(1 for *_, reverse in batch if reverse)
