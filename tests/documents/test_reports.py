"""The daily balancing report (reconciliation daily_pdf, pdf/daily_balancing.html) and the
month-end report (month_end as PDF, pdf/month_end.html) with every printed field at its longest:
every line stays on the page and every amount on it."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cashiering.roles import Role
from ledger.models import AccountingPeriod, JournalEntry
from payments.forms import ReversalForm
from payments.services import BillItem, payment_record, payment_void
from reconciliation.models import Deposit, StatementLine
from tests.documents.conftest import long_named, max_length, unbroken
from tests.documents.pdf_reading import (
    assert_nothing_runs_off,
    assert_on_the_page,
    pages,
    squeezed,
    text,
)
from tests.payments.conftest import cash, check, issue, new_user
from tests.reconciliation.flows import bank_entry, deposit_verified, statement_imported


@pytest.fixture
def long_day(long_drawer, long_clerk, long_customer, supervisor):
    """A receipt paid by a long-named check writer, and a second one voided with a reason as
    long as the void form takes."""
    approver = long_named(supervisor, "Bartholomea", "Vandersteenhoven")
    kept = issue(long_customer, long_clerk, amount="76543.21")
    payment_record(
        drawer=long_drawer,
        items=[BillItem(kept.pk, kept.balance)],
        tenders=[check("76543.21", unbroken(12, "9876543210"), unbroken(200, "Checkwriter"))],
        token=uuid.uuid4(),
        by=long_clerk,
        payer_name=unbroken(200, "Payingneighbour"),
    )
    voided = issue(long_customer, long_clerk, amount="30.00")
    payment = payment_record(
        drawer=long_drawer,
        items=[BillItem(voided.pk, voided.balance)],
        tenders=[cash("30.00")],
        token=uuid.uuid4(),
        by=long_clerk,
    )
    reason = unbroken(ReversalForm.base_fields["reason"].max_length or 2000, "Keyedtwice")
    payment_void(payment=payment, reason=reason, by=long_clerk, approved_by=approver)
    return long_drawer.office


def test_the_daily_report_keeps_the_longest_names_and_every_amount_on_its_pages(
    client, long_day, supervisor
):
    client.force_login(supervisor)

    response = client.get(reverse("reconciliation:daily_pdf"), {"office": long_day.pk})

    assert response.status_code == 200
    pdf = response.content
    assert all((p.width, p.height) == (pytest.approx(792), pytest.approx(612)) for p in pages(pdf))
    assert_on_the_page(pdf, "76,543.21")
    assert_nothing_runs_off(pdf)
    printed = squeezed(text(pdf))
    void = long_day.payments.get(status="voided")
    for field in (long_day.name, void.reversals.get().reason, void.posted_by.last_name):
        assert squeezed(field) in printed, f"{field[:20]}… is not printed whole"


@pytest.fixture
def this_month(db):
    today = timezone.localdate()
    return AccountingPeriod.objects.create(
        name="this-month", start_date=today.replace(day=1), end_date=today
    )


def test_the_month_end_report_keeps_the_longest_bag_memo_and_bank_text_on_the_page(
    client, this_month, long_office, supervisor, chart
):
    """A deposit in transit with the longest bag number, a bank entry with the longest memo, a
    statement line with the longest description: outstanding items the report lists."""
    today = timezone.localdate()
    second = new_user("supervisor-two", Role.SUPERVISOR)
    deposit_verified(
        office=long_office,
        preparer=supervisor,
        verifier=second,
        cash="150.00",
        bag=unbroken(max_length(Deposit, "bag_number"), "BAG77"),
    )
    memo = unbroken(max_length(JournalEntry, "memo"), "Wirefromthecounty")
    bank_entry(by=supervisor, amount="98765.43", day=today, memo=memo)
    description = unbroken(max_length(StatementLine, "description"), "Achcreditcounty")
    statement_imported(by=supervisor, lines=[(today, "300.00", description)])
    client.force_login(supervisor)

    response = client.get(
        reverse("reconciliation:month_end"), {"period": this_month.pk, "format": "pdf"}
    )

    assert response.status_code == 200
    pdf = response.content
    for figure in ("150.00", "300.00"):
        assert_on_the_page(pdf, figure)
    assert_nothing_runs_off(pdf)
    printed = squeezed(text(pdf))
    assert squeezed(unbroken(max_length(Deposit, "bag_number"), "BAG77")) in printed
    assert squeezed(description) in printed
