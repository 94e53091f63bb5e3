"""billing.services.payment_plan_enroll: a Supervisor enrolls a parcel's delinquent tax bills
in a plan (RPTL 1184): the total, the down payment cap, the schedule, idempotency, refusals."""

import uuid
from datetime import date

import pytest
from django.db import DatabaseError, transaction

from billing.errors import BillingError
from billing.models import PaymentPlan, PlanInstallment, Property
from billing.selectors import amount_due, delinquent_tax_bills
from billing.services import payment_plan_enroll
from tests.plans_fixtures import ENROLLED_ON, D, enroll, parcel_with_delinquent_taxes, tax_bill


@pytest.fixture
def parcel(reference, dana, supervisor):
    return parcel_with_delinquent_taxes(dana, supervisor)


def test_a_plan_takes_what_the_bills_owe_and_splits_it_to_the_cent(parcel, dana, supervisor):
    # given a parcel owing $1,016.00 on March 10
    prop, older, newer = parcel
    assert [o.due.total for o in delinquent_tax_bills(prop, ENROLLED_ON)] == [
        D("612.00"),
        D("404.00"),
    ]
    # when a Supervisor enrolls both bills with $250.00 down over 6 months
    plan = enroll(prop, [older, newer], dana, supervisor)
    # then the plan is numbered, copies the terms, and its schedule adds up to the cent
    assert plan.number == "PP-2026-0001"
    assert (plan.total, plan.down_payment, plan.installment_count) == (D("1016.00"), D("250"), 6)
    assert (plan.max_down_payment_percent, plan.late_charge_percent) == (D("25"), D("5"))
    rows = list(PlanInstallment.objects.filter(plan=plan).values_list("number", "due_on", "amount"))
    assert rows == [
        (0, date(2026, 3, 10), D("250.00")),
        (1, date(2026, 4, 30), D("127.67")),
        (2, date(2026, 5, 31), D("127.67")),
        (3, date(2026, 6, 30), D("127.67")),
        (4, date(2026, 7, 31), D("127.67")),
        (5, date(2026, 8, 31), D("127.66")),
        (6, date(2026, 9, 30), D("127.66")),
    ]
    # and its bills accrue nothing more while it is in good standing
    assert amount_due(older, date(2026, 3, 25)).total == D("612.00")
    # and they are no longer offered for another plan
    assert delinquent_tax_bills(prop, ENROLLED_ON) == []


def test_the_down_payment_is_at_most_a_quarter(parcel, dana, supervisor):
    prop, older, newer = parcel
    with pytest.raises(BillingError, match=r"at most 25% of the \$1,016.00 owed: \$254.00"):
        enroll(prop, [older, newer], dana, supervisor, down="254.01")
    assert not PaymentPlan.objects.exists()
    plan = enroll(prop, [older, newer], dana, supervisor, down="0")
    assert plan.installments.first().number == 1  # no down payment row


def test_installments_are_at_most_the_terms(parcel, dana, supervisor):
    prop, older, newer = parcel
    with pytest.raises(BillingError, match="from 1 to 24 monthly installments"):
        enroll(prop, [older, newer], dana, supervisor, installments=25)


def test_a_double_submit_enrolls_once(parcel, dana, supervisor):
    prop, older, newer = parcel
    token = uuid.uuid4()
    first = enroll(prop, [older, newer], dana, supervisor, token=token)
    again = enroll(prop, [older, newer], dana, supervisor, token=token)
    assert again.pk == first.pk
    assert PaymentPlan.objects.count() == 1


def test_only_a_supervisor_enrolls(parcel, dana, clerk, trainee):
    prop, older, newer = parcel
    for user in (clerk, trainee):
        with pytest.raises(BillingError, match="Only a Supervisor enrolls"):
            enroll(prop, [older, newer], dana, user)
    assert not PaymentPlan.objects.exists()


def test_a_bill_is_in_one_active_plan(parcel, dana, supervisor):
    prop, older, newer = parcel
    first = enroll(prop, [older], dana, supervisor, down="0")
    with pytest.raises(BillingError, match=f"already in payment plan {first.number}"):
        enroll(prop, [older, newer], dana, supervisor)


def test_bills_not_delinquent_or_not_the_parcels_are_refused(parcel, dana, supervisor):
    prop, older, _newer = parcel
    from tests.plans_fixtures import tax_bill

    current = tax_bill(dana, supervisor, prop, amount="100.00", due=date(2026, 6, 30), year=2026)
    with pytest.raises(BillingError, match="is not delinquent: it falls due 06/30/2026"):
        enroll(prop, [older, current], dana, supervisor)


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_schedule_that_does_not_add_up(reference, dana, supervisor):
    prop, older, newer = parcel_with_delinquent_taxes(dana, supervisor)
    plan = enroll(prop, [older, newer], dana, supervisor)
    with pytest.raises(DatabaseError, match=r"not 6 and 1016\.00"), transaction.atomic():
        PlanInstallment.objects.create(plan=plan, number=7, due_on=date(2026, 10, 31), amount=1)
    with pytest.raises(Exception, match="never edited"), transaction.atomic():
        PlanInstallment.objects.filter(plan=plan, number=1).update(amount=D("127.68"))
    with pytest.raises(Exception, match="only its status changes"), transaction.atomic():
        PaymentPlan.objects.filter(pk=plan.pk).update(total=D("1.00"))


def test_a_few_cents_owed_make_at_most_that_many_installments(reference, dana, supervisor):
    # given a parcel whose only delinquent tax is $0.05 (no interest accrues on it)
    prop = Property.objects.create(parcel_number="24.-3-9", street_address="2 E Green St")
    prop.owners.add(dana)
    bill = tax_bill(dana, supervisor, prop, amount="0.05", due=date(2026, 1, 30), year=2025)

    def plan_of(installments):
        return payment_plan_enroll(
            property=prop,
            bills=[bill],
            customer=dana,
            down_payment=D("0"),
            installments=installments,
            as_of=ENROLLED_ON,
            by=supervisor,
            token=uuid.uuid4(),
        )

    # when 24 installments are asked then a message says how many it can make, nothing saved
    with pytest.raises(BillingError, match=r"\$0.05 left .* at most 5 monthly installments"):
        plan_of(24)
    assert not PaymentPlan.objects.exists()
    # and 5 installments of a cent each is a plan
    plan = plan_of(5)
    assert list(plan.installments.values_list("amount", flat=True)) == [D("0.01")] * 5
