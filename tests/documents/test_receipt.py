"""The printed receipt (payments.views.receipt_pdf, templates/pdf/receipt.html): every field at
its longest, names in every script, the 80 mm roll and US Letter."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Bill, BillType, ChargeType, Customer, Property, WaterAccount
from billing.selectors import fee_price
from billing.services import Charge, bill_issue
from payments.models import Payment
from payments.services import BillItem, FeeItem, payment_record
from tests.documents.conftest import NAMES, max_length, unbroken
from tests.documents.pdf_reading import (
    MM,
    assert_on_the_page,
    pages,
    runs,
    runs_with,
    squeezed,
    text,
)
from tests.payments.conftest import cash, check, fee

CHARGE = {
    BillType.PROPERTY_TAX: "city_tax",
    BillType.WATER_SEWER: "water",
    BillType.PARKING: "parking_fine",
}


def bill_for(customer, by, bill_type, amount: str, **details) -> Bill:
    """A bill through billing's service whose number and description fill their fields."""
    return bill_issue(
        number=unbroken(max_length(Bill, "number") - 4, "PT2026") + uuid.uuid4().hex[:4],
        bill_type=bill_type,
        source="test",
        customer=customer,
        description=unbroken(max_length(Bill, "description"), "Secondhalfschooltax"),
        issue_date=date(2026, 1, 1),
        due_date=timezone.localdate() + timedelta(days=30),
        charges=[Charge(ChargeType.objects.get(code=CHARGE[bill_type]), Decimal(amount))],
        by=by,
        **details,
    )


