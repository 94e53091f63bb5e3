"""reconciliation.services.drawer_close_count / drawer_close_sign_off: the blind count, the close
entry (drawer to safe, float to the change fund, the difference to 5000), sign-off beyond the
tolerance by another Supervisor, missing and extra checks, the card batch and stock."""

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command

from ledger.models import JournalLine
from payments.models import Drawer
from payments.selectors import custody_held
from reconciliation.errors import CloseError, SignOffRequired
from reconciliation.models import CloseCheck, CloseStock, CustodyTransfer, DrawerClose
from reconciliation.services import ExtraCheck, drawer_close_count, drawer_close_sign_off
from reconciliation.services.custody import ReconciliationSource
from tests.reconciliation.conftest import card, check, fee, issue, pay

D = Decimal
FLOAT = {"$20 bills": 10, "Quarters": 40}  # the fixture drawer's float: $210.00


def close(drawer, by, *, counts=None, checks=(), card_total="0.00", stock=None, **extra):
    return drawer_close_count(
        drawer=drawer,
        counts=dict(FLOAT) if counts is None else counts,
        checks=list(checks),
        card_batch_total=D(card_total),
        stock=stock if stock is not None else {},
        by=by,
        token=extra.pop("token", None) or uuid.uuid4(),
        **extra,
    )


def lines_by_account(entry) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in JournalLine.objects.filter(entry=entry).select_related("account"):
        totals[line.account.code] = totals.get(line.account.code, D("0")) + line.amount
    return totals


def verify_clean():
    call_command("ledger_verify")  # raises SystemExit on any violation


def test_a_count_within_tolerance_with_a_receiver_closes_at_once(
    drawer, clerk, supervisor, office, dana
):
    pay(drawer, clerk, issue(dana, clerk, amount="100.00"))  # $100 cash

    done = close(drawer, clerk, counts={"$20 bills": 15, "Quarters": 40}, received_by=supervisor)

    assert done.status == DrawerClose.Status.CLOSED
    assert (done.expected_cash, done.counted_cash) == (D("310.00"), D("310.00"))
    assert done.over_short == 0
    assert done.float_returned == D("210.00")
    assert Drawer.objects.get(pk=drawer.pk).status == Drawer.Status.CLOSED
    posted = lines_by_account(done.entry)
    assert posted == {"1000": D("-310.00"), "1030": D("210.00"), "1035": D("100.00")}
    assert done.entry.source == ReconciliationSource.DRAWER_CLOSE
    transfer = CustodyTransfer.objects.get(entry=done.entry)
    assert transfer.kind == CustodyTransfer.Kind.DRAWER_TO_SAFE
    assert (transfer.handed_by, transfer.received_by) == (clerk, supervisor)
    assert custody_held(office, "1035") == D("100.00")
    verify_clean()


def test_a_small_overage_posts_to_over_short(drawer, clerk, supervisor):
    done = close(drawer, clerk, counts={"$20 bills": 10, "Quarters": 48}, received_by=supervisor)

    assert done.status == DrawerClose.Status.CLOSED
    assert done.over_short == D("2.00")
    posted = lines_by_account(done.entry)
    assert posted["5000"] == D("-2.00")  # an overage is a credit to over/short
    assert posted["1030"] == D("210.00") and posted["1035"] == D("2.00")
    verify_clean()


def test_a_shortage_beyond_tolerance_waits_for_another_supervisors_sign_off(
    drawer, clerk, supervisor, supervisor2, office, dana
):
    pay(drawer, clerk, issue(dana, clerk, amount="100.00"))

    counted = close(drawer, clerk, counts={"$20 bills": 14, "Quarters": 40}, received_by=supervisor)

    assert counted.status == DrawerClose.Status.COUNTED
    assert counted.over_short == D("-20.00")
    assert counted.entry is None
    assert Drawer.objects.get(pk=drawer.pk).status == Drawer.Status.CLOSING
    with pytest.raises(SignOffRequired, match="Only a Supervisor"):
        drawer_close_sign_off(close=counted, by=clerk, reason="fine")
    with pytest.raises(SignOffRequired, match="say why"):
        drawer_close_sign_off(close=counted, by=supervisor, reason="  ")

    done = drawer_close_sign_off(
        close=counted, by=supervisor2, reason="Twenty short, counted twice"
    )

    assert done.status == DrawerClose.Status.CLOSED
    assert done.signed_off_by == supervisor2
    assert done.sign_off_reason == "Twenty short, counted twice"
    posted = lines_by_account(done.entry)
    assert posted == {
        "1000": D("-310.00"),
        "1030": D("210.00"),
        "1035": D("80.00"),
        "5000": D("20.00"),  # a shortage is a debit (an expense)
    }
    assert CustodyTransfer.objects.get(entry=done.entry).received_by == supervisor2
    assert Drawer.objects.get(pk=drawer.pk).status == Drawer.Status.CLOSED
    # A repeated submit of the same sign-off returns the close as it stands.
    assert drawer_close_sign_off(close=counted, by=supervisor2, reason="again").pk == done.pk
    verify_clean()


