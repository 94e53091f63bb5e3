"""billing.services.payment_plan_cancel and the bills of a plan: a bill in a plan in good
standing is not waived or adjusted (the installments are built on what it owes); a Supervisor
cancels the plan (a reason, a confirmation step, once), adjusts the bill, then enrolls anew."""

import re
import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.errors import BillingError
from billing.models import BillAdjustment, PaymentPlan, PenaltyWaiver, PlanCancellation
from billing.selectors import amount_due, plan_bills_owed_if_cancelled
from billing.services import bill_adjust, payment_plan_cancel, payment_plan_enroll, penalty_waive
from tests.plans_fixtures import D, enroll, parcel_with_delinquent_taxes, tax_bill

LATER = date(2026, 3, 20)


@pytest.fixture
def parcel(reference, dana, supervisor):
    return parcel_with_delinquent_taxes(dana, supervisor)


def _cancel(plan, by, *, reason="The 2025 tax is reduced on review", token=None):
    return payment_plan_cancel(
        plan=plan, reason=reason, by=by, token=token or uuid.uuid4(), as_of=LATER
    )


def test_a_bill_in_a_plan_in_good_standing_is_not_waived_or_adjusted(parcel, dana, supervisor):
    prop, older, newer = parcel
    plan = enroll(prop, [older, newer], dana, supervisor)
    message = rf"Bill {older.number} is in payment plan {plan.number}.*cancels the plan first"
    with pytest.raises(BillingError, match=message):
        penalty_waive(bill=older, reason="First time late", by=supervisor, as_of=LATER)
    with pytest.raises(BillingError, match=message):
        bill_adjust(
            bill=older,
            kind=BillAdjustment.Kind.WRITE_DOWN,
            amount=D("100.00"),
            reason=BillAdjustment.Reason.BILLING_ERROR,
            note="Assessment reduced",
            by=supervisor,
            token=uuid.uuid4(),
            as_of=LATER,
        )
    assert not PenaltyWaiver.objects.exists()
    assert not BillAdjustment.objects.exists()


def test_cancel_then_waive_then_enroll_again(parcel, dana, supervisor):
    prop, older, newer = parcel
    plan = enroll(prop, [older, newer], dana, supervisor)
    # (the cancel page shows what the bills will owe without the plan)
    would = [o.due.total for o in plan_bills_owed_if_cancelled(plan, date(2026, 4, 15))]
    # when a Supervisor cancels the plan
    cancellation = _cancel(plan, supervisor)
    assert [amount_due(b, date(2026, 4, 15)).total for b in (older, newer)] == would
    assert would == [D("618.00"), D("408.00")]
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.CANCELLED
    assert (cancellation.reason, cancellation.cancelled_on, cancellation.cancelled_by) == (
        "The 2025 tax is reduced on review",
        LATER,
        supervisor,
    )
    # then the bills owe on their own (two months of interest on the 2025 bill, $12.00), and the
    # interest is waived
    assert amount_due(older, LATER).total == D("612.00")
    waiver = penalty_waive(
        bill=older, reason="Billing error at the county", by=supervisor, as_of=LATER
    )
    assert waiver.interest == D("12.00")
    # and both bills join a new plan at what they owe now
    again = payment_plan_enroll(
        property=prop,
        bills=[older, newer],
        customer=dana,
        down_payment=D("0"),
        installments=4,
        as_of=LATER,
        by=supervisor,
        token=uuid.uuid4(),
    )
    assert (again.number, again.total) == ("PP-2026-0002", D("1004.00"))


