"""Many posters at once against the real server: every entry lands, the books stay balanced."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from ledger.models import Account, Book, JournalEntry, Source
from ledger.selectors import ledger_violations, trial_balance
from ledger.services import Line, chart_of_accounts_seed, post

THREADS = 8
ENTRIES_PER_THREAD = 200


@pytest.mark.django_db(transaction=True)
def test_eight_threads_each_posting_200_entries(clerk):
    chart_of_accounts_seed()
    cash, checks, revenue = (Account.objects.get(code=code) for code in ("1000", "1010", "4300"))
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def poster(number: int) -> None:
        try:
            barrier.wait()
            for i in range(ENTRIES_PER_THREAD):
                amount = Decimal(number * 1000 + i + 1) / 100
                post(
                    entry_date=date(2026, 6, 1),
                    memo=f"Thread {number} sale {i}",
                    source=Source.ADJUSTMENT,
                    by=clerk,
                    lines=[
                        Line(account=cash, amount=amount),
                        Line(account=checks, amount=Decimal("1.00")),
                        Line(account=revenue, amount=-amount - 1),
                    ],
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=poster, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert JournalEntry.objects.count() == THREADS * ENTRIES_PER_THREAD
    balance = trial_balance(book=Book.LIVE)
    assert balance.difference == 0
    expected_cash = sum(
        Decimal(n * 1000 + i + 1) / 100 for n in range(THREADS) for i in range(ENTRIES_PER_THREAD)
    )
    assert {row.account.code: row.balance for row in balance.rows} == {
        "1000": expected_cash,
        "1010": Decimal(THREADS * ENTRIES_PER_THREAD),
        "4300": -expected_cash - THREADS * ENTRIES_PER_THREAD,
    }
    assert ledger_violations() == []
