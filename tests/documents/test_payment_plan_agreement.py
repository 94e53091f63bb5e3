"""The payment plan agreement (billing.views.plan_agreement_pdf,
templates/pdf/payment_plan_agreement.html): the longest taxpayer name, parcel and address, and
the longest Supervisor's name wrap on US Letter; the 24 installments and the cent note print
whole; a name in any script prints wherever the taxpayer is named."""

from datetime import date

import pytest
from django.urls import reverse

from billing.models import Customer, Property
from tests.documents.conftest import NAMES, long_named
from tests.documents.pdf_reading import (
    assert_nothing_runs_off,
    assert_on_the_page,
    pages,
    squeezed,
    text,
)
from tests.plans_fixtures import D, enroll, tax_bill


def printed(client, plan) -> bytes:
    response = client.get(reverse("billing:plan_agreement", args=[plan.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def _plan(customer, prop, supervisor, *, installments=24):
    prop.owners.add(customer)
    bills = [
        tax_bill(customer, supervisor, prop, amount="98765.43", due=date(2026, 1, 30), year=2025),
        tax_bill(customer, supervisor, prop, amount="4321.09", due=date(2026, 2, 27), year=2026),
    ]
    return enroll(prop, bills, customer, supervisor, down="1000.00", installments=installments)


def test_the_longest_names_wrap_and_every_installment_prints(
    client, reference, supervisor, clerk, long_customer, long_property
):
    # given the longest taxpayer name, parcel and address, and the longest Supervisor's name
    boss = long_named(supervisor, "Bartholomew", "Wolfeschlegelstein")
    plan = _plan(long_customer, long_property, boss)
    client.force_login(clerk)

    pdf = printed(client, plan)

    # then it is US Letter, nothing runs off a page, and every long field is printed whole
    assert all((p.width, p.height) == (pytest.approx(612), pytest.approx(792)) for p in pages(pdf))
    assert_nothing_runs_off(pdf)
    everything = squeezed(text(pdf))
    for field in (
        long_property.parcel_number,
        long_property.street_address,
        long_property.city,
        boss.first_name,
        boss.last_name,
    ):
        assert squeezed(field) in everything, f"{field[:20]}… is not printed whole"
    # the taxpayer is named as owner, as the one signing, and on the signature line
    assert everything.count(squeezed(long_customer.name)) == 3
    # every installment, the total and the cent note
    standing_rows = plan.installments.order_by("number")
    assert standing_rows.count() == 25
    for row in standing_rows:
        assert_on_the_page(pdf, f"${row.amount:,.2f}")
    assert_on_the_page(pdf, f"${plan.total:,.2f}")
    assert plan.total == D("98765.43") + D("4321.09") + D("987.65") * 2 + D("43.21")
    assert squeezed("Installments 1\u201323 are $0.01 more so the total is exact") in everything
    assert "RealPropertyTaxLaw§1184" in everything


@pytest.mark.parametrize("script", NAMES)
def test_a_taxpayer_named_in_any_script_is_printed(client, reference, supervisor, clerk, script):
    name = NAMES[script]
    customer = Customer.objects.create(name=name, address_line1=name)
    prop = Property.objects.create(parcel_number="24.-3-1", street_address="108 E Green St")
    plan = _plan(customer, prop, supervisor, installments=6)
    client.force_login(clerk)

    pdf = printed(client, plan)

    assert squeezed(text(pdf)).count(squeezed(name)) >= 3
