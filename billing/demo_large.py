"""`seed_demo --scale large`: a city big enough to benchmark against (200,000 water accounts and
1,000,000 bills), written with COPY. The bills are posted through the ledger's posting service
like any import (one entry per bill type, whose lines it also writes with COPY)."""

import csv
import io
import random
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction

from billing.demo import FIRST, STREETS
from billing.models import Bill, BillType, ChargeType, ViolationCode
from billing.services import BillingSource, receivable_account
from billing.water import DUE_DAY, ZONES
from ledger.money import to_cents
from ledger.services import Line, post

# Surnames built from syllables: a city of 350,000 people has tens of thousands of surnames,
# and a search benchmark over a handful would measure an unrealistic worst case.
SYLLABLES = (
    "an ber cal dor el fan gar hol is jen kel lin mor nor os pal quin ros sten tal ur van wes "
    "yar zel brook field man son ley ton ford wick er ski ova ez ini"
).split()


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).capitalize()


NULL = "\\N"  # COPY's marker for NULL; an empty field is an empty string


def _copy(table: str, columns: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    buffer.seek(0)
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(  # type: ignore[attr-defined]
            f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
        )


def _reserve_ids(table: str, count: int) -> int:
    """Take `count` ids from the table's sequence in one step; returns the first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, 1)", [table]
        )
        first = cursor.fetchone()[0]
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + count - 1]
        )
    return first


def large_city_seed(
    *, by: User, today: date, accounts: int = 200_000, bills: int = 1_000_000, progress=print
) -> bool:
    """Customers, parcels, water accounts, vehicles and `bills` bills. Once only."""
    if Bill.objects.filter(source="demo-large").exists():
        return False
    rng = random.Random(7)
    year = today.year
    parcels = accounts // 2
    tax_bills = parcels * 2
    water_bills = accounts
    tickets = max(bills - tax_bills - water_bills, 0)
    vehicles = max(tickets // 4, 1)
    customers = accounts + vehicles
    charge = {c.code: c for c in ChargeType.objects.select_related("revenue_account")}
    violations = list(ViolationCode.objects.all())
    receivable = {t: receivable_account(t) for t in BillType.values}

    with transaction.atomic():
        c0 = _reserve_ids("billing_customer", customers)
        progress(f"customers: {customers:,}")
        _copy(
            "billing_customer",
            [
                "id",
                "kind",
                "name",
                "address_line1",
                "address_line2",
                "city",
                "state",
                "postal_code",
                "phone",
                "email",
                "checks_refused",
            ],
            (
                (
                    c0 + i,
                    "person",
                    f"{rng.choice(FIRST)} {_surname(rng)}",
                    f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
                    "",
                    "Ithaca",
                    "NY",
                    "14850",
                    "",
                    "",
                    "f",
                )
                for i in range(customers)
            ),
        )
        p0 = _reserve_ids("billing_property", parcels)
        progress(f"parcels: {parcels:,}")
        addresses = [f"{rng.randint(1, 9999)} {rng.choice(STREETS)} #{i}" for i in range(parcels)]
        _copy(
            "billing_property",
            ["id", "parcel_number", "street_address", "city"],
            (
                (
                    p0 + i,
                    f"{100 + i // 2500}.-{1 + (i // 50) % 50}-{1 + i % 50}",
                    addresses[i],
                    "Ithaca",
                )
                for i in range(parcels)
            ),
        )
        _copy(
            "billing_property_owners",
            ["property_id", "customer_id"],
            ((p0 + i, c0 + i) for i in range(parcels)),
        )
        w0 = _reserve_ids("billing_wateraccount", accounts)
        progress(f"water accounts: {accounts:,}")
        prefixes = [p for group, _ in ZONES for p in group]
        account_prefix = [rng.choice(prefixes) for _ in range(accounts)]
        _copy(
            "billing_wateraccount",
            ["id", "number", "customer_id", "property_id", "service_address", "meter_size"],
            (
                (
                    w0 + i,
                    f"{account_prefix[i]:02d}-{100000 + i}",
                    c0 + i,
                    p0 + i if i < parcels else NULL,
                    addresses[i]
                    if i < parcels
                    else f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
                    "5/8",
                )
                for i in range(accounts)
            ),
        )
        v0 = _reserve_ids("billing_vehicle", vehicles)
        _copy(
            "billing_vehicle",
            ["id", "plate", "state", "customer_id"],
            ((v0 + i, f"L{i:07d}", "NY", c0 + accounts + i) for i in range(vehicles)),
        )

        b0 = _reserve_ids("billing_bill", tax_bills + water_bills + tickets)
        progress(f"bills: {tax_bills + water_bills + tickets:,}")
        bill_rows, line_rows = [], []
        ledger: dict[str, list[tuple[int, Decimal, ChargeType]]] = {t: [] for t in BillType.values}

        def add(
            bill_id,
            number,
            bill_type,
            customer,
            description,
            issued,
            due,
            amount,
            ctype,
            prop=NULL,
            water=NULL,
            vehicle=NULL,
            violation=NULL,
            extra=None,
        ):
            extra = extra or {}
            bill_rows.append(
                (
                    bill_id,
                    number,
                    bill_type,
                    "demo-large",
                    number,
                    customer,
                    prop,
                    water,
                    vehicle,
                    description,
                    issued,
                    due,
                    extra.get("tax_year", NULL),
                    extra.get("installment", NULL),
                    violation,
                    "",
                    "f",
                    receivable[bill_type].pk,
                    amount,
                    amount,
                    "0",
                    "0",
                    amount,
                    0,
                    by.pk,
                    0,
                )
            )
            line_rows.append((bill_id, ctype.pk, ctype.revenue_account_id, ctype.name, amount))
            ledger[bill_type].append((bill_id, amount, ctype))

        n = b0
        for i in range(parcels):
            tax = to_cents(Decimal(rng.randint(120000, 900000)) / 100)
            half = to_cents(tax / 2)
            for installment, due, amount in (
                (1, date(year, 1, 31), half),
                (2, date(year, 6, 30), tax - half),
            ):
                add(
                    n,
                    f"TL{year}-{i:06d}-{installment}",
                    BillType.PROPERTY_TAX,
                    c0 + i,
                    f"{year} city tax, installment {installment} of 2",
                    date(year, 1, 1),
                    due,
                    amount,
                    charge["city_tax"],
                    prop=p0 + i,
                    extra={"tax_year": year, "installment": installment},
                )
                n += 1
        for i in range(water_bills):
            months = next(m for group, m in ZONES if account_prefix[i] in group)
            billed = max(
                date(y, m, 1) for y in (year - 1, year) for m in months if date(y, m, 1) <= today
            )
            amount = to_cents(Decimal(rng.randint(15760, 60000)) / 100)
            add(
                n,
                f"WL{billed:%Y%m}-{i:06d}",
                BillType.WATER_SEWER,
                c0 + i,
                "Water & sewer, quarterly",
                billed,
                date(billed.year, billed.month, DUE_DAY),
                amount,
                charge["water"],
                water=w0 + i,
            )
            n += 1
        for i in range(tickets):
            code = rng.choice(violations)
            issued = today - timedelta(days=rng.randint(0, 720))
            add(
                n,
                f"PL{i:07d}",
                BillType.PARKING,
                c0 + accounts + i % vehicles,
                f"Parking ticket: {code.description}",
                issued,
                issued,
                code.fine_first,
                charge["parking_fine"],
                vehicle=v0 + i % vehicles,
                violation=code.pk,
            )
            n += 1
        _copy(
            "billing_bill",
            [
                "id",
                "number",
                "bill_type",
                "source",
                "external_id",
                "customer_id",
                "property_id",
                "water_account_id",
                "vehicle_id",
                "description",
                "issue_date",
                "due_date",
                "tax_year",
                "installment",
                "violation_id",
                "violation_location",
                "appeal_pending",
                "receivable_account_id",
                "principal",
                "principal_balance",
                "penalty_balance",
                "interest_balance",
                "balance",
                "interest_months_assessed",
                "created_by_id",
                "appeal_days",
            ],
            bill_rows,
        )
        _copy(
            "billing_billline",
            ["bill_id", "charge_type_id", "revenue_account_id", "description", "amount"],
            line_rows,
        )
        for bill_type, entries in ledger.items():
            if not entries:
                continue
            progress(f"posting {len(entries):,} {bill_type} bills")
            revenue: dict[int, Decimal] = {}
            accounts_by_id = {}
            for _, amount, ctype in entries:
                revenue[ctype.revenue_account_id] = (
                    revenue.get(ctype.revenue_account_id, 0) + amount
                )
                accounts_by_id[ctype.revenue_account_id] = ctype.revenue_account
            post(
                entry_date=today,
                memo=f"Large demo city: {len(entries):,} {bill_type} bills",
                source=BillingSource.BILL_IMPORT,
                by=by,
                lines=[
                    Line(account=receivable[bill_type], amount=amount, bill_id=bill_id)
                    for bill_id, amount, _ in entries
                ]
                + [
                    Line(account=accounts_by_id[pk], amount=-total) for pk, total in revenue.items()
                ],
            )
        progress("checking at commit")
    # After a bulk load: move the GIN indexes' pending entries into the indexes proper (until
    # VACUUM does, every search reads the pending list through), and fresh statistics, or
    # the planner guesses, and guesses badly.
    progress("analyzing")
    with connection.cursor() as cursor:
        for index in (
            "customer_name_words",
            "name_word_trgm",
            "property_address_trgm",
            "water_address_trgm",
        ):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        for table in (
            "billing_customer",
            "billing_nameword",
            "billing_property",
            "billing_wateraccount",
            "billing_vehicle",
            "billing_bill",
            "billing_billline",
            "ledger_journalline",
            "ledger_journalentry",
        ):
            cursor.execute(f"ANALYZE {table}")
    return True
