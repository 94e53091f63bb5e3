"""Month-end reconciliation over a million ledger lines, run by bench/reconciliation.py.

Prints bench: month_end_ms (goal under 5,000 ms): reconciliation.selectors_month's
month_end_report for a month holding 1,000,000 live ledger lines: 250,000 bills issued (a
receivable line each), 200,000 of them paid (a receivable line each, Dr Bank per day), and
550,000 lines of bank deposits against revenue; 20,000 bank statement lines, most matched. The
data is written in bulk through ledger.services.post (large entries go by COPY); the bills'
stored balances move with their lines in the same transaction, as payments keep them. Median of
three runs after a warm-up, with the tables analyzed as autovacuum would have."""

import statistics
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from _setup import report, scratch_database

BILLS = 250_000
PAID = 200_000
ISSUE_CHUNK = 50_000
DEPOSIT_LINES = 550_000
DEPOSIT_CHUNK = 10_000
STATEMENT_LINES = 20_000
RUNS = 3


def build(user, today):
    from django.db import connection, transaction

    from billing.models import Bill, BillType, ChargeType, Customer
    from billing.services import Charge, bills_issue_bulk
    from ledger.models import Account
    from ledger.services import Line, post
    from reconciliation.models import BankStatement, StatementLine

    customer = Customer.objects.create(name="Bench Taxpayer")
    city_tax = ChargeType.objects.get(code="city_tax")
    start = today - timedelta(days=27)
    for chunk in range(0, BILLS, ISSUE_CHUNK):
        rows = []
        for n in range(chunk, min(chunk + ISSUE_CHUNK, BILLS)):
            amount = Decimal(100 + n % 900)
            rows.append(
                (
                    {
                        "number": f"B-{n:07d}",
                        "bill_type": BillType.PROPERTY_TAX,
                        "source": "bench",
                        "customer_id": customer.pk,
                        "description": "Bench tax bill",
                        "issue_date": start,
                        "due_date": today + timedelta(days=30),
                        "principal": amount,
                    },
                    [Charge(city_tax, amount)],
                )
            )
        bills_issue_bulk(bills=rows, by=user, memo="Bench bills", source="bench")

    bank = Account.objects.get(code="1100")
    revenue = Account.objects.get(code="4390")
    receivable = Account.objects.get(code="1200")
    bills = list(Bill.objects.order_by("pk").values_list("pk", "principal")[:PAID])
    days = 25
    per_day = PAID // days
    entries = []
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        batch = bills[day_index * per_day : (day_index + 1) * per_day]
        total = sum((principal for _, principal in batch), Decimal(0))
        with transaction.atomic():
            entries.append(
                post(
                    entry_date=day,
                    memo=f"Bench collections {day}",
                    source="bench",
                    by=user,
                    lines=[Line(bank, total)]
                    + [Line(receivable, -principal, bill_id=pk) for pk, principal in batch],
                )
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE billing_bill SET balance = 0, principal_balance = 0 WHERE id = ANY(%s)",
                    [[pk for pk, _ in batch]],
                )
    for chunk in range(0, DEPOSIT_LINES, DEPOSIT_CHUNK):
        lines = []
        for n in range(chunk // 2, (chunk + DEPOSIT_CHUNK) // 2):
            amount = Decimal(n % 5000 + 1) / 100 + 1
            lines += [Line(bank, amount), Line(revenue, -amount)]
        post(
            entry_date=start + timedelta(days=(chunk // DEPOSIT_CHUNK) % days),
            memo="Bench deposits",
            source="bench",
            by=user,
            lines=lines,
        )
    statement = BankStatement.objects.create(
        bank_account=bank,
        format=BankStatement.Format.CSV,
        file_name="bench.csv",
        file_sha256=uuid.uuid4().hex * 2,
        period_start=start,
        period_end=today,
        closing_balance=Decimal("1000000.00"),
        line_count=STATEMENT_LINES,
        imported_by=user,
    )
    StatementLine.objects.bulk_create(
        [
            StatementLine(
                statement=statement,
                bank_account=bank,
                posted_on=start + timedelta(days=n % days),
                amount=Decimal(n % 3000 + 1),
                description=f"Bench line {n}",
                fingerprint=uuid.uuid4().hex,
                status=StatementLine.Status.MATCHED if n < len(entries) else "unmatched",
                entry=entries[n] if n < len(entries) else None,
            )
            for n in range(STATEMENT_LINES)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM ledger_journalline")
        (count,) = cursor.fetchone()
    return start, count


def run() -> None:
    with scratch_database():
        from django.contrib.auth.models import User
        from django.utils import timezone

        from ledger.models import AccountingPeriod
        from reconciliation.selectors_month import month_end_report

        user = User.objects.create(username="bench")
        today = timezone.localdate()
        start, count = build(user, today)
        assert count >= 1_000_000, f"only {count} ledger lines"
        period = AccountingPeriod.objects.create(name="bench", start_date=start, end_date=today)
        first = month_end_report(period)  # warm-up: plans, caches
        assert all(r.difference == 0 for r in first.receivables), first.receivables
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            month_end_report(period)
            timings.append((time.perf_counter() - started) * 1000)
        report("month_end_ms", statistics.median(timings), "ms")


if __name__ == "__main__":
    run()
