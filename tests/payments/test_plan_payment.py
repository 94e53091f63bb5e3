"""payments.services.payment_record with a payment plan (RPTL 1184): paying a plan pays its
bills oldest first; late interest and charges are assessed once; a plan in default sends its
bills back to what they would owe without it; a void or refund puts everything back."""

import uuid
from datetime import date

import pytest

from billing.models import PaymentPlan, PlanCharge
from billing.plan_standing import Standing
from billing.selectors import amount_due, plan_of_bills, plans_at_risk, plans_on, search
from payments.errors import PaymentError
from payments.services import (
    BillItem,
    PlanItem,
    payment_record,
    payment_refund,
    payment_void,
    returned_check_record,
)
from tests.payments.conftest import cash, check, new_user, open_drawer
from tests.plans_fixtures import ENROLLED_ON, D, enroll, parcel_with_delinquent_taxes


@pytest.fixture
def plan_setup(reference, dana, supervisor):
    prop, older, newer = parcel_with_delinquent_taxes(dana, supervisor)
    plan = enroll(prop, [older, newer], dana, supervisor)
    return prop, older, newer, plan


def _pay_plan(drawer, clerk, plan, amount: str, as_of: date, expected: str | None = None):
    return payment_record(
        drawer=drawer,
        items=[PlanItem(plan.pk, D(amount), D(expected) if expected else None)],
        tenders=[cash(amount)],
        token=uuid.uuid4(),
        by=clerk,
        as_of=as_of,
    )


def _standing(plan, as_of):
    return plans_on(plan.property, as_of)[0]


def test_the_down_payment_pays_the_oldest_bill_first(plan_setup, drawer, clerk):
    _prop, older, _newer, plan = plan_setup
    # given a plan whose down payment of $250.00 is due on enrolment
    assert _standing(plan, ENROLLED_ON).due_now == D("250.00")
    # when it is paid
    payment = _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON, expected="250.00")
    # then the 2025 bill takes it all: its two months of interest, then principal
    item = payment.items.get()
    assert (item.bill_id, item.plan_id) == (older.pk, plan.pk)
    assert (item.interest_assessed, item.interest_paid, item.principal_paid) == (
        D("12.00"),
        D("12.00"),
        D("238.00"),
    )
    older.refresh_from_db()
    assert older.balance == D("362.00")
    # and the plan stands in good standing with installment 1 next
    standing = _standing(plan, date(2026, 4, 20))
    assert standing.standing == Standing.GOOD
    assert standing.paid == D("250.00")
    assert standing.remaining == D("766.00")
    assert (standing.next_due.installment.number, standing.due_now) == (1, D("0.00"))


def test_a_payment_over_the_first_bill_goes_on_to_the_next(plan_setup, drawer, clerk):
    _prop, older, newer, plan = plan_setup
    # when $700.00 is prepaid on enrolment
    payment = _pay_plan(drawer, clerk, plan, "700.00", ENROLLED_ON)
    # then the 2025 bill is paid off ($612.00) and $88.00 goes on the 2026 bill
    assert [(i.bill_id, i.amount) for i in payment.items.order_by("id")] == [
        (older.pk, D("612.00")),
        (newer.pk, D("88.00")),
    ]
    standing = _standing(plan, ENROLLED_ON)
    # installments 1-3 are paid ($250 + 3 x $127.67 = $633.01) and part of 4
    assert [row.state for row in standing.installments][:5] == [
        "paid",
        "paid",
        "paid",
        "paid",
        "part paid",
    ]


def test_late_installment_interest_and_charge_are_assessed_once(plan_setup, drawer, clerk):
    _prop, older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    # given installment 1 ($127.67 due Thursday April 30) unpaid on Saturday May 16: one month
    # of 1% ($1.28) and, 15 days past (the last day Friday May 15), the 5% charge ($6.38)
    standing = _standing(plan, date(2026, 5, 16))
    assert standing.standing == Standing.LATE
    row = standing.installments[1]
    assert (row.new_interest, row.new_charge) == (D("1.28"), D("6.38"))
    assert standing.due_now == D("135.33")
    # but on May 15 only the interest
    assert _standing(plan, date(2026, 5, 15)).due_now == D("128.95")
    # when the clerk takes what is due
    payment = _pay_plan(drawer, clerk, plan, "135.33", date(2026, 5, 16), expected="135.33")
    # then the charges are posted on the oldest unpaid bill, as penalty and interest, and paid
    item = payment.items.get()
    assert (item.bill_id, item.penalty_assessed, item.interest_assessed) == (
        older.pk,
        D("6.38"),
        D("1.28"),
    )
    assert item.principal_paid == D("127.67")
    assert sorted(PlanCharge.objects.values_list("kind", "amount")) == [
        ("interest", D("1.28")),
        ("late_charge", D("6.38")),
    ]
    # and the plan is in good standing again, nothing charged twice
    later = _standing(plan, date(2026, 5, 20))
    assert later.standing == Standing.GOOD
    assert later.new_charges == D("0.00")
    assert later.remaining == D("638.33")


