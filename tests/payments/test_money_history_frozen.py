"""The counter's money history is frozen in PostgreSQL (payments 0003): raw-SQL edits and
deletes of payments, tenders, items, drawers, counts, cash movements and reversals are refused,
only the state columns change, and `ledger_verify` proves each drawer's cash, checks and card
against its ledger lines and finds a frozen-history trigger that was disabled."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ledger.selectors import ledger_violations
from payments.models import CashMovement, Payment, PaymentReversal
from payments.services import (
    BillItem,
    TenderIn,
    cash_movement_record,
    payment_record,
    payment_refund,
    payment_void,
)
from tests.payments.conftest import issue, new_user, open_drawer

D = Decimal


def _card(amount: str) -> TenderIn:
    return TenderIn(
        kind="card",
        amount=D(amount),
        card_brand="visa",
        card_last4="4242",
        authorization_code="A1B2C3",
        terminal_reference="T-77",
    )


def _check(amount: str) -> TenderIn:
    return TenderIn(kind="check", amount=D(amount), check_number="301", check_payer="Dana")


def _pay(drawer, clerk, bill, amount: str, tenders) -> Payment:
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=tenders,
        token=uuid.uuid4(),
        by=clerk,
    )


@pytest.fixture
def history(drawer, clerk, office, dana, supervisor):
    """A day at window 1: a float of $210.00; a $100.00 tax bill paid with $60.00 cash, a
    $30.00 check and a $20.00 card ($10.00 change); a $50.00 water bill paid in cash and voided;
    a $40.00 bill paid by card and refunded from window 2; a $25.00 drop to the safe."""
    tax = issue(dana, supervisor, amount="100.00")
    paid = _pay(
        drawer,
        clerk,
        tax,
        "100.00",
        [TenderIn(kind="cash", amount=D("60.00")), _check("30.00"), _card("20.00")],
    )
    voided = _pay(
        drawer, clerk, issue(dana, supervisor, amount="50.00"), "50.00", [TenderIn("cash", D("50"))]
    )
    payment_void(payment=voided, reason="Wrong bill", by=clerk, approved_by=supervisor)
    refunded = _pay(drawer, clerk, issue(dana, supervisor, amount="40.00"), "40.00", [_card("40")])
    other = new_user("second-clerk")
    refunding = open_drawer(other, office, number=2)
    payment_refund(
        payment=refunded, reason="Paid twice", by=other, approved_by=supervisor, drawer=refunding
    )
    movement = cash_movement_record(drawer=drawer, kind="drop", amount=D("25.00"), by=clerk)
    return {"paid": paid, "drawer": drawer, "refunding": refunding, "movement": movement}


@contextmanager
def _disabled(table: str, trigger: str) -> Iterator[None]:
    """A trigger switched off for the block (DDL outlives a transactional test's flush)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def _drawer_rows() -> list[str]:
    return [v.detail for v in ledger_violations() if v.rule.startswith("drawer's cash")]


@pytest.mark.django_db(transaction=True)
def test_each_drawer_ties_to_its_ledger_lines(history):
    # Window 1: cash 210 + 60 - 10 (change) + 50 - 50 (void) - 25 = 235; checks 30; card 20 + 40.
    # Window 2 paid the $40.00 refund back to the card: card -40.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.drawer_id, a.code, sum(l.amount) FROM ledger_journalline l"
            " JOIN ledger_account a ON a.id = l.account_id WHERE l.drawer_id IS NOT NULL"
            " GROUP BY 1, 2 ORDER BY 1, 2"
        )
        sums = cursor.fetchall()
    window1, window2 = history["drawer"].pk, history["refunding"].pk
    assert sums == [
        (window1, "1000", D("235.00")),
        (window1, "1010", D("30.00")),
        (window1, "1020", D("60.00")),
        (window2, "1000", D("210.00")),
        (window2, "1020", D("-40.00")),
    ]
    assert ledger_violations() == []


