"""The printed invoice (billing.views.invoice_pdf, templates/pdf/invoice.html) and its
remittance stub: the longest name, address, memo and twenty of the longest lines, and the largest
amount a stub's scanline holds, with the amount due on the stub."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.forms import InvoiceLineFormSet
from billing.models import BillLine, ChargeType, Customer
from billing.scanline import MAX_AMOUNT as SCANLINE_MAX
from billing.services import Charge, invoice_create
from ledger.models import Account
from tests.documents.conftest import NAMES, max_length, unbroken
from tests.documents.pdf_reading import assert_on_the_page, pages, runs, runs_with, squeezed, text

INCH = 72


def invoice(customer, by, *, lines: int, unit_price: str, memo: str):
    description = unbroken(max_length(BillLine, "description"), "Photocopiesofdeeds")
    return invoice_create(
        customer=customer,
        charges=[
            Charge(
                ChargeType.objects.get(code="misc"),
                Decimal(unit_price),
                description,
                quantity=Decimal(1),
                unit_price=Decimal(unit_price),
                revenue_account=Account.objects.get(code="4320"),
            )
            for _ in range(lines)
        ],
        memo=memo,
        due_date=timezone.localdate() + timedelta(days=30),
        by=by,
    )


def printed(client, bill) -> bytes:
    response = client.get(reverse("billing:invoice_pdf", args=[bill.number]))
    assert response.status_code == 200
    return response.content


def test_the_longest_invoice_keeps_the_amount_due_on_its_stub_and_its_lines_above_it(
    client, reference, clerk, long_customer
):
    # As many lines as the form takes, each with the longest description, adding up to the
    # largest amount a scanline holds.
    most = InvoiceLineFormSet.max_num
    unit = (SCANLINE_MAX / most).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    bill = invoice(
        long_customer, clerk, lines=most, unit_price=str(unit), memo=unbroken(200, "Memo")
    )
    client.force_login(clerk)

    pdf = printed(client, bill)

    sizes = pages(pdf)
    assert all((p.width, p.height) == (pytest.approx(612), pytest.approx(792)) for p in sizes)
    due = f"${bill.balance:,.2f}"
    assert bill.balance > SCANLINE_MAX - most * Decimal("0.01")
    [cut] = runs_with(pdf, "detach and return")
    assert cut.page == 0 and cut.y < 3.3 * INCH
    stub_due = [run for run in runs_with(pdf, due) if run.page == 0 and run.y < cut.y]
    assert stub_due, "the amount due is not on the stub"
    assert_on_the_page(pdf, due)
    # Nothing above the cut runs into the stub: every line of the invoice is above it.
    first_page = [run for run in runs(pdf) if run.page == 0]
    for run in first_page:
        assert run.x >= 0 and run.right <= sizes[0].width, f"runs off the page: {run}"
    line_runs = runs_with(pdf, "Photocopiesofdeeds")
    assert all(run.y > cut.y for run in line_runs if run.page == 0)
    # The lines that did not fit went on to the next page, not under the stub.
    assert len(sizes) > 1 and any(run.page > 0 for run in line_runs)
    everything = squeezed(text(pdf))
    description = BillLine.objects.filter(bill=bill).first().description
    assert everything.count(squeezed(description)) == most
    for field in (
        long_customer.name,
        long_customer.address_line1,
        long_customer.address_line2,
        long_customer.city,
        long_customer.postal_code,
        bill.description,
    ):
        assert squeezed(field) in everything, f"{field[:20]}… is not printed whole"
    # The stub names the customer too: the name is printed twice.
    assert everything.count(squeezed(long_customer.name)) == 2


@pytest.mark.parametrize("script", NAMES)
def test_an_invoice_to_a_name_in_any_script_prints_the_name_on_the_invoice_and_its_stub(
    client, reference, clerk, script
):
    name = NAMES[script]
    customer = Customer.objects.create(name=name, address_line1=name)
    bill = invoice(customer, clerk, lines=1, unit_price="25.00", memo="Lien search")
    client.force_login(clerk)

    pdf = printed(client, bill)

    # Addressee, mailing address, stub.
    assert squeezed(text(pdf)).count(squeezed(name)) == 3
    [cut] = runs_with(pdf, "detach and return")
    assert [run for run in runs_with(pdf, "$25.00") if run.y < cut.y]