def test_a_weekend_due_date_moves_to_monday(plan_setup, drawer, clerk):
    _prop, _older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "377.67", ENROLLED_ON)  # down payment and installment 1
    # installment 2 falls due Sunday May 31: Monday June 1 is still on time
    assert _standing(plan, date(2026, 6, 1)).standing == Standing.GOOD
    assert _standing(plan, date(2026, 6, 2)).standing == Standing.LATE


def test_a_plan_more_than_thirty_days_late_defaults_and_its_bills_revert(plan_setup, drawer, clerk):
    _prop, older, newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    # given installment 1 due April 30 unpaid: 30 days later is Saturday May 30, so the last
    # day to cure it is Monday June 1; late through June 1, in default from June 2
    assert _standing(plan, date(2026, 6, 1)).standing == Standing.LATE
    standing = _standing(plan, date(2026, 6, 2))
    assert standing.standing == Standing.DEFAULT
    assert standing.defaulted_on == date(2026, 6, 2)
    assert standing.new_charges == D("0.00")  # unpaid late charges vanish
    assert [s.plan.pk for s in plans_at_risk(date(2026, 6, 2))] == [plan.pk]
    # then on June 15 the bills owe as if there had been no plan:
    # 2025 bill: $362.00 principal; months 3-5 since January 30 (from March 31, May 1 and
    # June 1, the day after Saturday May 30 moved to Monday) at 1%: $3.62 x 3 = $10.86
    older.refresh_from_db()
    assert amount_due(older, date(2026, 6, 15)).total == D("372.86")
    # 2026 bill: $400.00 and four months since February 27: $16.00
    assert amount_due(newer, date(2026, 6, 15)).total == D("416.00")
    # and the plan takes no payment; its bills are paid one by one again
    with pytest.raises(PaymentError, match="in default since 06/02/2026"):
        _pay_plan(drawer, clerk, plan, "100.00", date(2026, 6, 15))
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(newer.pk, D("416.00"))],
        tenders=[cash("416.00")],
        token=uuid.uuid4(),
        by=clerk,
        as_of=date(2026, 6, 15),
    )
    assert payment.items.get().interest_assessed == D("16.00")


def test_reversion_rebuilds_interest_on_the_principal_each_month_began_with(
    plan_setup, drawer, clerk
):
    _prop, older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    # installment 1 paid late on May 16 with its charges: $127.67 of principal off the 2025 bill
    _pay_plan(drawer, clerk, plan, "135.33", date(2026, 5, 16))
    # installment 2 (due May 31, moved to June 1) is never paid: default from July 2
    assert _standing(plan, date(2026, 7, 1)).standing == Standing.LATE
    assert _standing(plan, date(2026, 7, 2)).standing == Standing.DEFAULT
    # then on July 15 the 2025 bill owes $234.33 of principal and interest for months 3-6:
    # month 3 (from March 31) and month 4 (from May 1) on $362.00, since May 16's payment came
    # after they began ($3.62 each); months 5 (June 1) and 6 (June 30 + 1) on $234.33 ($2.34)
    older.refresh_from_db()
    due = amount_due(older, date(2026, 7, 15))
    assert due.new_interest == D("3.62") * 2 + D("2.34") * 2
    assert due.total == D("234.33") + D("11.92")


def test_a_bill_in_a_plan_is_not_paid_on_its_own(plan_setup, drawer, clerk):
    _prop, older, _newer, plan = plan_setup
    with pytest.raises(PaymentError, match=f"is in payment plan {plan.number}"):
        payment_record(
            drawer=drawer,
            items=[BillItem(older.pk, D("612.00"))],
            tenders=[cash("612.00")],
            token=uuid.uuid4(),
            by=clerk,
            as_of=ENROLLED_ON,
        )


def test_partial_payments_and_limits(plan_setup, drawer, clerk):
    _prop, _older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    # less than the late charges is refused; more than the rest is refused
    with pytest.raises(PaymentError, match=r"owes \$7.66 of late interest and charges"):
        _pay_plan(drawer, clerk, plan, "5.00", date(2026, 5, 16))
    with pytest.raises(PaymentError, match=r"needs to finish \(\$773.66\)"):
        _pay_plan(drawer, clerk, plan, "800.00", date(2026, 5, 16))
    # a partial payment covers the charges, then part of installment 1
    _pay_plan(drawer, clerk, plan, "50.00", date(2026, 5, 16))
    standing = _standing(plan, date(2026, 5, 20))
    assert standing.installments[1].unpaid == D("127.67") - D("42.34")
    # and what was shown but changed is refused
    with pytest.raises(PaymentError, match="now has"):
        _pay_plan(drawer, clerk, plan, "10.00", date(2026, 5, 20), expected="99.00")


