"""Reconciliation's benchmarks (issue 9): the daily balancing report over a busy day, then
month end (bench/_month_end.py) and the bank statement import (bench/_statements.py), each in a
fresh scratch database of its own.

Prints bench:
- daily_report_ms: reconciliation.selectors_daily.daily_balancing for one office and a day of
  50,000 counter transactions (goal under 500 ms), the median of ROUNDS runs after one warm-up.
- month_end_ms: the month-end report over 1,000,000 ledger lines (goal under 5,000 ms).
- day_seal_ms: the chained seal of that office-day (issue 13: every entry and line of the day
  hashed in canonical order), computed as the day's sign-off and ledger_verify compute it.
- statement_import_rows_per_s: a 100,000-detail BAI2 file imported (goal at least 20,000).

The day is written in bulk, not through payment_record (50,000 visits through the service would
take minutes and measure the counter, which bench/payments.py does): the same rows the service
writes (journal entries and their lines, payments, items, tenders, the receipt series, the paid
bills), in one transaction, through the same triggers. Eight clerks at eight windows sell fees
(cash with change, checks, cards) and take water bills (Water fund), spread over the office's
hours; the drawers then close and the safe is counted, as at the end of a real day."""

import io
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

import _month_end
import _statements
from _setup import report, scratch_database

TRANSACTIONS = 50_000
WATER_SHARE = 5  # one transaction in five pays a water bill
CLERKS = 8
ROUNDS = 7


