"""payments.services.payment_record: what a visit posts, and what it refuses."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from billing.models import BillType
from ledger.models import Book, JournalEntry
from ledger.selectors import trial_balance
from payments.errors import BillChanged, PaymentError, PolicyRefused, TokenReused
from payments.models import Payment, ReceiptSeries, Tender
from payments.selectors import drawer_cash_expected
from payments.services import BillItem, FeeItem, TenderIn, payment_record
from tests.payments.conftest import fee, issue, open_drawer

D = Decimal


def cash(amount: str) -> TenderIn:
    return TenderIn(kind="cash", amount=D(amount))


def check(amount: str, number: str = "1234") -> TenderIn:
    return TenderIn(kind="check", amount=D(amount), check_number=number, check_payer="Dana")


def card(amount: str, last4: str = "4242") -> TenderIn:
    return TenderIn(
        kind="card",
        amount=D(amount),
        card_brand="visa",
        card_last4=last4,
        authorization_code="A1B2C3",
        terminal_reference="T-77",
    )


def test_a_visit_pays_bills_and_fees_with_split_tenders(drawer, clerk, dana, supervisor):
    tax = issue(dana, supervisor, amount="1200.00")
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="85.40")
    items = [
        BillItem(tax.pk, D("1200.00"), expected_due=D("1200.00")),
        BillItem(water.pk, D("85.40")),
        FeeItem(fee("tag_sheet").pk, quantity=2),
    ]
    payment = payment_record(
        drawer=drawer,
        items=items,
        tenders=[cash("50.00"), check("1289.40")],
        token=uuid.uuid4(),
        by=clerk,
        as_of=date(2026, 11, 26),
    )
    assert payment.total == D("1339.40")
    assert payment.change == D("0.00")
    assert payment.receipt_number == "CH-2026-000001"
    tax.refresh_from_db()
    water.refresh_from_db()
    assert tax.balance == 0 and water.balance == 0
    assert drawer_cash_expected(drawer) == D("260.00")  # float 210 + 50
    balance = trial_balance(book=Book.LIVE)
    assert balance.total_debits == balance.total_credits


def test_cash_gives_change_and_only_net_cash_stays(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="37.25")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("37.25"))],
        tenders=[cash("50.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    assert payment.change == D("12.75")
    assert payment.tendered == D("50.00")
    assert drawer_cash_expected(drawer) == D("210.00") + D("37.25")


def test_penalty_and_interest_are_assessed_and_paid_first(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("100.00"))],
        tenders=[cash("100.00")],
        token=uuid.uuid4(),
        by=clerk,
        as_of=date(2026, 11, 26),
    )
    item = payment.items.get()
    assert item.penalty_assessed + item.interest_assessed > 0
    assert item.principal_paid == D("100.00") - item.penalty_paid - item.interest_paid
    bill.refresh_from_db()
    assert bill.penalty_balance == item.penalty_assessed - item.penalty_paid
    assert bill.balance == bill.principal_balance + bill.penalty_balance + bill.interest_balance


def test_same_token_twice_posts_once_and_another_cart_is_refused(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    token = uuid.uuid4()
    args = dict(drawer=drawer, tenders=[cash("40.00")], token=token, by=clerk)
    first = payment_record(items=[BillItem(bill.pk, D("40.00"))], **args)
    again = payment_record(items=[BillItem(bill.pk, D("40.00"))], **args)
    assert again.pk == first.pk
    with pytest.raises(TokenReused, match="already posted receipt"):
        payment_record(items=[BillItem(bill.pk, D("20.00"))], **args)
    assert Payment.objects.count() == 1


def test_a_bill_paid_elsewhere_is_refused_with_the_new_amount(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    with pytest.raises(BillChanged, match=r"now owes \$40.00") as caught:
        payment_record(
            drawer=drawer,
            items=[BillItem(bill.pk, D("30.00"), expected_due=D("50.00"))],
            tenders=[cash("40.00")],
            token=uuid.uuid4(),
            by=clerk,
        )
    assert caught.value.refreshed == {bill.pk: D("40.00")}
    assert Payment.objects.count() == 0


def test_checks_may_not_exceed_the_amount_due(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    with pytest.raises(PaymentError, match="may not exceed the amount due"):
        payment_record(
            drawer=drawer,
            items=[BillItem(bill.pk, D("40.00"))],
            tenders=[check("50.00")],
            token=uuid.uuid4(),
            by=clerk,
        )
    assert not ReceiptSeries.objects.exclude(last_number=0)


def test_parking_tickets_are_paid_in_full_unless_a_supervisor_overrides(
    drawer, clerk, dana, supervisor
):
    ticket = issue(dana, supervisor, bill_type=BillType.PARKING, amount="45.00")
    args = dict(drawer=drawer, items=[BillItem(ticket.pk, D("20.00"))], tenders=[cash("20.00")])
    with pytest.raises(PolicyRefused, match="paid in full"):
        payment_record(token=uuid.uuid4(), by=clerk, **args)
    payment = payment_record(token=uuid.uuid4(), by=clerk, approved_by=supervisor, **args)
    assert payment.approved_by == supervisor
    assert payment.overrides


def test_training_drawer_posts_to_the_training_book_only(clerk, office, dana, supervisor):
    drawer = open_drawer(clerk, office, training=True)
    bill = issue(dana, supervisor, amount="40.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("40.00"))],
        tenders=[card("40.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    assert payment.receipt_number.startswith("TR-CH-")
    assert JournalEntry.objects.get(pk=payment.entry_id).book == Book.TRAINING
    bill.refresh_from_db()
    assert bill.balance == D("40.00")
    assert Tender.objects.get(payment=payment).card_last4 == "4242"


def test_two_lines_of_the_same_tags_cannot_sell_more_than_the_drawer_holds(clerk, office):
    drawer = open_drawer(clerk, office, tag_sheets=5)
    sheets = fee("tag_sheet").pk
    with pytest.raises(PaymentError, match="the drawer holds only 0 more"):
        payment_record(
            drawer=drawer,
            items=[FeeItem(sheets, quantity=5), FeeItem(sheets, quantity=5)],
            tenders=[cash("270.00")],
            token=uuid.uuid4(),
            by=clerk,
        )
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("tenders", "message"),
    [
        ([cash("4000.00")], r"Change of \$3,960.00 is more than a \$100.00 note"),
        ([cash("999999999999.99"), cash("999999999999.99")], "more than the books can hold"),
    ],
)
def test_a_mistyped_cash_tender_is_refused(drawer, clerk, dana, supervisor, tenders, message):
    bill = issue(dana, supervisor, amount="40.00")
    with pytest.raises(PaymentError, match=message):
        payment_record(
            drawer=drawer,
            items=[BillItem(bill.pk, D("40.00"))],
            tenders=tenders,
            token=uuid.uuid4(),
            by=clerk,
        )
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("last4", ["١٢٣٤", "12a4", "\uff14\uff12\uff14\uff12"])
def test_only_ascii_digits_make_a_card_last_four(drawer, clerk, dana, supervisor, last4):
    bill = issue(dana, supervisor, amount="40.00")
    with pytest.raises(PaymentError, match="exactly 4 digits"):
        payment_record(
            drawer=drawer,
            items=[BillItem(bill.pk, D("40.00"))],
            tenders=[card("40.00", last4=last4)],
            token=uuid.uuid4(),
            by=clerk,
        )


def test_a_card_number_in_the_payer_name_is_refused(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    with pytest.raises(PaymentError, match="full card number"):
        payment_record(
            drawer=drawer,
            items=[BillItem(bill.pk, D("40.00"))],
            tenders=[cash("40.00")],
            token=uuid.uuid4(),
            by=clerk,
            payer_name="4111 1111 1111 1111 12/27",
        )