def test_paying_the_whole_plan_completes_it(plan_setup, drawer, clerk):
    prop, _older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "1016.00", ENROLLED_ON)
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.COMPLETED
    assert plans_on(prop, ENROLLED_ON) == []


def test_a_void_puts_bills_installments_and_charges_back(plan_setup, drawer, clerk, supervisor):
    _prop, older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    before = _standing(plan, date(2026, 5, 16))
    older.refresh_from_db()
    was = (older.balance, older.penalty_balance, older.interest_balance, older.principal_balance)
    payment = _pay_plan(drawer, clerk, plan, "135.33", date(2026, 5, 16))
    # when the late payment is voided
    payment_void(payment=payment, reason="wrong plan", by=clerk, approved_by=supervisor)
    # then the bill, the installments and the late charges are as before it
    older.refresh_from_db()
    assert (
        older.balance,
        older.penalty_balance,
        older.interest_balance,
        older.principal_balance,
    ) == was
    after = _standing(plan, date(2026, 5, 16))
    assert (after.paid, after.due_now, after.new_charges) == (
        before.paid,
        before.due_now,
        before.new_charges,
    )


def test_a_void_of_the_completing_payment_reactivates_the_plan(
    plan_setup, drawer, clerk, supervisor
):
    _prop, older, _newer, plan = plan_setup
    payment = _pay_plan(drawer, clerk, plan, "1016.00", ENROLLED_ON)
    payment_void(payment=payment, reason="mistake", by=clerk, approved_by=supervisor)
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
    assert plan_of_bills([older.pk], ENROLLED_ON)[older.pk].due_now == D("250.00")


def test_a_refund_puts_installments_and_charges_back(plan_setup, drawer, clerk, supervisor, office):
    _prop, older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    before = _standing(plan, date(2026, 5, 16))
    older.refresh_from_db()
    was = older.balance
    payment = _pay_plan(drawer, clerk, plan, "135.33", date(2026, 5, 16))
    # a part refund is refused
    boss_drawer = open_drawer(supervisor, office, number=2)
    with pytest.raises(Exception, match="refunded whole"):
        payment_refund(
            payment=payment,
            reason="asked",
            by=supervisor,
            approved_by=new_user("second_sup", "Supervisor"),
            drawer=boss_drawer,
            amount=D("10.00"),
        )
    payment_refund(
        payment=payment,
        reason="asked",
        by=supervisor,
        approved_by=new_user("other_sup", "Supervisor"),
        drawer=boss_drawer,
    )
    older.refresh_from_db()
    assert older.balance == was
    after = _standing(plan, date(2026, 5, 16))
    assert (after.paid, after.due_now, after.new_charges) == (
        before.paid,
        before.due_now,
        before.new_charges,
    )


def _bill_parts(bill):
    bill.refresh_from_db()
    return (bill.balance, bill.penalty_balance, bill.interest_balance, bill.principal_balance)


@pytest.mark.django_db(transaction=True)
def test_a_returned_check_puts_the_plan_back_as_a_void_would(plan_setup, drawer, clerk, supervisor):
    prop, older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    # given installment 1 paid late on May 16 by check, with its late interest and charge
    before = _standing(plan, date(2026, 5, 16))
    was = _bill_parts(older)
    payment = payment_record(
        drawer=drawer,
        items=[PlanItem(plan.pk, D("135.33"), D("135.33"))],
        tenders=[check("135.33", number="881")],
        token=uuid.uuid4(),
        by=clerk,
        as_of=date(2026, 5, 16),
    )
    assert _standing(plan, date(2026, 5, 16)).due_now == D("0.00")
    # when the bank returns the check
    returned_check_record(payment=payment, reason="NSF", by=supervisor)
    # then the bill is as before the payment (the late charges taken back off it too)
    assert _bill_parts(older) == was
    # and the plan stands as before it: installment 1 unpaid and late, its charges due again
    after = _standing(plan, date(2026, 5, 16))
    assert (after.standing, after.paid, after.due_now, after.new_charges, after.charges_owed) == (
        before.standing,
        before.paid,
        before.due_now,
        before.new_charges,
        D("0.00"),
    )
    assert [row.state for row in after.installments][:2] == ["paid", "late"]
    assert not PlanCharge.objects.filter(undone_by__isnull=True).exists()
    # and the lookup shows the plan with the installment due again
    found = search(prop.parcel_number, as_of=date(2026, 5, 16))
    (group,) = found.groups
    assert [(p.plan.pk, p.due_now) for p in group.plans] == [(plan.pk, D("135.33"))]
    # (its bills are not offered one by one; the returned-check fee invoice is)
    assert [(o.bill.bill_type, o.due.total) for o in group.bills] == [("invoice", D("20.00"))]
    assert group.total_due == D("155.33")
    # and a new payment of what is due assesses the late charges once more, as of its day
    again = _pay_plan(drawer, clerk, plan, "135.33", date(2026, 5, 16), expected="135.33")
    item = again.items.get()
    assert (item.penalty_assessed, item.interest_assessed) == (D("6.38"), D("1.28"))