def test_the_supervisor_who_counted_may_not_sign_off_the_count(drawer, supervisor, supervisor2):
    counted = close(drawer, supervisor, counts={"$20 bills": 9}, witness=supervisor2)
    assert counted.status == DrawerClose.Status.COUNTED

    with pytest.raises(SignOffRequired, match="one who counted"):
        drawer_close_sign_off(close=counted, by=supervisor, reason="short")


def test_the_clerk_may_not_sign_off_their_own_drawer_even_as_a_supervisor(
    office, supervisor, supervisor2
):
    from tests.reconciliation.conftest import open_drawer

    own = open_drawer(supervisor, office, number=2)
    counted = close(own, supervisor, counts={"$20 bills": 9, "Quarters": 40})
    assert counted.status == DrawerClose.Status.COUNTED

    with pytest.raises(SignOffRequired, match="their own drawer"):
        drawer_close_sign_off(close=counted, by=supervisor, reason="short")
    assert drawer_close_sign_off(close=counted, by=supervisor2, reason="short").entry


def test_within_tolerance_without_a_receiver_waits_for_a_supervisor_to_confirm(
    drawer, clerk, supervisor
):
    counted = close(drawer, clerk)

    assert counted.status == DrawerClose.Status.COUNTED
    assert Drawer.objects.get(pk=drawer.pk).status == Drawer.Status.CLOSING
    done = drawer_close_sign_off(close=counted, by=supervisor, reason="")  # no reason needed
    assert done.status == DrawerClose.Status.CLOSED
    assert lines_by_account(done.entry) == {"1000": D("-210.00"), "1030": D("210.00")}


def test_missing_and_extra_checks_are_named_and_post_the_difference(
    drawer, clerk, supervisor, supervisor2, office, dana
):
    pay(drawer, clerk, issue(dana, clerk, amount="40.00"), check("40.00", "101", "A. Payer"))
    pay(drawer, clerk, issue(dana, clerk, amount="60.00"), check("60.00", "102", "B. Payer"))
    first = drawer.payments.order_by("id").first().tenders.get()

    counted = close(
        drawer,
        clerk,
        checks=[first.pk, ExtraCheck("9001", "C. Stranger", D("15.00"))],
        received_by=supervisor,
    )

    states = {c.check_number: c.state for c in counted.checks.all()}
    assert states == {
        "101": CloseCheck.State.PRESENT,
        "102": CloseCheck.State.MISSING,
        "9001": CloseCheck.State.EXTRA,
    }
    assert (counted.expected_checks, counted.counted_checks) == (D("100.00"), D("55.00"))
    assert counted.status == DrawerClose.Status.COUNTED  # $45 short: beyond $5
    done = drawer_close_sign_off(close=counted, by=supervisor2, reason="Check 102 lost")
    posted = lines_by_account(done.entry)
    assert posted["1010"] == D("-100.00")
    assert posted["1036"] == D("55.00")
    assert posted["5000"] == D("45.00")
    assert custody_held(office, "1036") == D("55.00")
    verify_clean()


