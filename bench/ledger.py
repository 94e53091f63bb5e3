"""Ledger posting throughput: `post()` against the same rows written by hand-written SQL.

Prints bench: ledger_post_per_s, ledger_raw_per_s and ledger_post_ratio (service / raw; goal
at least 0.5). Both write 5,000 three-line entries, each in its own transaction, to the same
tables with the same triggers, in alternating rounds so that neither meets a larger table."""

import time
from datetime import date
from decimal import Decimal

from _setup import report, scratch_database

ENTRIES = 5_000
ROUNDS = 5
WARM_UP = 200


def run_service(user, accounts, count: int) -> float:
    from ledger.models import Source
    from ledger.services import Line, post

    cash, checks, revenue = accounts
    started = time.perf_counter()
    for i in range(count):
        amount = Decimal(i % 5000 + 100) / 100
        post(
            entry_date=date(2026, 6, 1),
            memo=f"Bench sale {i}",
            source=Source.ADJUSTMENT,
            by=user,
            lines=[
                Line(account=cash, amount=amount),
                Line(account=checks, amount=Decimal("1.00")),
                Line(account=revenue, amount=-amount - 1),
            ],
        )
    return time.perf_counter() - started


def run_raw(user, accounts, count: int) -> float:
    from django.db import connection

    cash, checks, revenue = (a.pk for a in accounts)
    connection.ensure_connection()
    raw = connection.connection  # the psycopg2 connection itself, outside Django
    raw.autocommit = False
    started = time.perf_counter()
    with raw.cursor() as cursor:
        for i in range(count):
            amount = Decimal(i % 5000 + 100) / 100
            cursor.execute(
                "INSERT INTO ledger_journalentry (entry_date, memo, source, posted_by_id, book)"
                " VALUES (%s, %s, 'adjustment', %s, 'live') RETURNING id",
                [date(2026, 6, 1), f"Raw sale {i}", user.pk],
            )
            (entry_id,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO ledger_journalline (entry_id, account_id, amount, memo) VALUES"
                " (%s, %s, %s, ''), (%s, %s, %s, ''), (%s, %s, %s, '')",
                [
                    entry_id,
                    cash,
                    amount,
                    entry_id,
                    checks,
                    Decimal("1.00"),
                    entry_id,
                    revenue,
                    -amount - 1,
                ],
            )
            raw.commit()
    elapsed = time.perf_counter() - started
    raw.autocommit = True
    return elapsed


def main() -> None:
    with scratch_database():
        from django.contrib.auth.models import User

        from ledger.models import Account
        from ledger.selectors import ledger_violations

        user = User.objects.create(username="bench")
        accounts = [Account.objects.get(code=code) for code in ("1000", "1010", "4300")]
        # A warm-up of each, not counted: connection, caches, PL/pgSQL plans.
        run_service(user, accounts, WARM_UP)
        run_raw(user, accounts, WARM_UP)
        service = raw = 0.0
        for _ in range(ROUNDS):
            service += run_service(user, accounts, ENTRIES // ROUNDS)
            raw += run_raw(user, accounts, ENTRIES // ROUNDS)
        assert ledger_violations() == [], "the benchmark left the ledger inconsistent"
        report("ledger_post_per_s", ENTRIES / service, "entries/s")
        report("ledger_raw_per_s", ENTRIES / raw, "entries/s")
        report("ledger_post_ratio", raw / service, "ratio")


if __name__ == "__main__":
    main()
