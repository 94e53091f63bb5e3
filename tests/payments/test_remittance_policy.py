"""payments.services.remittance.items_checked against the bills' payment policies: a check where the
policy takes no checks (mail, lockbox), a card payment where it takes no cards (vendor), a
boot-eligible vehicle's ticket (cash only at the window); set-based for a whole file."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import BillType, Vehicle
from payments.models import PaymentPolicy, RemittanceItem, TenderKind
from payments.remittance_files import remittance_file_write
from payments.services.remittance import (
    ItemIn,
    items_checked,
    remittance_file_import,
    remittance_sources_seed,
)
from tests.payments.conftest import issue
from tests.payments.test_remittance_mail import add, open_batch
from tests.payments.test_reversals import books_are_clean

D = Decimal
transactional = pytest.mark.django_db(transaction=True)


def parking_policy(**options) -> None:
    PaymentPolicy.objects.filter(applies_to=PaymentPolicy.AppliesTo.PARKING).update(**options)


def tickets(customer, by, vehicle, count: int, amount: str = "50.00"):
    return [
        issue(customer, by, bill_type=BillType.PARKING, amount=amount, vehicle=vehicle)
        for _ in range(count)
    ]


@transactional
def test_a_mailed_check_for_a_bill_whose_policy_takes_no_checks_is_an_exception(
    office, clerk, dana, supervisor
):
    # given parking tickets take no checks, and a water bill that does
    parking_policy(accepts_check=False)
    ticket = issue(dana, supervisor, bill_type=BillType.PARKING, amount="50.00")
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="80.00")
    batch = open_batch(office, clerk, "130.00", 2)
    # when a check for each is keyed
    refused = add(batch, clerk, ticket.number, "50.00", number="11")
    taken = add(batch, clerk, water.number, "80.00", number="12")
    # then the ticket's is an exception saying why, the water bill's is clean
    assert (refused.state, refused.reason) == ("exception", "tender_refused")
    assert refused.message.startswith(
        f"Parking tickets take no checks (payment policy): bill {ticket.number}"
    )
    assert taken.state == "clean"


@transactional
def test_a_vendor_card_payment_is_checked_against_accepts_card(office, clerk, dana, supervisor):
    # given parking tickets take no cards, and a vendor file paying a ticket and a water bill
    parking_policy(accepts_card=False)
    _, vendor = remittance_sources_seed(office=office)
    ticket = issue(dana, supervisor, bill_type=BillType.PARKING, amount="50.00")
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="80.00")
    today = timezone.localdate()
    rows = [
        {
            "paid_on": today,
            "scanline": bill.number,
            "amount": bill.balance,
            "fee": "1.00",
            "card_brand": "Visa",
            "card_last4": "4242",
            "reference": f"PC-{n}",
        }
        for n, bill in enumerate([ticket, water])
    ]
    # when it is imported
    batch = remittance_file_import(
        source=vendor,
        file_name="vendor.csv",
        content=remittance_file_write("vendor", rows, deposit_date=today),
        by=clerk,
    )
    # then the ticket's payment is held as an exception, the water bill is paid
    held, paid = batch.items.order_by("sequence")
    assert (held.state, held.reason) == ("exception", "tender_refused")
    assert "take no card payments" in held.message
    assert paid.state == "applied"
    books_are_clean()


@transactional
def test_a_boot_eligible_vehicles_ticket_is_cash_only_at_the_window(
    office, clerk, dana, supervisor
):
    # given a vehicle with five unpaid tickets (boot-eligible) and one with a single ticket
    booted = Vehicle.objects.create(plate="BOOT123", state="NY", customer=dana)
    fine = Vehicle.objects.create(plate="FINE123", state="NY", customer=dana)
    five = tickets(dana, supervisor, booted, 5)
    (one,) = tickets(dana, supervisor, fine, 1)
    batch = open_batch(office, clerk, "100.00", 2)
    # when a check for one ticket of each is keyed
    refused = add(batch, clerk, five[0].number, "50.00", number="21")
    taken = add(batch, clerk, one.number, "50.00", number="22")
    # then the booted vehicle's ticket is cash only, the other is clean
    assert (refused.state, refused.reason) == ("exception", "cash_only")
    assert refused.message == (
        f"Ticket {five[0].number}'s vehicle is boot-eligible: cash only at the window. "
        "Return the payment to the sender."
    )
    assert taken.state == "clean"
    # and when the policy no longer asks for cash, the same check is clean
    parking_policy(cash_only_when_boot_eligible=False)
    verdict = items_checked([ItemIn(five[1].number, D("50.00"), timezone.localdate())])[0]
    assert verdict.state == RemittanceItem.State.CLEAN


@pytest.mark.django_db
def test_policy_checks_are_set_based(office, dana, supervisor):
    # given two boot-eligible vehicles' tickets and plain tickets
    parking_policy(accepts_check=True)
    cars = [Vehicle.objects.create(plate=f"CAR{n}", state="NY", customer=dana) for n in range(4)]
    few = tickets(dana, supervisor, cars[0], 5) + tickets(dana, supervisor, cars[1], 1)
    many = few + tickets(dana, supervisor, cars[2], 5) + tickets(dana, supervisor, cars[3], 2)
    today = timezone.localdate()

    def queries(bills) -> int:
        entered = [ItemIn(b.number, b.balance, today) for b in bills]
        with CaptureQueriesContext(connection) as seen:
            verdicts = items_checked(entered, tender_kind=TenderKind.CHECK)
        assert [v.reason == "cash_only" for v in verdicts] == [
            b.vehicle_id in (cars[0].pk, cars[2].pk) for b in bills
        ]
        return len(seen.captured_queries)

    # then checking 6 items or 13 takes the same number of queries (after a first call has
    # loaded what is cached per process, the scanline scheme)
    queries(few)
    assert queries(few) == queries(many)