def test_cancelling_is_for_supervisors_with_a_reason_once(parcel, dana, supervisor, clerk, trainee):
    prop, older, newer = parcel
    plan = enroll(prop, [older, newer], dana, supervisor)
    for user in (clerk, trainee):
        with pytest.raises(BillingError, match="Only a Supervisor cancels a payment plan"):
            _cancel(plan, user)
    with pytest.raises(BillingError, match="Say why the plan is cancelled"):
        _cancel(plan, supervisor, reason="  ")
    # the same form twice cancels once
    token = uuid.uuid4()
    first = _cancel(plan, supervisor, token=token)
    assert _cancel(plan, supervisor, token=token) == first
    assert PlanCancellation.objects.count() == 1
    # another form finds it cancelled
    with pytest.raises(BillingError, match=f"Payment plan {plan.number} is cancelled"):
        _cancel(plan, supervisor)


# The pages (today's date: a plan enrolled today, on bills past due by today)


@pytest.fixture
def plan_today(reference, dana, supervisor):
    today = timezone.localdate()
    prop, _older, _newer = parcel_with_delinquent_taxes(dana, supervisor)
    bill = tax_bill(
        dana, supervisor, prop, amount="900.00", due=today - timedelta(days=45), year=today.year
    )
    plan = payment_plan_enroll(
        property=prop,
        bills=[bill],
        customer=dana,
        down_payment=D("0"),
        installments=6,
        as_of=today,
        by=supervisor,
        token=uuid.uuid4(),
    )
    return plan, bill


def _token(page) -> str:
    return re.search(r'name="token" value="([0-9a-f-]+)"', page.text).group(1)


def test_the_bill_page_sends_a_waiver_to_the_plan(client, supervisor, plan_today):
    plan, bill = plan_today
    client.force_login(supervisor)
    page = client.get(bill.get_absolute_url())
    assert f"In payment plan {plan.number}" in re.sub(r"<[^>]+>", "", page.text)
    assert reverse("billing:waive", args=[bill.number]) not in page.text
    assert reverse("billing:adjust", args=[bill.number]) not in page.text
    url = reverse("billing:waive", args=[bill.number])
    refused = client.post(url, {"token": _token(client.get(url)), "reason": "First time late"})
    assert refused.status_code == 200
    assert "cancels the plan first" in refused.text
    assert not PenaltyWaiver.objects.exists()


def test_a_supervisor_cancels_a_plan_after_a_review_step_once(client, supervisor, plan_today):
    plan, _bill = plan_today
    client.force_login(supervisor)
    assert "Cancel the plan" in client.get(plan.get_absolute_url()).text
    url = reverse("billing:plan_cancel", args=[plan.number])
    form = {"token": _token(client.get(url)), "reason": "Taxpayer withdrew"}
    # with no reason, a message and nothing saved
    empty = client.post(url, {**form, "reason": "", "confirmed": "on"})
    assert "This field is required" in empty.text
    # the first submit shows what the bills will owe and asks to confirm; nothing is saved
    review = client.post(url, form)
    assert "This cancels payment plan" in review.text
    assert "It cannot be undone" in review.text
    assert not PlanCancellation.objects.exists()
    # confirming cancels it; a second confirm (a double-click) lands on the same plan
    done = client.post(url, {**form, "confirmed": "on"})
    again = client.post(url, {**form, "confirmed": "on"})
    assert done.status_code == again.status_code == 302
    assert done["Location"] == again["Location"] == plan.get_absolute_url()
    assert PlanCancellation.objects.get().reason == "Taxpayer withdrew"
    page = client.get(plan.get_absolute_url())
    assert "Cancelled" in page.text and "Taxpayer withdrew" in page.text
    assert "Cancel the plan" not in page.text
    # and the page says there is nothing left to cancel
    assert "there is nothing to cancel" in client.get(url).text


@pytest.mark.parametrize("role", ["clerk", "trainee"])
def test_clerks_and_trainees_do_not_cancel(client, request, plan_today, role):
    plan, _bill = plan_today
    client.force_login(request.getfixturevalue(role))
    url = reverse("billing:plan_cancel", args=[plan.number])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x" * 10, "confirmed": "on"}).status_code == 403
    assert "Cancel the plan" not in client.get(plan.get_absolute_url()).text
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