MONEY_EDITS = [
    ("UPDATE payments_payment SET total = total - 1, tendered = tendered - 1", "its amounts"),
    ("UPDATE payments_payment SET office_id = office_id", None),  # no change: allowed
    ("UPDATE payments_payment SET receipt_sequence = receipt_sequence + 100", "its amounts"),
    ("UPDATE payments_payment SET posted_on = posted_on - 1", "its amounts"),
    ("UPDATE payments_payment SET payer_name = 'Someone else'", "its amounts"),
    ("UPDATE payments_payment SET customer_id = NULL", "its customer cannot change"),
    ("DELETE FROM payments_payment", "cannot be deleted"),
    ("UPDATE payments_paymentitem SET principal_paid = 0", "items of a posted receipt"),
    ("DELETE FROM payments_paymentitem", "cannot be deleted"),
    ("UPDATE payments_tender SET amount = amount + 5", "tenders of a posted receipt"),
    ("UPDATE payments_tender SET check_number = '999' WHERE kind = 'check'", "tenders of"),
    ("UPDATE payments_tender SET card_last4 = '1111' WHERE kind = 'card'", "tenders of"),
    ("DELETE FROM payments_tender", "cannot be deleted"),
    ("UPDATE payments_drawer SET opening_float = 500", "its float, clerk, window"),
    ("UPDATE payments_drawer SET clerk_id = clerk_id + 1", "its float, clerk, window"),
    ("UPDATE payments_drawer SET opening_entry_id = NULL", "its float, clerk, window"),
    ("DELETE FROM payments_drawer", "record money and cannot be deleted"),
    ("UPDATE payments_denominationcount SET quantity = quantity + 1", "cannot be changed"),
    ("DELETE FROM payments_denominationcount", "record money and cannot be deleted"),
    ("UPDATE payments_stockcount SET quantity = quantity + 1", "cannot be changed"),
    ("UPDATE payments_cashmovement SET amount = 1", "cannot be changed"),
    ("DELETE FROM payments_cashmovement", "record money and cannot be deleted"),
    ("UPDATE payments_paymentreversal SET amount = 1", "cannot be changed"),
    ("UPDATE payments_paymentreversal SET reason = 'edited'", "cannot be changed"),
    ("DELETE FROM payments_paymentreversal", "record money and cannot be deleted"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("statement", "refusal"), MONEY_EDITS)
def test_raw_edits_of_money_history_are_refused(history, statement, refusal):
    if refusal is None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        return
    with (
        pytest.raises(DatabaseError, match=refusal),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_the_state_columns_still_change(history, supervisor):
    paid, drawer = history["paid"], history["drawer"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE payments_payment SET needs_review = false, reviewed_by_id = %s,"
            " reviewed_at = now(), reprints = reprints + 1, status = 'returned' WHERE id = %s",
            [supervisor.pk, paid.pk],
        )
        cursor.execute(
            "UPDATE payments_tender SET returned = true WHERE payment_id = %s AND kind = 'check'",
            [paid.pk],
        )
        cursor.execute(
            "UPDATE payments_drawer SET status = 'closed', closed_at = now() WHERE id = %s",
            [drawer.pk],
        )
    paid.refresh_from_db()
    assert (paid.status, paid.reprints, paid.reviewed_by) == ("returned", 1, supervisor)
    assert paid.tenders.get(kind="check").returned is True


@pytest.mark.django_db(transaction=True)
def test_a_walk_in_payment_may_be_given_its_customer_once(drawer, clerk, dana, supervisor):
    from billing.models import FeeType
    from payments.services import FeeItem

    walk_in = payment_record(
        drawer=drawer,
        items=[FeeItem(FeeType.objects.get(code="tag_sheet").pk, quantity=1)],
        tenders=[_check("27.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    assert walk_in.customer_id is None
    Payment.objects.filter(pk=walk_in.pk).update(customer=dana)
    with pytest.raises(DatabaseError, match="its customer cannot change"), transaction.atomic():
        Payment.objects.filter(pk=walk_in.pk).update(customer=None)


@pytest.mark.django_db(transaction=True)
def test_verify_finds_a_drawer_whose_cash_movement_was_edited_with_triggers_off(history, capsys):
    # Given a drop of $25.00 rewritten to $5.00 while its trigger was disabled
    movement: CashMovement = history["movement"]
    with _disabled("payments_cashmovement", "cash_movement_frozen"):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE payments_cashmovement SET amount = 5 WHERE id = %s", [movement.pk]
            )
        # When ledger_verify runs, then it names both the drawer and the disabled trigger
        with pytest.raises(CommandError, match="2 ledger invariant violation"):
            call_command("ledger_verify", stdout=open("/dev/null", "w"))  # noqa: SIM115
    err = capsys.readouterr().err
    window1 = history["drawer"].pk
    assert (
        f"drawer {window1} should hold cash 255.00, checks 30.00, card 60.00 but its ledger "
        "lines hold cash 235.00, checks 30.00, card 60.00"
    ) in err
    assert "invariant trigger disabled: cash_movement_frozen on payments_cashmovement" in err


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("table", "trigger"),
    [
        ("payments_payment", "payment_frozen"),
        ("payments_tender", "tender_frozen"),
        ("payments_drawer", "drawer_frozen"),
        ("payments_denominationcount", "denomination_count_frozen"),
        ("payments_paymentreversal", "payment_reversal_frozen"),
        ("billing_penaltywaiver", "penalty_waiver_frozen"),
    ],
)
def test_verify_finds_each_disabled_history_trigger(history, table, trigger):
    assert ledger_violations() == []
    with _disabled(table, trigger):
        assert [(v.rule, v.detail) for v in ledger_violations()] == [
            ("invariant trigger disabled", f"{trigger} on {table}")
        ]


@pytest.mark.django_db(transaction=True)
def test_verify_finds_a_refund_rewritten_to_another_drawer(history):
    # Given the refund's reversal row moved to window 1 with its trigger off
    reversal = PaymentReversal.objects.get(kind="refund")
    with _disabled("payments_paymentreversal", "payment_reversal_frozen"):
        PaymentReversal.objects.filter(pk=reversal.pk).update(drawer=history["drawer"])
    # Then both drawers are named
    window1, window2 = history["drawer"].pk, history["refunding"].pk
    assert _drawer_rows() == [
        f"drawer {window1} should hold cash 235.00, checks 30.00, card 20.00 but its ledger "
        "lines hold cash 235.00, checks 30.00, card 60.00",
        f"drawer {window2} should hold cash 210.00, checks 0.00, card 0.00 but its ledger "
        "lines hold cash 210.00, checks 0.00, card -40.00",
    ]


@pytest.mark.django_db(transaction=True)
def test_verify_finds_a_trigger_set_to_fire_only_for_replication(history):
    # ENABLE REPLICA leaves the trigger "enabled" but silent for the application's sessions.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE payments_tender ENABLE REPLICA TRIGGER tender_frozen")
    try:
        assert [(v.rule, v.detail) for v in ledger_violations()] == [
            ("invariant trigger disabled", "tender_frozen on payments_tender")
        ]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE payments_tender ENABLE TRIGGER tender_frozen")
