"""The on-screen receipt (payments.views.payment_view, templates/payments/payment.html): each
bill names its account holder, its address and its parcel or account, as the printed receipt
does, and the payer is marked when not the holder."""

import uuid

from django.urls import reverse

from billing.models import BillType, Customer, Property, WaterAccount
from payments.models import Payment
from payments.services import BillItem, FeeItem, payment_record
from tests.payments.conftest import cash, fee, issue


def paid(drawer, clerk, *bills, payer_name: str) -> Payment:
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=b.pk, amount=b.balance) for b in bills],
        tenders=[cash(str(sum(b.balance for b in bills)))],
        token=uuid.uuid4(),
        by=clerk,
        payer_name=payer_name,
    )


def page(client, payment: Payment) -> str:
    response = client.get(reverse("payments:payment", args=[payment.receipt_number]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_receipt_page_names_each_bills_holder_address_and_the_payer_when_another(
    client, drawer, clerk, dana, supervisor
):
    # Given Dana's tax bill on her house, and her neighbour Lee's water bill.
    house = Property.objects.create(
        parcel_number="24.-3-1", street_address="108 E Green St", city="Ithaca"
    )
    own = issue(dana, supervisor, amount="120.00", property=house)
    lee = Customer.objects.create(name="Lee Okafor")
    account = WaterAccount.objects.create(
        number="02-10457", customer=lee, service_address="5 Cayuga St"
    )
    theirs = issue(lee, supervisor, bill_type=BillType.WATER_SEWER, water_account=account)
    client.force_login(clerk)

    # When Dana pays her own bill, then Lee's.
    alone = page(client, paid(drawer, clerk, own, payer_name="DANA WHITFIELD"))
    for_lee = page(client, paid(drawer, clerk, theirs, payer_name="Dana Whitfield"))

    # Then each page names the bill's holder, address and parcel or account; only the second
    # says that the payer is not the holder.
    assert "Account of Dana Whitfield · 108 E Green St, Ithaca" in alone
    assert "parcel 24.-3-1" in alone
    assert "not the account holder" not in alone
    assert "Account of Lee Okafor · 5 Cayuga St" in for_lee
    assert "water account 02-10457" in for_lee
    assert "not the account holder" in for_lee


def test_a_fee_sale_names_its_payer_without_calling_them_not_the_holder(client, drawer, clerk):
    # Given a fee sale (no bill, so no account holder) paid by a named resident.
    payment = payment_record(
        drawer=drawer,
        items=[FeeItem(fee("tag_sheet").pk, quantity=1)],
        tenders=[cash("100.00")],
        token=uuid.uuid4(),
        by=clerk,
        payer_name="Sam Ortiz",
    )
    client.force_login(clerk)

    shown = page(client, payment)

    # Then the payer is named, and not marked as someone other than an account holder.
    assert "Paid by Sam Ortiz" in shown
    assert "not the account holder" not in shown
