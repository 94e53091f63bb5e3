"""billing.services.bill_import: all rows or none, a report of every problem, idempotent."""

from decimal import Decimal
from pathlib import Path

import pytest

from billing.errors import AlreadyImported, ImportRejected
from billing.models import Bill, BillType, ImportBatch, Vehicle
from billing.services import bill_import
from ledger.models import JournalEntry
from ledger.selectors import ledger_violations

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def _import(source: str, content: bytes, by, name="file.csv"):
    return bill_import(source=source, filename=name, content=content, by=by)


@pytest.mark.parametrize("source", ["tax", "water", "parking"])
def test_sample_files_import_and_post(reference, supervisor, source):
    batch = _import(source, (SAMPLES / f"{source}.csv").read_bytes(), supervisor)
    assert batch.status == "done"
    assert batch.bills_created == Bill.objects.filter(source=source).count() > 0
    assert batch.entry is not None
    assert ledger_violations() == []


def test_tax_rows_make_two_installments_split_to_the_cent(reference, supervisor):
    _import("tax", (SAMPLES / "tax.csv").read_bytes(), supervisor)
    first, second = Bill.objects.filter(number__startswith="T2027-90002").order_by("number")
    # city tax 8,120.00, relevied water 212.40 and sewer 96.15 (96.15 / 2 = 48.075)
    assert first.principal == Decimal("4060.00") + Decimal("106.20") + Decimal("48.08")
    assert second.principal == Decimal("4060.00") + Decimal("106.20") + Decimal("48.07")
    assert (first.due_date.isoformat(), second.due_date.isoformat()) == ("2027-01-31", "2027-06-30")
    assert first.property.parcel_number == "71.-2-15"
    assert first.customer.kind == "business"


def test_water_charges_are_computed_not_copied(reference, supervisor):
    _import("water", (SAMPLES / "water.csv").read_bytes(), supervisor)
    bill = Bill.objects.get(number="W202611-02-90001")
    # 22 units on a 5/8" meter: 10 in the minimum, 12 at 9.73 and 6.03
    assert bill.principal == Decimal("214.06") + Decimal("132.66")
    assert bill.due_date.isoformat() == "2026-11-20"
    assert bill.water_account.meter_size == "5/8"


def test_repeat_parking_violation_costs_more(reference, supervisor):
    _import("parking", (SAMPLES / "parking.csv").read_bytes(), supervisor)
    fines = dict(Bill.objects.filter(bill_type=BillType.PARKING).values_list("number", "principal"))
    assert fines == {
        "P2690001": Decimal("20.00"),
        "P2690002": Decimal("30.00"),
        "P2690003": Decimal("75.00"),
    }
    assert Vehicle.objects.get(plate="KXT4412").customer.name == "Dana Whitfield"


def test_a_file_with_bad_rows_imports_nothing_and_says_where(reference, supervisor):
    content = (SAMPLES / "water.csv").read_text().splitlines()
    content[1] = content[1].replace("5/8", "7/8").replace("4432", "4400")
    content[3] = content[3].replace("2026-09-04", "2026-09-31")
    with pytest.raises(ImportRejected, match="3 problem") as excinfo:
        _import("water", "\n".join(content).encode(), supervisor)
    assert excinfo.value.errors == [
        {
            "line": 2,
            "column": "meter_size",
            "problem": "'7/8' is not one of 5/8, 3/4, 1, 1.5, 2, 3, 4, 6",
        },
        {"line": 2, "column": "current_reading", "problem": "is below previous_reading"},
        {"line": 4, "column": "bill_date", "problem": "'2026-09-31' is not a date (YYYY-MM-DD)"},
    ]
    assert not Bill.objects.exists()
    assert not JournalEntry.objects.filter(source="bill_import").exists()
    assert ImportBatch.objects.get().status == "rejected"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xff\xfe", "the file is not UTF-8 text"),
        (b"ticket_number\x00,plate\n", "the file has NUL characters: it is not a text CSV file"),
        (b"ticket_number,plate\nP1,ABC\n", "the header lacks these columns"),
        (
            b"ticket_number,plate,plate_state,violation_code,issued_on,location,owner_name,"
            b"owner_address,owner_city,owner_state,owner_zip\n",
            "the file has no rows",
        ),
    ],
)
def test_unreadable_files_are_rejected(reference, supervisor, content, problem):
    with pytest.raises(ImportRejected) as excinfo:
        _import("parking", content, supervisor)
    assert excinfo.value.errors[0]["problem"] == problem


def test_unknown_violation_and_bad_amount(reference, supervisor):
    parking = (SAMPLES / "parking.csv").read_text().replace(",104,", ",999,")
    with pytest.raises(ImportRejected) as excinfo:
        _import("parking", parking.encode(), supervisor)
    assert excinfo.value.errors == [
        {"line": 4, "column": "violation_code", "problem": "'999' is not an active violation code"}
    ]
    tax = (SAMPLES / "tax.csv").read_text().replace("3412.88", "3412.885")
    with pytest.raises(ImportRejected) as excinfo:
        _import("tax", tax.encode(), supervisor)
    assert excinfo.value.errors[0]["problem"] == (
        "“3412.885” has more than two decimal places (whole cents)."
    )


def test_the_same_file_twice_changes_nothing(reference, supervisor):
    content = (SAMPLES / "tax.csv").read_bytes()
    _import("tax", content, supervisor)
    entries = JournalEntry.objects.count()
    with pytest.raises(AlreadyImported, match="already imported"):
        _import("tax", content, supervisor)
    # a different file repeating some of the same bills adds only the new ones
    row = "T2027-90004,71.-2-16,220 N Aurora St,Lee Park,220 N Aurora St,Ithaca,NY,14850"
    more = content.decode() + row + ",2027,1000.00,,\n"
    batch = _import("tax", more.encode(), supervisor)
    assert batch.bills_created == 2
    assert JournalEntry.objects.count() == entries + 1
    assert Bill.objects.filter(source="tax").count() == 8


def test_the_command_imports_with_progress_and_reports_problems(reference, supervisor, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command(
        "import_bills",
        "--source",
        "tax",
        "--user",
        "supervisor",
        str(SAMPLES / "tax.csv"),
        stdout=out,
    )
    assert "checking: 3 rows of 3" in out.getvalue() or "posting" in out.getvalue()
    assert "Imported 6 bills (3 rows) totalling $14,607.78" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text((SAMPLES / "parking.csv").read_text().replace("KXT4412", "K!"))
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command(
            "import_bills",
            "--source",
            "parking",
            "--user",
            "supervisor",
            str(bad),
            stdout=StringIO(),
            stderr=err,
        )
    assert "line 2, plate: 'K!' is not in the expected form" in err.getvalue()
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_bills", "--source", "tax", "--user", "clerk", str(bad))
