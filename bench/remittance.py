"""Remittance batches: a 10,000-item lockbox file posted through remittance_file_import,
against the same rows written by hand-written set-based SQL in the same run, against the same
tables and triggers.

Prints bench:
- remittance_post_per_s: payments a second through the service (parse, checks, plan, write);
- remittance_raw_per_s: the same kind of rows (entry and lines, payments, items, tenders,
  bill updates, a block of receipt numbers) written by hand with COPY and UPDATE ... FROM;
- remittance_post_ratio: service / raw (goal at least 0.5; rate goal 2,000 a second)."""

import io
import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from _setup import report, scratch_database

ITEMS = 10_000
OFFICE = "CH"


def build(bill_count: int):
    """The office, a clerk, and `bill_count` small water bills (two to a customer)."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from billing.demo import reference_data_seed
    from billing.models import Bill, BillType, ChargeType, Customer
    from billing.services import Charge, bills_issue_bulk
    from cashiering.roles import Role
    from payments.services import counter_setup_seed
    from payments.services.remittance import remittance_sources_seed

    reference_data_seed()
    office = counter_setup_seed(office_code=OFFICE, office_name="Chamberlain's Office")
    clerk = User.objects.create(username="bench-clerk")
    clerk.groups.add(Group.objects.get(name=Role.CLERK))
    clerk = User.objects.get(pk=clerk.pk)
    rng = random.Random(2026)
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {n}", city="Ithaca", state="NY")
        for n in range((bill_count + 1) // 2)
    )
    water = ChargeType.objects.get(code="water")
    today = timezone.localdate()
    for start in range(0, bill_count, 5_000):
        rows = []
        for i in range(start, min(start + 5_000, bill_count)):
            amount = Decimal(rng.randint(20, 180)) + Decimal(rng.randint(1, 99)) / 100
            rows.append(
                (
                    dict(
                        number=f"W26-{i + 1:06d}",
                        bill_type=BillType.WATER_SEWER,
                        source="bench",
                        customer_id=customers[i // 2].pk,
                        description="Quarterly water and sewer",
                        issue_date=today,
                        due_date=today + timedelta(days=60),
                        principal=amount,
                    ),
                    [Charge(water, amount)],
                )
            )
        bills_issue_bulk(bills=rows, by=clerk, memo="Bench water bills", source="bench")
    bills = list(Bill.objects.order_by("pk").values_list("pk", "number", "balance"))
    lockbox, _ = remittance_sources_seed(office=office)
    return office, clerk, lockbox, bills


def run_service(clerk, lockbox, bills) -> float:
    from django.utils import timezone

    from payments.remittance_files import remittance_file_write
    from payments.services.remittance import remittance_file_import

    rows = [
        {"scanline": number, "amount": due, "check_number": str(1000 + n), "check_payer": "Payer"}
        for n, (_, number, due) in enumerate(bills)
    ]
    content = remittance_file_write("lockbox", rows, deposit_date=timezone.localdate())
    started = time.perf_counter()
    batch = remittance_file_import(source=lockbox, file_name="bench.csv", content=content, by=clerk)
    elapsed = time.perf_counter() - started
    assert batch.items.filter(state="applied").count() == len(bills)
    return elapsed


def _copy(cursor, table: str, columns: str, rows) -> None:
    buffer = io.StringIO("".join("\t".join(map(str, row)) + "\n" for row in rows))
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def run_raw(office, clerk, drawer_id: int, bills) -> float:
    """The rows a lockbox batch writes, by hand: bills locked, a block of receipt numbers, one
    entry with its lines by COPY, payments, items and tenders by COPY with ids from their
    sequences, the bills paid by one UPDATE ... FROM unnest."""
    from django.db import connection
    from django.utils import timezone

    from ledger.models import Account

    today = timezone.localdate()
    transit = Account.objects.get(code="1040").pk
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    started = time.perf_counter()
    ids = [b[0] for b in bills]
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT b.id, b.number, b.balance, b.receivable_account_id, b.customer_id, c.name"
            " FROM billing_bill b JOIN billing_customer c ON c.id = b.customer_id"
            " WHERE b.id = ANY(%s) ORDER BY b.id FOR UPDATE OF b",
            [ids],
        )
        locked = cursor.fetchall()
        n = len(locked)
        cursor.execute(
            "UPDATE payments_receiptseries SET last_number = last_number + %s"
            " WHERE office_id = %s AND training = false AND year = %s RETURNING last_number",
            [n, office.pk, today.year],
        )
        first = cursor.fetchone()[0] - n + 1
        total = sum(row[2] for row in locked)
        cursor.execute(
            "INSERT INTO ledger_journalentry (entry_date, memo, source, posted_by_id, book)"
            " VALUES (%s, 'Raw lockbox batch', 'remittance', %s, 'live') RETURNING id",
            [today, clerk.pk],
        )
        entry_id = cursor.fetchone()[0]
        lines = [(entry_id, transit, total, "Lockbox", "\\N", office.pk)]
        lines += [(entry_id, r[3], -r[2], f"Paid on bill {r[1]}", r[0], "\\N") for r in locked]
        _copy(
            cursor,
            "ledger_journalline",
            "entry_id, account_id, amount, memo, bill_id, office_id",
            lines,
        )
        pay_ids = _ids(cursor, "payments_payment", n)
        payments = [
            (
                pid,
                drawer_id,
                office.pk,
                "f",
                f"{office.code}-{today.year}-{first + i:06d}",
                today.year,
                first + i,
                r[4],
                r[5],
                r[2],
                r[2],
                0,
                "posted",
                clerk.pk,
                today,
                entry_id,
                uuid.uuid4(),
                uuid.uuid4().hex,
                "[]",
                "f",
                0,
            )
            for i, (pid, r) in enumerate(zip(pay_ids, locked, strict=True))
        ]
        _copy(
            cursor,
            "payments_payment",
            "id, drawer_id, office_id, training, receipt_number, receipt_year, receipt_sequence,"
            " customer_id, payer_name, total, tendered, change, status, posted_by_id, posted_on,"
            " entry_id, token, cart_digest, overrides, needs_review, reprints",
            payments,
        )
        _copy(
            cursor,
            "payments_paymentitem",
            "payment_id, kind, description, bill_id, quantity, plate, plate_state, amount,"
            " penalty_assessed, interest_assessed, penalty_paid, interest_paid, principal_paid,"
            " credit, balance_after, penalty_events_before, interest_months_before",
            [
                (pid, "bill", f"Water {r[1]}", r[0], 1, "", "", r[2], 0, 0, 0, 0, r[2], 0, 0, 0, 0)
                for pid, r in zip(pay_ids, locked, strict=True)
            ],
        )
        _copy(
            cursor,
            "payments_tender",
            "payment_id, kind, amount, check_number, check_payer, card_brand, card_last4,"
            " authorization_code, terminal_reference, returned",
            [
                (pid, "check", r[2], 1000 + i, "Payer", "", "", "", "", "f")
                for i, (pid, r) in enumerate(zip(pay_ids, locked, strict=True))
            ],
        )
        cursor.execute(
            "UPDATE billing_bill b SET principal_balance = 0, penalty_balance = 0,"
            " interest_balance = 0, balance = 0 FROM unnest(%s::bigint[]) AS v(id)"
            " WHERE b.id = v.id",
            [ids],
        )
        raw.commit()
    elapsed = time.perf_counter() - started
    raw.autocommit = True
    return elapsed


def _ids(cursor, table: str, count: int) -> list[int]:
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def main() -> None:
    with scratch_database():
        from payments.services.remittance import remittance_batch_open

        started = time.perf_counter()
        office, clerk, lockbox, bills = build(2 * ITEMS)
        print(f"({len(bills)} bills built in {time.perf_counter() - started:.0f} s)")
        service = run_service(clerk, lockbox, bills[:ITEMS])
        # the raw rows go to the drawer of a batch of their own, as the service's do
        batch = remittance_batch_open(
            office=office,
            control_total=Decimal("1.00"),
            control_count=1,
            by=clerk,
            token=uuid.uuid4(),
        )
        raw = run_raw(office, clerk, batch.drawer_id, bills[ITEMS:])
        report("remittance_post_per_s", ITEMS / service, "payments/s")
        report("remittance_raw_per_s", ITEMS / raw, "payments/s")
        report("remittance_post_ratio", raw / service, "ratio")


if __name__ == "__main__":
    main()