def test_a_card_batch_off_from_the_card_charges_posts_the_difference(
    drawer, clerk, supervisor, dana
):
    pay(drawer, clerk, issue(dana, clerk, amount="75.00"), card("75.00"))

    done = close(drawer, clerk, card_total="72.00", received_by=supervisor)

    assert done.status == DrawerClose.Status.CLOSED  # $3 within the $5 tolerance
    assert (done.expected_card, done.card_batch_total) == (D("75.00"), D("72.00"))
    posted = lines_by_account(done.entry)
    assert posted["1020"] == D("-3.00")  # -75 naming the drawer, +72 the batch
    assert posted["5000"] == D("3.00")
    batch = JournalLine.objects.get(entry=done.entry, account__code="1020", amount=D("72.00"))
    assert batch.drawer_id is None
    verify_clean()


def test_stock_is_counted_against_what_the_drawer_should_hold(drawer, clerk, supervisor):
    sheet, single = fee("tag_sheet"), fee("tag_single")

    done = close(drawer, clerk, stock={sheet.pk: 48, single.pk: 100}, received_by=supervisor)

    rows = {s.fee_type_id: (s.expected, s.counted) for s in CloseStock.objects.filter(close=done)}
    assert rows == {sheet.pk: (50, 48), single.pk: (100, 100)}


def test_the_same_token_twice_counts_once(drawer, clerk, supervisor):
    token = uuid.uuid4()
    first = close(drawer, clerk, token=token, received_by=supervisor)
    again = close(drawer, clerk, token=token, received_by=supervisor)

    assert again.pk == first.pk
    assert DrawerClose.objects.count() == 1


def test_a_drawer_counted_already_is_not_counted_again(drawer, clerk):
    close(drawer, clerk)
    with pytest.raises(CloseError, match="not open"):
        close(drawer, clerk)


def test_another_clerk_may_not_close_the_drawer(drawer, office):
    from tests.reconciliation.conftest import new_user

    other = new_user("other-clerk")
    with pytest.raises(CloseError, match="Only the drawer's clerk"):
        close(drawer, other)


def test_a_supervisor_closes_a_drawer_left_open_only_with_a_witness(
    drawer, clerk, supervisor, supervisor2
):
    with pytest.raises(CloseError, match="witness"):
        close(drawer, supervisor)
    with pytest.raises(CloseError, match="another person"):
        close(drawer, supervisor, witness=supervisor)

    done = close(drawer, supervisor, witness=supervisor2)

    assert done.status == DrawerClose.Status.CLOSED
    assert (done.counted_by, done.witness) == (supervisor, supervisor2)
    transfer = CustodyTransfer.objects.get(entry=done.entry)
    assert (transfer.handed_by, transfer.received_by) == (supervisor, supervisor2)
    verify_clean()


def test_a_payment_into_a_counted_drawer_is_refused(drawer, clerk, dana):
    from payments.errors import NoOpenDrawer

    close(drawer, clerk)
    with pytest.raises(NoOpenDrawer):
        pay(drawer, clerk, issue(dana, clerk, amount="10.00"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counts": {"$3 bills": 1}}, "not a note or coin"),
        ({"counts": {"Quarters": -1}}, "whole number"),
        ({"card_total": "-1.00"}, "0.00 or more"),
        ({"card_total": "1.001"}, "dollars and cents"),
        ({"checks": [ExtraCheck("", "x", D("1.00"))]}, "number"),
        ({"checks": [ExtraCheck("77", "x", D("0"))]}, "amount"),
        ({"checks": [999999]}, "not one this drawer holds"),
        ({"stock": {1: -2}}, "whole number"),
    ],
)
def test_a_bad_count_is_refused_with_a_message(drawer, clerk, kwargs, message):
    with pytest.raises(CloseError, match=message):
        close(drawer, clerk, **kwargs)
    assert not DrawerClose.objects.exists()


def test_a_training_drawer_closes_in_the_training_book_with_no_custody(
    trainee, supervisor, office, dana
):
    from ledger.models import Book
    from tests.reconciliation.conftest import open_drawer

    training = open_drawer(trainee, office, number=2, training=True)
    pay(training, trainee, issue(dana, trainee, amount="30.00"))
    held = custody_held(office, "1035")

    done = close(training, trainee, counts={"$20 bills": 12}, received_by=supervisor)

    assert done.status == DrawerClose.Status.CLOSED
    assert done.entry.book == Book.TRAINING
    assert not CustodyTransfer.objects.filter(entry=done.entry).exists()
    assert custody_held(office, "1035") == held
    verify_clean()