def receipt(client, payment: Payment, size: str) -> bytes:
    response = client.get(
        reverse("payments:receipt_pdf", args=[payment.receipt_number]), {"size": size}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


@pytest.fixture
def longest_visit(long_drawer, long_clerk, long_customer, long_property, long_water_account):
    """A visit at the long office by the long-named clerk: a tax bill on the long parcel and a
    water bill at the long service address, paid by someone else with the longest payer's name,
    by a check whose number and writer fill their fields and cash that leaves change."""
    tax = bill_for(
        long_customer, long_clerk, BillType.PROPERTY_TAX, "98765432.10", property=long_property
    )
    water = bill_for(
        long_customer,
        long_clerk,
        BillType.WATER_SEWER,
        "1234.56",
        water_account=long_water_account,
        property=long_property,
    )
    return payment_record(
        drawer=long_drawer,
        items=[
            BillItem(bill_id=tax.pk, amount=tax.balance),
            BillItem(bill_id=water.pk, amount=water.balance),
        ],
        tenders=[
            check(
                "98766600.00", number=unbroken(12, "1234567890"), payer=unbroken(200, "Checkwriter")
            ),
            cash("86.66"),
        ],
        token=uuid.uuid4(),
        by=long_clerk,
        payer_name=unbroken(max_length(Payment, "payer_name"), "Payingneighbour"),
    )


def longest_fields(payment: Payment) -> list[str]:
    """What the longest visit's receipt must print whole (wrapped, but every character)."""
    water_bill = payment.items.get(bill__water_account__isnull=False).bill
    holder, parcel, water = water_bill.customer, water_bill.property, water_bill.water_account
    clerk = payment.posted_by
    return [
        payment.office.name,
        payment.office.address,
        payment.drawer.workstation.name,
        clerk.first_name,
        clerk.last_name,
        payment.payer_name,
        holder.name,
        parcel.street_address,
        parcel.city,
        parcel.parcel_number,
        water.service_address,
        water.number,
        *(item.bill.number for item in payment.items.all()),
    ]


FIGURES = ["98,765,432.10", "1,234.56", "98,766,666.66", "98,766,600.00", "86.66", "20.00"]


def test_the_roll_at_the_longest_wraps_every_name_and_keeps_every_amount_on_the_paper(
    client, longest_visit, long_clerk
):
    client.force_login(long_clerk)

    pdf = receipt(client, longest_visit, "80mm")

    [page] = pages(pdf)
    assert page.width == pytest.approx(80 * MM)
    assert page.height < 1000 * MM  # cut under its content, not the roll's full length
    for figure in FIGURES:
        assert_on_the_page(pdf, figure)
    for run in runs(pdf):
        assert run.x >= 0 and run.right <= page.width, f"runs off the roll: {run}"
    printed = squeezed(text(pdf))
    for field in longest_fields(longest_visit):
        assert squeezed(field) in printed, f"{field[:20]}… is not printed whole"
    assert "Accountholder:" in printed


def test_the_letter_receipt_at_the_longest_is_a_page_layout_with_every_amount_on_it(
    client, longest_visit, long_clerk
):
    client.force_login(long_clerk)

    pdf = receipt(client, longest_visit, "letter")

    sizes = pages(pdf)
    assert all((p.width, p.height) == (pytest.approx(612), pytest.approx(792)) for p in sizes)
    for figure in FIGURES:
        assert_on_the_page(pdf, figure)
    for run in runs(pdf):
        assert run.x >= 0 and run.right <= sizes[run.page].width, f"runs off the page: {run}"
    printed = squeezed(text(pdf))
    for field in longest_fields(longest_visit):
        assert squeezed(field) in printed, f"{field[:20]}… is not printed whole"
    # A Letter page's layout: the receipt's box on the right half of the header, a table of bills
    # with a column per part, what paid for them, and the page count in the footer.
    [number] = [r for r in runs_with(pdf, longest_visit.receipt_number) if r.y > 700]
    assert number.x > 612 / 2
    for heading in (
        "Bill or fee",
        "Penalty",
        "Interest",
        "Principal",
        "Balance after",
        "Paid with",
        "Tendered",
        "Change",
    ):
        assert squeezed(heading) in printed
    assert f"Page 1 of {len(sizes)}" in text(pdf)


def test_a_receipt_names_each_bills_holder_and_address_and_the_payer_only_when_another(
    client, drawer, clerk, dana, reference
):
    parcel = Property.objects.create(parcel_number="24.-3-1", street_address="108 E Green St")
    own = bill_for(dana, clerk, BillType.PROPERTY_TAX, "120.00", property=parcel)
    neighbour = Customer.objects.create(name="Lee Okafor")
    water = WaterAccount.objects.create(
        number="02-10457", customer=neighbour, service_address="5 Cayuga St"
    )
    theirs = bill_for(neighbour, clerk, BillType.WATER_SEWER, "80.00", water_account=water)
    client.force_login(clerk)

    def paid(*bills, payer_name: str) -> Payment:
        return payment_record(
            drawer=drawer,
            items=[BillItem(bill_id=b.pk, amount=b.balance) for b in bills],
            tenders=[cash(str(sum(b.balance for b in bills)))],
            token=uuid.uuid4(),
            by=clerk,
            payer_name=payer_name,
        )

    # Dana pays her own bill (the clerk typed her name in capitals): no "Paid by" line.
    alone = paid(own, payer_name="DANA  WHITFIELD")
    for size in ("80mm", "letter"):
        printed = squeezed(text(receipt(client, alone, size)))
        assert squeezed("Account holder: Dana Whitfield") in printed
        assert squeezed("108 E Green St, Ithaca") in printed
        assert squeezed("parcel 24.-3-1") in printed
        assert "Paidby" not in printed and "Receivedfrom" not in printed

    # Dana pays her neighbour's bill: she is named as the payer, and Lee as the holder.
    for_neighbour = paid(theirs, payer_name="Dana Whitfield")
    for size, label in (
        ("80mm", "Paid by: Dana Whitfield"),
        ("letter", "Received from Dana Whitfield"),
    ):
        printed = squeezed(text(receipt(client, for_neighbour, size)))
        assert squeezed(label) in printed
        assert squeezed("Account holder: Lee Okafor") in printed
        assert squeezed("5 Cayuga St") in printed
        assert squeezed("water account 02-10457") in printed


@pytest.mark.parametrize("size", ["80mm", "letter"])
@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_any_script_prints_and_reads_back_the_same(
    client, drawer, clerk, reference, script, size
):
    """pypdf reads WeasyPrint's text back in logical order (its ToUnicode maps each glyph run to
    the characters shaped), so Arabic and Hebrew compare as typed; both sides are compared in
    NFKC without whitespace, which folds any Arabic presentation form into its letter and joins
    a name the line wrapped. A script with no font prints boxes, and reads back as other
    characters entirely. The name is printed three times (holder, address, payer), each alone
    on its line: beside Latin text, a right-to-left name reads back in visual order."""
    name = NAMES[script]
    customer = Customer.objects.create(name=name, address_line1=name)
    parcel = Property.objects.create(parcel_number="24.-3-9", street_address=name, city="")
    bill = bill_for(customer, clerk, BillType.PROPERTY_TAX, "75.25", property=parcel)
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=bill.balance)],
        tenders=[cash("80.00")],
        token=uuid.uuid4(),
        by=clerk,
        payer_name=f"{NAMES['Greek' if script != 'Greek' else 'Cyrillic']}",
    )
    client.force_login(clerk)

    pdf = receipt(client, payment, size)

    printed = squeezed(text(pdf))
    assert printed.count(squeezed(name)) == 2  # account holder, property address
    assert squeezed(payment.payer_name) in printed
    assert_on_the_page(pdf, "75.25")
    assert_on_the_page(pdf, "4.75")


