"""payments.services.receipt_number_next: receipt numbers are counted per office row (not per
office code), per book and per year, so renaming an office's code does not stop its counter."""

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger.selectors import ledger_violations
from payments.forms import OfficeAdminForm
from payments.models import Office, ReceiptSeries
from payments.services import BillItem, counter_setup_seed, payment_record
from tests.payments.conftest import cash, issue, open_drawer

D = Decimal


def _pay(drawer, clerk, bill):
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("10.00"))],
        tenders=[cash("10.00")],
        token=uuid.uuid4(),
        by=clerk,
    )


def _rename(office: Office, code: str) -> Office:
    form = OfficeAdminForm(
        data={
            "code": code,
            "name": office.name,
            "address": "",
            "phone": "",
            "check_clearing_days": 10,
            "blind_close": "on",
            "over_short_tolerance": "5.00",
            "idle_timeout_minutes": 15,
        },
        instance=office,
    )
    assert form.is_valid(), form.errors
    return form.save()


@pytest.mark.django_db(transaction=True)
def test_renaming_an_offices_code_keeps_its_receipts_counting(drawer, office, clerk, dana):
    # Given two receipts taken at office CH
    year = timezone.localdate().year
    first = _pay(drawer, clerk, issue(dana, clerk, amount="10.00"))
    second = _pay(drawer, clerk, issue(dana, clerk, amount="10.00"))
    assert (first.receipt_number, second.receipt_number) == (
        f"CH-{year}-000001",
        f"CH-{year}-000002",
    )
    # When an Admin renames the office's code to CHAMB
    _rename(office, "CHAMB")
    # Then the next payment goes through, numbered on from the same counter with the new code
    third = _pay(drawer, clerk, issue(dana, clerk, amount="10.00"))
    assert (third.receipt_number, third.receipt_sequence) == (f"CHAMB-{year}-000003", 3)
    assert list(ReceiptSeries.objects.values_list("office__code", "training", "last_number")) == [
        ("CHAMB", False, 3)
    ]
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_training_receipts_count_apart_and_survive_a_rename(office, trainee, dana, clerk):
    year = timezone.localdate().year
    practice = open_drawer(trainee, office, training=True)
    assert _pay(practice, trainee, issue(dana, clerk, amount="10.00")).receipt_number == (
        f"TR-CH-{year}-000001"
    )
    _rename(office, "CITY")
    assert _pay(practice, trainee, issue(dana, clerk, amount="10.00")).receipt_number == (
        f"TR-CITY-{year}-000002"
    )
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_a_code_whose_receipts_another_office_printed_is_refused(drawer, office, clerk, dana):
    # Given office CH printed CH-…-000001 and was then renamed
    year = timezone.localdate().year
    _pay(drawer, clerk, issue(dana, clerk, amount="10.00"))
    _rename(office, "CHAMB")
    # When a second office is given the old code
    annex = counter_setup_seed(office_code="ANX", office_name="Annex", windows=1)
    form = OfficeAdminForm(
        data={"code": "CH", "name": "Annex", "address": "", "phone": "", "check_clearing_days": 10},
        instance=annex,
    )
    # Then the form refuses it, naming the receipt it would print again
    assert not form.is_valid()
    assert form.errors["code"] == [
        f"Another office already printed receipts with the code CH (receipt CH-{year}-000001); "
        "choose a code not used before."
    ]


@pytest.mark.django_db(transaction=True)
def test_verify_finds_a_series_that_skipped_a_number(drawer, clerk, dana):
    year = timezone.localdate().year
    _pay(drawer, clerk, issue(dana, clerk, amount="10.00"))
    ReceiptSeries.objects.update(last_number=2)
    assert [(v.rule, v.detail) for v in ledger_violations()] == [
        ("receipt numbers have no gap", f"office CH {year} numbered 2 receipts but holds 1")
    ]