@pytest.mark.django_db(transaction=True)
def test_a_returned_check_of_a_late_charge_payment_on_a_completed_plan_reopens_it(
    plan_setup, drawer, clerk, supervisor
):
    _prop, _older, _newer, plan = plan_setup
    payment = payment_record(
        drawer=drawer,
        items=[PlanItem(plan.pk, D("1016.00"))],
        tenders=[check("1016.00", number="882")],
        token=uuid.uuid4(),
        by=clerk,
        as_of=ENROLLED_ON,
    )
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.COMPLETED
    returned_check_record(payment=payment, reason="Account closed", by=supervisor)
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
    standing = _standing(plan, ENROLLED_ON)
    assert (standing.paid, standing.due_now, standing.remaining) == (
        D("0.00"),
        D("250.00"),
        D("1016.00"),
    )


@pytest.mark.django_db(transaction=True)
def test_a_returned_check_with_cash_beside_it_leaves_what_the_cash_paid(
    plan_setup, drawer, clerk, supervisor
):
    _prop, older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    # given the late installment 1 ($135.33 with $7.66 of late charges) paid $5.00 in cash and
    # $130.33 by check
    payment = payment_record(
        drawer=drawer,
        items=[PlanItem(plan.pk, D("135.33"))],
        tenders=[cash("5.00"), check("130.33", number="883")],
        token=uuid.uuid4(),
        by=clerk,
        as_of=date(2026, 5, 16),
    )
    # when the check comes back
    returned_check_record(payment=payment, reason="NSF", by=supervisor)
    # then the $5.00 still stands: it paid $5.00 of the late charges, which stay assessed; the
    # other $2.66 of them is owed first, with installment 1 unpaid
    standing = _standing(plan, date(2026, 5, 20))
    assert (standing.paid, standing.charges_paid, standing.charges_owed) == (
        D("250.00"),
        D("5.00"),
        D("2.66"),
    )
    # nothing new (interest month 1 and the charge are assessed); $2.66 owed before anything
    assert (standing.new_charges, standing.charges_due) == (D("0.00"), D("2.66"))
    assert standing.due_now == D("127.67") + D("2.66")
    older.refresh_from_db()
    assert older.balance == D("362.00") + D("2.66")
    # and paying what is due now puts the plan in good standing with nothing charged twice
    _pay_plan(drawer, clerk, plan, "130.33", date(2026, 5, 20), expected="130.33")
    later = _standing(plan, date(2026, 5, 20))
    assert (later.standing, later.charges_owed, later.remaining) == (
        Standing.GOOD,
        D("0.00"),
        D("638.33"),
    )
    older.refresh_from_db()
    assert older.balance == D("362.00") - D("127.67")


@pytest.mark.django_db(transaction=True)
def test_after_a_returned_check_what_stands_is_refunded_whole(
    plan_setup, drawer, clerk, supervisor, office
):
    _prop, older, _newer, plan = plan_setup
    _pay_plan(drawer, clerk, plan, "250.00", ENROLLED_ON)
    before = _standing(plan, date(2026, 5, 16))
    was = _bill_parts(older)
    payment = payment_record(
        drawer=drawer,
        items=[PlanItem(plan.pk, D("135.33"))],
        tenders=[cash("35.00"), check("100.33", number="884")],
        token=uuid.uuid4(),
        by=clerk,
        as_of=date(2026, 5, 16),
    )
    returned_check_record(payment=payment, reason="NSF", by=supervisor)
    # when the $35.00 that stands is refunded (the whole of it, as for any plan payment)
    payment_refund(
        payment=payment,
        reason="taxpayer asked",
        by=supervisor,
        approved_by=new_user("other_sup", "Supervisor"),
        drawer=open_drawer(supervisor, office, number=2),
    )
    # then the bill and the plan are as before the payment
    assert _bill_parts(older) == was
    after = _standing(plan, date(2026, 5, 16))
    assert (after.paid, after.charges_owed, after.due_now) == (
        before.paid,
        D("0.00"),
        before.due_now,
    )