def test_a_permit_sale_names_its_plate_and_its_payer(client, drawer, clerk, reference):
    permit = fee("permit_green")
    price = fee_price(permit, timezone.localdate())
    assert price is not None
    plate = "WMWMWMWM"  # the counter takes 2 to 8 letters and digits (PaymentItem.plate holds 10)
    payment = payment_record(
        drawer=drawer,
        items=[
            FeeItem(
                permit.pk,
                plate=plate,
                plate_state="NY",
                period_start=timezone.localdate(),
                months=1,
            )
        ],
        tenders=[cash(str(price))],
        token=uuid.uuid4(),
        by=clerk,
        payer_name="Lee Okafor",
    )
    client.force_login(clerk)

    for size, label in (("80mm", "Paid by: Lee Okafor"), ("letter", "Received from Lee Okafor")):
        printed = squeezed(text(receipt(client, payment, size)))
        # A fee sale has no account holder: whoever paid is named.
        assert squeezed(label) in printed
        assert "Accountholder" not in printed
        assert squeezed(f"Plate NY {plate}") in printed


def test_a_parking_ticket_names_its_plate_and_where_it_was_written(
    client, long_drawer, long_clerk, long_customer, long_vehicle
):
    location = unbroken(max_length(Bill, "violation_location"), "Stateandaurora")
    ticket = bill_for(
        long_customer,
        long_clerk,
        BillType.PARKING,
        "65.00",
        vehicle=long_vehicle,
        violation_location=location,
    )
    payment = payment_record(
        drawer=long_drawer,
        items=[BillItem(bill_id=ticket.pk, amount=ticket.balance)],
        tenders=[cash("65.00")],
        token=uuid.uuid4(),
        by=long_clerk,
    )
    client.force_login(long_clerk)

    for size in ("80mm", "letter"):
        pdf = receipt(client, payment, size)
        printed = squeezed(text(pdf))
        assert squeezed(location) in printed
        assert squeezed(f"plate NY {long_vehicle.plate}") in printed
        assert squeezed(f"Account holder: {long_customer.name}") in printed
        assert "Paidby" not in printed and "Receivedfrom" not in printed
        assert_on_the_page(pdf, "65.00")
