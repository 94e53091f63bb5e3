"""billing.services.bill_import with files that used to crash or silently differ (issue 8, §3, §4
and §14): amounts, tiny taxes, conflicts, database refusals, card numbers, extreme dates."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from billing.errors import BillingError, ImportRejected
from billing.importing import CARD_PROBLEM
from billing.models import Bill, ImportBatch
from billing.services import bill_import
from ledger.models import JournalEntry
from ledger.selectors import ledger_violations

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
TAX_HEADER = (SAMPLES / "tax.csv").read_text().splitlines()[0]
TAX_ROW = "T2027-90009,71.-2-19,1 Test St,Lee Park,1 Test St,Ithaca,NY,14850,2027,{tax},,"
WATER = (SAMPLES / "water.csv").read_text()
PARKING = (SAMPLES / "parking.csv").read_text()
CARD = "4111 1111 1111 1111"


def _tax_file(*rows: str) -> bytes:
    return "\n".join([TAX_HEADER, *rows]).encode() + b"\n"


def _import(source, content, by, name="file.csv"):
    return bill_import(source=source, filename=name, content=content, by=by)


def _rejected(source, content, by, name="file.csv") -> list[dict]:
    entries, bills = JournalEntry.objects.count(), Bill.objects.count()
    with pytest.raises(ImportRejected, match="nothing was imported") as excinfo:
        _import(source, content, by, name)
    assert (JournalEntry.objects.count(), Bill.objects.count()) == (entries, bills)
    return excinfo.value.errors


# §3: the one money parser reads import cells.


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("12,50", "“12,50” is not an amount: a comma may only separate thousands, as in 1,234.56."),
        ('"1,2,3"', "“1,2,3” is not an amount: a comma may only separate thousands"),
        ("1E5", "“1E5” is not an amount: write digits with a point, as in 1,234.56."),
        ("١٢٣", "“١٢٣” is not an amount: write digits with a point, as in 1,234.56."),
        ("\uff11\uff12", "“\uff11\uff12” is not an amount: write digits with a point"),
        ("12.345", "“12.345” has more than two decimal places (whole cents)."),
        ("NaN", "“NaN” is not an amount"),
        ("-inf", "“-inf” is not an amount"),
    ],
)
def test_amount_cells_are_read_by_the_one_parser(reference, supervisor, cell, problem):
    # "12,50" is quoted in a real CSV; unquoted it is two cells and the row is too long.
    row = TAX_ROW.format(tax=f'"{cell}"' if "," in cell and not cell.startswith('"') else cell)
    errors = _rejected("tax", _tax_file(row), supervisor)
    assert [(e["line"], e["column"]) for e in errors] == [(2, "city_tax")]
    assert errors[0]["problem"].startswith(problem)
    assert not Bill.objects.exists()


def test_an_amount_with_dollar_sign_and_thousands_commas_is_read(reference, supervisor):
    _import("tax", _tax_file(TAX_ROW.format(tax='"$3,412.88"')), supervisor)
    first, second = Bill.objects.order_by("number")
    assert (first.principal, second.principal) == (Decimal("1706.44"), Decimal("1706.44"))


# §4: a tax too small to split is one installment.


def test_a_one_cent_tax_is_one_installment_not_a_crash(reference, supervisor):
    batch = _import("tax", _tax_file(TAX_ROW.format(tax="0.01")), supervisor)
    bill = Bill.objects.get()
    assert (bill.number, bill.principal, bill.installment) == ("T2027-90009-1", Decimal("0.01"), 1)
    assert bill.description == "2027 city tax, installment 1 of 1"
    assert bill.due_date.isoformat() == "2027-01-31"
    assert batch.bills_created == 1
    assert ledger_violations() == []


def test_three_cents_still_split_with_the_odd_cent_first(reference, supervisor):
    _import("tax", _tax_file(TAX_ROW.format(tax="0.03")), supervisor)
    assert [(b.number, b.principal, b.description) for b in Bill.objects.order_by("number")] == [
        ("T2027-90009-1", Decimal("0.02"), "2027 city tax, installment 1 of 2"),
        ("T2027-90009-2", Decimal("0.01"), "2027 city tax, installment 2 of 2"),
    ]


def test_the_command_reports_a_one_cent_tax_without_a_traceback(reference, supervisor, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "tiny.csv"
    path.write_bytes(_tax_file(TAX_ROW.format(tax="0.01")))
    out = StringIO()
    call_command("import_bills", "--source", "tax", "--user", "supervisor", str(path), stdout=out)
    assert "Imported 1 bills (1 rows) totalling $0.01" in out.getvalue()


# §4: a bill on file that the file says differently is a conflict; nothing is imported.


def test_a_bill_on_file_with_other_amounts_is_a_conflict_and_nothing_is_imported(
    reference, supervisor
):
    _import("tax", (SAMPLES / "tax.csv").read_bytes(), supervisor)
    entries = JournalEntry.objects.count()
    changed = (SAMPLES / "tax.csv").read_text().replace("3412.88", "3412.90")
    changed += TAX_ROW.format(tax="100.00") + "\n"  # a new bill: not imported either
    errors = _rejected("tax", changed.encode(), supervisor)
    # 3,412.88 was split 1,706.44 + 1,706.44; 3,412.90 splits 1,706.45 + 1,706.45
    assert errors == [
        {
            "line": 2,
            "column": "city_tax",
            "problem": "conflict: bill T2027-90001-1 is on file with city tax $1,706.44; "
            "the file says city tax $1,706.45",
            "bill": "T2027-90001-1",
            "on_file": "city tax $1,706.44",
            "in_file": "city tax $1,706.45",
        },
        {
            "line": 2,
            "column": "city_tax",
            "problem": "conflict: bill T2027-90001-2 is on file with city tax $1,706.44; "
            "the file says city tax $1,706.45",
            "bill": "T2027-90001-2",
            "on_file": "city tax $1,706.44",
            "in_file": "city tax $1,706.45",
        },
    ]
    assert JournalEntry.objects.count() == entries
    assert not Bill.objects.filter(number__startswith="T2027-90009").exists()
    assert ImportBatch.objects.filter(status="rejected").get().errors == errors


def test_a_parking_ticket_numbered_like_a_bill_of_another_type_is_a_conflict(reference, supervisor):
    _import("tax", (SAMPLES / "tax.csv").read_bytes(), supervisor)
    tickets = PARKING.replace("P2690001", "T2027-90001-1")
    errors = _rejected("parking", tickets.encode(), supervisor)
    assert [(e["line"], e["bill"], e["on_file"], e["in_file"]) for e in errors] == [
        (
            2,
            "T2027-90001-1",
            "a property tax of $1,706.44",
            "a parking ticket for violation 101 on plate KXT4412 NY",
        )
    ]
    assert not Bill.objects.filter(bill_type="parking").exists()


def test_a_ticket_on_file_for_another_violation_is_a_conflict(reference, supervisor):
    _import("parking", PARKING.encode(), supervisor)
    errors = _rejected(
        "parking",
        PARKING.replace(",KXT4412,NY,101,2026-10-02", ",KXT4412,NY,104,2026-10-02").encode(),
        supervisor,
    )
    assert [(e["bill"], e["column"], e["on_file"], e["in_file"]) for e in errors] == [
        ("P2690001", "violation_code", "violation 101", "violation 104")
    ]


def test_a_bill_on_file_whose_charges_or_owner_differ_is_a_conflict_even_at_the_same_total(
    reference, supervisor
):
    # given the sample tax file: T2027-90002 is Fall Creek Apartments LLC, PO Box 44, 14851, with
    # city tax 8,120.00 (4,060.00 an installment), relevied water 212.40 (106.20) and sewer 96.15
    # (48.08 + 48.07)
    _import("tax", (SAMPLES / "tax.csv").read_bytes(), supervisor)
    # when a file says the same total, 8,332.40 + 96.15, split otherwise and owed by someone else
    changed = _tax_file(
        "T2027-90002,71.-2-15,216 N Aurora St,Someone Else,1 Main St,Ithaca,NY,14850,2027,"
        "8000.00,332.40,96.15"
    )
    errors = _rejected("tax", changed, supervisor)
    # then each installment is a conflict naming every difference: 4,000.00 and 166.20 a half
    on_file = (
        "owner Fall Creek Apartments LLC, mailing address PO Box 44, ZIP code 14851, "
        "city tax $4,060.00 and relevied water $106.20"
    )
    in_file = (
        "owner Someone Else, mailing address 1 Main St, ZIP code 14850, "
        "city tax $4,000.00 and relevied water $166.20"
    )
    assert errors == [
        {
            "line": 2,
            "column": "owner_name, owner_address, owner_zip, city_tax, relevied_water",
            "problem": f"conflict: bill {number} is on file with {on_file}; "
            f"the file says {in_file}",
            "bill": number,
            "on_file": on_file,
            "in_file": in_file,
        }
        for number in ("T2027-90002-1", "T2027-90002-2")
    ]
    assert Bill.objects.get(number="T2027-90002-1").customer.name == "Fall Creek Apartments LLC"


def test_a_water_bill_on_file_with_other_readings_or_dates_is_a_conflict(reference, supervisor):
    # given the sample water file: W202611-02-90001, a 5/8" meter, read 4410 then 4432 (22 units,
    # 10 above the 12 allowed): water 116.76 + 10 x 9.73 = 214.06, sewer 72.36 + 10 x 6.03 =
    # 132.66; billed November 5, due November 20
    _import("water", (SAMPLES / "water.csv").read_bytes(), supervisor)
    # when a file says it was billed November 6 and read 4440 (30 units, 18 above)
    changed = (
        (SAMPLES / "water.csv").read_text().replace("2026-11-05,4410,4432", "2026-11-06,4410,4440")
    )
    errors = _rejected("water", changed.encode(), supervisor)
    # then water is 116.76 + 18 x 9.73 = 291.90 and sewer 72.36 + 18 x 6.03 = 180.90; the due
    # date, the 20th of the billing month, is the same
    assert [(e["line"], e["bill"], e["column"], e["on_file"], e["in_file"]) for e in errors] == [
        (
            2,
            "W202611-02-90001",
            "bill_date, current_reading",
            "issue date 2026-11-05, current reading 4432, water $214.06 and sewer $132.66",
            "issue date 2026-11-06, current reading 4440, water $291.90 and sewer $180.90",
        )
    ]


def test_a_ticket_on_file_with_another_owner_or_location_is_a_conflict(reference, supervisor):
    _import("parking", PARKING.encode(), supervisor)
    changed = PARKING.replace(
        "300 block College Ave,Morgan Ellis,41 Oak St",
        "400 block College Ave,Morgan Ellis,41 Elm St",
    )
    errors = _rejected("parking", changed.encode(), supervisor)
    assert [(e["line"], e["bill"], e["column"], e["on_file"], e["in_file"]) for e in errors] == [
        (
            4,
            "P2690003",
            "owner_address, location",
            "mailing address 41 Oak St and location 300 block College Ave",
            "mailing address 41 Elm St and location 400 block College Ave",
        )
    ]


def test_a_reimport_differing_only_in_the_case_of_an_owner_is_a_quiet_skip(reference, supervisor):
    # Owners are matched by name and mailing address whatever their case, as the import finds them.
    _import("tax", (SAMPLES / "tax.csv").read_bytes(), supervisor)
    lines = (SAMPLES / "tax.csv").read_text().splitlines()
    again = [lines[0], lines[2].replace("Fall Creek Apartments LLC", "FALL CREEK APARTMENTS LLC")]
    again.append(TAX_ROW.format(tax="100.00"))  # and a new bill: 50.00 an installment
    batch = _import("tax", ("\n".join(again) + "\n").encode(), supervisor)
    assert (batch.status, batch.bills_created, batch.amount_total) == ("done", 2, Decimal("100.00"))
    assert Bill.objects.count() == 8


def test_an_identical_reimport_is_still_a_quiet_skip(reference, supervisor):
    _import("parking", PARKING.encode(), supervisor)
    # the same tickets in another file (another order, a trailing blank): nothing to do, no error
    lines = PARKING.splitlines()
    again = "\n".join([lines[0], *reversed(lines[1:])]) + "\n\n"
    batch = _import("parking", again.encode(), supervisor)
    assert (batch.status, batch.bills_created) == ("done", 0)
    assert Bill.objects.count() == 3


# §4: a refusal by the database is a problem of a line and a column, not a crash.


def test_a_database_refusal_names_the_line_and_the_constraint(reference, supervisor):
    with connection.cursor() as cursor:  # a rule the checks in Python do not know about
        cursor.execute(
            "ALTER TABLE billing_bill ADD CONSTRAINT test_refuses_one_bill "
            "CHECK (number <> 'T2027-90002-2')"
        )
    errors = _rejected("tax", (SAMPLES / "tax.csv").read_bytes(), supervisor)
    assert errors == [
        {
            "line": 3,
            "column": "test_refuses_one_bill",
            "problem": 'the database refused it: new row for relation "billing_bill" violates '
            'check constraint "test_refuses_one_bill"',
        }
    ]
    assert not Bill.objects.exists()
    assert ImportBatch.objects.get().status == "rejected"


# §14: no card number is stored, in a bill, a memo, a file name or a rejected file's report.


@pytest.mark.parametrize("column", ["owner_name", "street_address", "bill_number", "owner_zip"])
def test_a_card_number_in_any_cell_is_refused_and_not_written_down(reference, supervisor, column):
    header = TAX_HEADER.split(",")
    values = TAX_ROW.format(tax="100.00").split(",")
    values[header.index(column)] = "4111111111111111" if column == "bill_number" else CARD
    errors = _rejected("tax", _tax_file(",".join(values)), supervisor)
    assert errors == [{"line": 2, "column": column, "problem": CARD_PROBLEM}]
    stored = json.dumps(ImportBatch.objects.get().errors)
    assert "4111" not in stored and "1111" not in stored


@pytest.mark.parametrize(
    "card",
    [
        "4111\u00a01111\u00a01111\u00a01111",
        "4111\u202f1111\u202f1111\u202f1111",
        "4111  1111  1111  1111",
        "4111 - 1111 - 1111 - 1111",
        "4111\t1111\t1111\t1111",
        "4111\u20141111\u20141111\u20141111",
        "4111\ufeff1111\u200b1111\u20601111",
    ],
    ids=["no-break", "narrow-no-break", "double", "spaced-hyphen", "tab", "em-dash", "zero-width"],
)
def test_a_card_number_pasted_into_a_cell_is_refused_however_it_is_parted(
    reference, supervisor, card
):
    header = TAX_HEADER.split(",")
    values = TAX_ROW.format(tax="100.00").split(",")
    values[header.index("owner_name")] = f"Lee Park card {card}"
    errors = _rejected("tax", _tax_file(",".join(values)), supervisor)
    assert errors == [{"line": 2, "column": "owner_name", "problem": CARD_PROBLEM}]
    assert "1111" not in json.dumps(ImportBatch.objects.get().errors)


def test_a_problem_quoting_a_card_number_is_masked_in_the_report(reference, supervisor):
    # A card number where a whole number belongs: refused as a card number, never quoted.
    errors = _rejected(
        "tax",
        _tax_file(TAX_ROW.format(tax="100.00").replace(",2027,", ",4111111111111111,")),
        supervisor,
    )
    assert errors == [{"line": 2, "column": "tax_year", "problem": CARD_PROBLEM}]
    assert "4111111111111111" not in json.dumps(ImportBatch.objects.get().errors)


def test_a_file_named_with_a_card_number_is_refused_before_anything_is_kept(reference, supervisor):
    with pytest.raises(BillingError, match="The file's name holds what looks like a full card"):
        _import("tax", (SAMPLES / "tax.csv").read_bytes(), supervisor, name=f"{CARD}.csv")
    assert not ImportBatch.objects.exists()
    assert not JournalEntry.objects.exists()


# §14: dates at the ends of the calendar, a leap day.


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (
            "0001-01-01",
            "The date 01/01/0001 is outside the dates the books use (01/01/1900 to 12/31/2199).",
        ),
        (
            "9999-12-31",
            "The date 12/31/9999 is outside the dates the books use (01/01/1900 to 12/31/2199).",
        ),
        ("20261002", "'20261002' is not a date (YYYY-MM-DD)"),
        ("2026-W40-5", "'2026-W40-5' is not a date (YYYY-MM-DD)"),
        ("2026-02-29", "'2026-02-29' is not a date (YYYY-MM-DD)"),
    ],
)
def test_dates_out_of_range_in_a_file_are_row_problems(reference, supervisor, day, problem):
    tickets = PARKING.replace("2026-10-02", day)
    assert _rejected("parking", tickets.encode(), supervisor) == [
        {"line": 2, "column": "issued_on", "problem": problem}
    ]


def test_a_water_bill_read_on_a_leap_day_imports(reference, supervisor):
    leap = WATER.replace("2026-08-01,2026-10-31,2026-11-05", "2027-12-01,2028-02-29,2028-02-10")
    leap = "\n".join(leap.splitlines()[:2]) + "\n"
    _import("water", leap.encode(), supervisor)
    bill = Bill.objects.get()
    assert bill.description == "Water & sewer, 12/01/2027 to 02/29/2028"
    assert (bill.issue_date.isoformat(), bill.due_date.isoformat()) == ("2028-02-10", "2028-02-20")


@pytest.mark.parametrize("billed", ["2028-02-29", "2026-11-21"])
def test_a_water_bill_dated_after_its_due_day_is_a_row_problem(reference, supervisor, billed):
    late = WATER.replace("2026-08-01,2026-10-31,2026-11-05", f"2026-08-01,2026-10-31,{billed}")
    late = "\n".join(late.splitlines()[:2]) + "\n"
    year, month, day = billed.split("-")
    written, due = f"{month}/{day}/{year}", f"{month}/20/{year}"
    assert _rejected("water", late.encode(), supervisor) == [
        {
            "line": 2,
            "column": "bill_date",
            "problem": f"{written} is after the due date of its billing month ({due}); "
            "a bill cannot fall due before it is issued",
        }
    ]


# The import page: each of these is a message on the page, never a server error.


def _upload(client, source: str, content: bytes, name: str = "file.csv"):
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    return client.post(
        reverse("billing:import"),
        {
            "source": source,
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
            "token": uuid.uuid4(),
        },
        follow=True,
    )


def test_the_page_imports_a_one_cent_tax(client, reference, supervisor):
    client.force_login(supervisor)
    page = _upload(client, "tax", _tax_file(TAX_ROW.format(tax="0.01")))
    assert page.status_code == 200
    assert "Imported 1 bills from file.csv ($0.01)." in page.text


def test_the_page_lists_a_conflict_and_does_not_say_imported_0_bills(client, reference, supervisor):
    client.force_login(supervisor)
    _import("tax", (SAMPLES / "tax.csv").read_bytes(), supervisor)
    page = _upload(client, "parking", PARKING.replace("P2690001", "T2027-90001-1").encode())
    assert page.status_code == 200
    assert "Imported 0 bills" not in page.text
    assert "1 problem(s) in file.csv; nothing was imported." in page.text
    assert (
        "conflict: bill T2027-90001-1 is on file as a property tax of $1,706.44; the file says "
        "a parking ticket for violation 101 on plate KXT4412 NY" in page.text
    )
    batch = ImportBatch.objects.get(status="rejected")
    from django.urls import reverse

    report = client.get(reverse("billing:import_errors", args=[batch.pk])).content.decode()
    assert report.splitlines()[1] == (
        '2,ticket_number,"conflict: bill T2027-90001-1 is on file as a property tax of $1,706.44; '
        'the file says a parking ticket for violation 101 on plate KXT4412 NY",T2027-90001-1,'
        '"a property tax of $1,706.44",a parking ticket for violation 101 on plate KXT4412 NY'
    )


def test_the_page_refuses_a_file_named_with_a_card_number(client, reference, supervisor):
    client.force_login(supervisor)
    page = _upload(client, "tax", (SAMPLES / "tax.csv").read_bytes(), name=f"{CARD}.csv")
    assert page.status_code == 200
    assert "This looks like a full card number." in page.text
    assert CARD not in page.text
    assert not ImportBatch.objects.exists()
