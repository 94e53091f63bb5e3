"""The remittance documents (payments.views_remittance): the batch report (US Letter, every item,
totals by state, control against entered, headers repeated on each page, long names wrapped)
and the letter that returns a check to its sender."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Customer
from payments.models import RemittanceItem
from payments.services.remittance import (
    remittance_batch_open,
    remittance_batch_post,
    remittance_exception_resolve,
    remittance_item_add,
)
from tests.documents.conftest import NAMES, max_length, unbroken
from tests.documents.pdf_reading import (
    MM,
    assert_nothing_runs_off,
    assert_on_the_page,
    pages,
    runs_with,
    squeezed,
    text,
)
from tests.payments.conftest import issue

D = Decimal
LETTER = (215.9 * MM, 279.4 * MM)
ITEMS = 45


def _add(batch, by, scanline: str, amount: str, payer: str, number: str):
    return remittance_item_add(
        batch=batch,
        scanline=scanline,
        amount=D(amount),
        check_number=number,
        check_payer=payer,
        postmark=None,
        by=by,
        token=uuid.uuid4(),
    )


@pytest.fixture
def long_batch(long_office, clerk, supervisor):
    """A posted mail batch of 45 checks: 44 clean ones from payers with the longest names,
    one in each script, and one for a bill that does not exist."""
    payer_length = max_length(RemittanceItem, "check_payer")
    scripts = list(NAMES.values())
    bills = []
    for n in range(ITEMS - 1):
        owner = Customer.objects.create(name=f"Owner {n}", city="Ithaca")
        bills.append(issue(owner, supervisor, amount=f"{100 + n}.25"))
    total = sum((bill.balance for bill in bills), D("0")) + D("99999.99")
    batch = remittance_batch_open(
        office=long_office,
        kind="mail",
        control_total=total,
        control_count=ITEMS,
        by=clerk,
        token=uuid.uuid4(),
    )
    for n, bill in enumerate(bills):
        payer = scripts[n] if n < len(scripts) else unbroken(payer_length, "Vanderbiltcorporation")
        _add(batch, clerk, bill.number, str(bill.balance), payer, f"{n + 1:012d}")
    _add(batch, clerk, "NOSUCHBILL-1", "99999.99", unbroken(payer_length), "999999999999")
    return remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())


def test_the_batch_report_lists_every_item_on_letter_pages(client, clerk, long_batch):
    client.force_login(clerk)

    response = client.get(reverse("payments:remittance_report_pdf", args=[long_batch.pk]))

    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    sheets = pages(pdf)
    assert len(sheets) > 1
    for sheet in sheets:
        assert (round(sheet.width), round(sheet.height)) == tuple(round(x) for x in LETTER)
    # The table's header is printed again at the top of every page the items run onto.
    # (a header cell may wrap: "Receipt or" starts the last column's)
    headed = {run.page for run in runs_with(pdf, "Receipt or")}
    assert headed == set(range(len(sheets)))
    whole = squeezed(text(pdf))
    items = list(long_batch.items.select_related("payment", "bill").order_by("sequence"))
    for item in items:
        if item.payment is not None:
            assert squeezed(item.payment.receipt_number) in whole
            assert squeezed(item.bill.number) in whole
        assert squeezed(item.check_number) in whole
    assert squeezed("NOSUCHBILL-1") in whole
    assert_on_the_page(pdf, "99,999.99")
    for name in NAMES.values():
        assert squeezed(name) in whole
    assert_nothing_runs_off(pdf)
    # Totals by state, control against entered, and who did what.
    assert "Control (tape or file)" in text(pdf)
    assert squeezed(f"Exception 1 {D('99999.99'):,.2f}") in whole
    assert squeezed(f"Clean {ITEMS - 1}") in whole or squeezed(f"Applied {ITEMS - 1}") in whole
    assert "Posted by" in text(pdf)


@pytest.fixture
def returned(long_office, clerk, supervisor, long_customer):
    """A mailed check for a bill already paid in full, returned to its sender."""
    bill = issue(long_customer, supervisor, amount="120.00")
    batch = remittance_batch_open(
        office=long_office,
        kind="mail",
        control_total=D("370.00"),
        control_count=2,
        by=clerk,
        token=uuid.uuid4(),
    )
    _add(batch, clerk, bill.number, "120.00", "First check", "100")
    _add(batch, clerk, bill.number, "250.00", long_customer.name, "4471")
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    item = batch.items.get(state=RemittanceItem.State.EXCEPTION)
    return remittance_exception_resolve(
        item=item,
        action="return",
        amount=None,
        note="The bill was already paid in full by an earlier check.",
        by=supervisor,
        token=uuid.uuid4(),
    )


def test_the_return_letter_names_the_office_the_payer_the_bill_and_the_check(
    client, clerk, returned, long_office
):
    client.force_login(clerk)

    response = client.get(reverse("payments:remittance_letter_pdf", args=[returned.pk]))

    pdf = response.content
    assert response["Content-Type"] == "application/pdf"
    sheets = pages(pdf)
    assert (round(sheets[0].width), round(sheets[0].height)) == tuple(round(x) for x in LETTER)
    whole = squeezed(text(pdf))
    for printed in (
        long_office.name,
        long_office.address,
        long_office.phone,
        returned.bill.number,
        "4471",
        "$250.00",
        "already paid in full",
        "Signature",
    ):
        assert squeezed(printed) in whole, printed
    assert_nothing_runs_off(pdf)