def day_build():
    """The office, its clerks and drawers, and the day's transactions. Returns the office."""
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.utils import timezone

    from billing.demo import reference_data_seed
    from billing.models import Bill, BillType, ChargeType, Customer, FeeType
    from billing.services import Charge, bills_issue_bulk
    from cashiering.roles import Role
    from ledger.models import Account, JournalEntry
    from payments.models import Payment, PaymentItem, ReceiptSeries, Tender, Workstation
    from payments.services import counter_setup_seed, drawer_open
    from reconciliation.services import change_fund_adjust

    reference_data_seed()
    office = counter_setup_seed(
        office_code="CH", office_name="Chamberlain's Office", windows=CLERKS
    )
    clerks = User.objects.bulk_create(
        User(username=f"clerk{n}", first_name="Bench", last_name=f"Clerk {n}")
        for n in range(CLERKS)
    )
    Group.objects.get(name=Role.CLERK).user_set.add(*clerks)
    admin = User.objects.create(username="bench-admin")
    admin.groups.add(Group.objects.get(name=Role.ADMIN))
    admin = User.objects.get(pk=admin.pk)
    change_fund_adjust(office=office, amount=Decimal("10000.00"), by=admin, received_by=clerks[0])
    drawers = [
        drawer_open(
            clerk=clerk,
            workstation=Workstation.objects.get(office=office, name=f"Window {n + 1}"),
            counts={"$20 bills": 10},
        )
        for n, clerk in enumerate(clerks)
    ]
    today = timezone.localdate()
    rng = random.Random(2026)

    water_count = TRANSACTIONS // WATER_SHARE
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {n}", city="Ithaca", state="NY") for n in range(water_count)
    )
    water = ChargeType.objects.get(code="water")
    dues = [Decimal(rng.randint(30, 150)) for _ in range(water_count)]
    for start in range(0, water_count, 5_000):
        bills_issue_bulk(
            bills=[
                (
                    dict(
                        number=f"W-{i:06d}",
                        bill_type=BillType.WATER_SEWER,
                        source="bench",
                        customer_id=customers[i].pk,
                        description="Quarterly water",
                        issue_date=today,
                        due_date=today + timedelta(days=60),
                        principal=dues[i],
                    ),
                    [Charge(water, dues[i])],
                )
                for i in range(start, min(start + 5_000, water_count))
            ],
            by=admin,
            memo="Bench water bills",
            source="bench",
        )
    bills = list(Bill.objects.order_by("pk").values_list("pk", "balance", "receivable_account_id"))
    fees = list(
        FeeType.objects.filter(code__in=["tag_sheet", "lien_search", "permit_card_replacement"])
        .select_related("revenue_account")
        .values_list("pk", "revenue_account_id")
    )
    tender_account = dict(
        Account.objects.filter(code__in=["1000", "1010", "1020"]).values_list("code", "pk")
    )
    opening = timezone.make_aware(datetime.combine(today, clock(8, 30)))

    with transaction.atomic():
        entries = JournalEntry.objects.bulk_create(
            JournalEntry(
                entry_date=today,
                memo=f"Receipt CH-{today.year}-{n + 1:06d}",
                source="payment",
                posted_by=clerks[n % CLERKS],
            )
            for n in range(TRANSACTIONS)
        )
        lines = io.StringIO()
        payments, items, tenders, paid_bills = [], [], [], []
        for n, entry in enumerate(entries):
            drawer = drawers[n % CLERKS]
            kind = rng.choice(["cash", "cash", "check", "card"])
            code = {"cash": "1000", "check": "1010", "card": "1020"}[kind]
            if n % WATER_SHARE == 0:
                bill_id, amount, receivable = bills[n // WATER_SHARE]
                credit_line = (receivable, -amount, bill_id)
                paid_bills.append(bill_id)
                item = PaymentItem(
                    kind="bill",
                    description="Water bill",
                    bill_id=bill_id,
                    amount=amount,
                    principal_paid=amount,
                    balance_after=0,
                )
            else:
                fee_id, revenue = rng.choice(fees)
                amount = Decimal(rng.randint(5, 60)) + Decimal(rng.randint(0, 99)) / 100
                credit_line = (revenue, -amount, None)
                item = PaymentItem(kind="fee", description="Fee", fee_type_id=fee_id, amount=amount)
            change = Decimal(rng.randint(0, 99)) / 100 if kind == "cash" else Decimal(0)
            lines.write(f"{entry.pk},{tender_account[code]},{amount},,,{drawer.pk},,\n")
            account, credit, bill = credit_line
            lines.write(f"{entry.pk},{account},{credit},,{bill or ''},,,\n")
            payments.append(
                Payment(
                    drawer=drawer,
                    office=office,
                    receipt_number=f"CH-{today.year}-{n + 1:06d}",
                    receipt_year=today.year,
                    receipt_sequence=n + 1,
                    total=amount,
                    tendered=amount + change,
                    change=change,
                    posted_by=clerks[n % CLERKS],
                    posted_at=opening + timedelta(seconds=n * 30_600 // TRANSACTIONS),
                    posted_on=today,
                    entry=entry,
                    token=uuid.uuid4(),
                    cart_digest="bench",
                )
            )
            items.append(item)
            tenders.append(
                Tender(
                    kind=kind,
                    amount=amount + change,
                    check_number="1001" if kind == "check" else "",
                    card_brand="visa" if kind == "card" else "",
                    card_last4="4242" if kind == "card" else "",
                )
            )
        lines.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                "COPY ledger_journalline (entry_id, account_id, amount, memo, bill_id, drawer_id,"
                " customer_id, office_id) FROM STDIN WITH (FORMAT csv, NULL '',"
                " FORCE_NOT_NULL (memo))",
                lines,
            )
        Payment.objects.bulk_create(payments, batch_size=5_000)
        for payment, item, tender in zip(payments, items, tenders, strict=True):
            item.payment = payment
            tender.payment = payment
        PaymentItem.objects.bulk_create(items, batch_size=5_000)
        Tender.objects.bulk_create(tenders, batch_size=5_000)
        Bill.objects.filter(pk__in=paid_bills).update(balance=0, principal_balance=0)
        ReceiptSeries.objects.update_or_create(
            office=office,
            training=False,
            year=today.year,
            defaults={"last_number": TRANSACTIONS},
        )
    return office


def daily_report_run() -> None:
    with scratch_database():
        from django.db import connection
        from django.utils import timezone

        from reconciliation.selectors_daily import daily_balancing

        office = day_build()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        today = timezone.localdate()
        report_now = daily_balancing(office=office, day=today)  # warm-up
        assert report_now.receipts == TRANSACTIONS, report_now.receipts
        assert report_now.agreement.agrees, report_now.agreement
        assert not report_now.has_gap
        samples = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            daily_balancing(office=office, day=today)
            samples.append((time.perf_counter() - started) * 1000)
        report("daily_report_ms", statistics.median(samples), "ms")
        report("day_seal_ms", _day_seal_ms(office, today), "ms")


def _day_seal_ms(office, day) -> float:
    """The median time to compute the office-day's seal (algorithm 3: every column of every
    entry and line of the day, hashed in canonical order) over the busy day, as the sign-off and
    ledger_verify do, in ms."""
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            cursor.execute(
                "SELECT reconciliation_day_seal_v3(%s, %s, '', '', 0, NULL)", [office.pk, day]
            )
            seal = cursor.fetchone()[0]
            samples.append((time.perf_counter() - started) * 1000)
    assert len(seal) == 64, seal
    return statistics.median(samples)


def main() -> None:
    daily_report_run()
    _month_end.run()
    _statements.run()


if __name__ == "__main__":
    sys.exit(main())
