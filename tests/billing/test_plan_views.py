"""The payment plan pages: a Supervisor enrolls after a confirmation step (once, however many
submits); Clerks and Trainees are refused; the plan page, the agreement PDF and plans at risk."""

import re
import uuid
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import PaymentPlan
from payments.services import PlanItem, counter_setup_seed, payment_record
from tests.factories import fund_change_fund
from tests.payments.conftest import cash, open_drawer
from tests.plans_fixtures import ENROLLED_ON, D, enroll, parcel_with_delinquent_taxes


@pytest.fixture
def parcel(reference, dana, supervisor):
    return parcel_with_delinquent_taxes(dana, supervisor)


def _token(page) -> str:
    return re.search(r'name="token" value="([0-9a-f-]+)"', page.text).group(1)


def test_a_supervisor_previews_then_creates_a_plan_once(client, supervisor, parcel, dana):
    prop, older, newer = parcel
    client.force_login(supervisor)
    url = reverse("billing:plan_new", args=[prop.pk])
    token = _token(client.get(url))
    form = {
        "token": token,
        "bills": [older.pk, newer.pk],
        "customer": dana.pk,
        "down_payment": "0",
        "installments": "12",
    }
    # the first submit shows the schedule and asks to confirm; nothing is saved
    review = client.post(url, form)
    assert "This creates a payment plan" in review.text
    assert "signed agreement is required" in review.text
    assert not PaymentPlan.objects.exists()
    # confirming creates it; a second confirm (a double-click) finds the same plan
    done = client.post(url, {**form, "confirmed": "on"})
    again = client.post(url, {**form, "confirmed": "on"})
    plan = PaymentPlan.objects.get()
    assert done.status_code == again.status_code == 302
    assert done["Location"] == again["Location"] == plan.get_absolute_url()
    page = client.get(plan.get_absolute_url())
    assert "In good standing" in page.text
    pdf = client.get(reverse("billing:plan_agreement", args=[plan.number]))
    assert pdf["Content-Type"] == "application/pdf"


def test_a_down_payment_over_the_cap_gets_a_message(client, supervisor, parcel, dana):
    prop, older, newer = parcel
    client.force_login(supervisor)
    url = reverse("billing:plan_new", args=[prop.pk])
    page = client.post(
        url,
        {
            "token": _token(client.get(url)),
            "bills": [older.pk, newer.pk],
            "customer": dana.pk,
            "down_payment": "900000",
            "installments": "12",
        },
    )
    assert page.status_code == 200
    assert "The down payment may be at most 25%" in page.text
    assert not PaymentPlan.objects.exists()


@pytest.mark.parametrize("role", ["clerk", "trainee"])
def test_clerks_and_trainees_do_not_enroll(client, request, parcel, role):
    prop, _older, _newer = parcel
    client.force_login(request.getfixturevalue(role))
    url = reverse("billing:plan_new", args=[prop.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirmed": "on"}).status_code == 403
    assert client.get(reverse("billing:plans_at_risk")).status_code == 403


def test_a_clerk_sees_a_plan(client, clerk, supervisor, parcel, dana):
    prop, older, newer = parcel
    plan = enroll(prop, [older, newer], dana, supervisor)
    client.force_login(clerk)
    page = client.get(plan.get_absolute_url() + "?as_of=2026-03-10")
    assert page.status_code == 200
    assert "installments 1\u20134 are $0.01 more" in page.text


def test_plans_at_risk_lists_a_late_plan(client, supervisor, parcel, dana):
    prop, older, newer = parcel
    plan = enroll(prop, [older, newer], dana, supervisor)
    client.force_login(supervisor)
    page = client.get(reverse("billing:plans_at_risk") + "?as_of=2026-05-16")
    assert plan.number in page.text
    assert "In default" in page.text
    assert "Payment plans at risk" in client.get("/").text
    assert date(2026, 5, 16)


def test_the_plan_page_lists_payments_by_bill_and_receipt_number(
    client, clerk, supervisor, parcel, dana, office
):
    prop, older, newer = parcel
    plan = enroll(prop, [older, newer], dana, supervisor)
    drawer = open_drawer(clerk, office)
    first = _pay_plan(drawer, clerk, plan, "250.00")
    client.force_login(clerk)
    url = plan.get_absolute_url() + "?as_of=2026-03-10"
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # a payment over both bills: two more lines
    second = _pay_plan(drawer, clerk, plan, "450.00")
    with CaptureQueriesContext(connection) as more:
        page = client.get(url)
    text = page.text
    for receipt in (first, second):
        link = reverse("payments:payment", args=[receipt.receipt_number])
        assert f'<a href="{link}">{receipt.receipt_number}</a>' in text
    for bill in (older, newer):
        assert f'<a href="{bill.get_absolute_url()}">{bill.number}</a>' in text
    assert text.count(second.receipt_number + "</a>") == 2  # one line per bill it paid
    assert len(more) == len(few)


def _pay_plan(drawer, clerk, plan, amount):
    return payment_record(
        drawer=drawer,
        items=[PlanItem(plan.pk, D(amount))],
        tenders=[cash(amount)],
        token=uuid.uuid4(),
        by=clerk,
        as_of=ENROLLED_ON,
    )


@pytest.fixture
def office(reference):
    office = counter_setup_seed(office_code="CH", office_name="Chamberlain's Office", windows=4)
    fund_change_fund(office)
    return office
