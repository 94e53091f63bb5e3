"""The certificate of liens of a parcel in a delinquent-tax payment plan (RPTL 1184): the plan's
bills stay liens until paid, at the amounts the plan froze while it stands, with its late
installment interest and charges through the good-through date, and as if there had been no
plan once it is in default (billing.liens.liens_on, the plan standing of billing.plan_standing).

The parcel (tests/plans_fixtures.py): 2025 tax $600.00 due Friday 01/30/2026 and 2026 tax
$400.00 due Friday 02/27/2026, enrolled on Tuesday 03/10/2026 with no down payment and six
installments of $1,016.00 ($612.00 + $404.00 then owed): $169.34 (1-2) and $169.33 (3-6), the
first due Thursday 04/30/2026."""

from datetime import date

import pytest

from billing.liens import liens_on
from billing.services import lien_certificate_issue
from tests.plans_fixtures import D, enroll, parcel_with_delinquent_taxes


@pytest.fixture
def in_plan(reference, dana, supervisor):
    prop, older, newer = parcel_with_delinquent_taxes(dana, supervisor)
    plan = enroll(prop, [older, newer], dana, supervisor, down="0.00")
    return prop, older, newer, plan


def amounts(liens):
    return [(i.bill.pk, i.principal, i.penalty, i.interest, i.total) for i in liens.items]


def test_a_plan_in_good_standing_freezes_what_its_liens_owe(in_plan):
    prop, older, newer, plan = in_plan

    # When: good through Thursday 04/30/2026, the first installment's due date. Without the
    # plan the older bill would owe three months (01/31-02/28, 03/01-03/30, 03/31-04/30) and
    # the newer three (02/28-03/27, 03/28-04/27, 04/28-05/27): $618.00 and $412.00.
    liens = liens_on(prop, good_through=date(2026, 4, 30), issued_on=date(2026, 4, 20))

    # Then: the amounts of the day of enrolment, nothing more, and the plan is named.
    assert amounts(liens) == [
        (older.pk, D("600.00"), D("0.00"), D("12.00"), D("612.00")),
        (newer.pk, D("400.00"), D("0.00"), D("4.00"), D("404.00")),
    ]
    assert liens.payoff == D("1016.00")
    assert all(f"Payment plan {plan.number}: in good standing" in i.detail for i in liens.items)
    assert f"Payment plan {plan.number} (RPTL \u00a71184), enrolled 03/10/2026" in liens.notes
    assert "In good standing on 04/30/2026" in liens.notes
    assert "revert to the full delinquent amounts" in liens.notes


def test_a_late_plan_adds_its_installment_interest_and_late_charge_to_its_oldest_lien(in_plan):
    prop, older, newer, _plan = in_plan

    # When: good through Wednesday 05/20/2026; installment 1 ($169.34, due 04/30) is unpaid:
    # one month of 1% late interest (05/01-05/30) = $1.69, and the 5% late charge once more
    # than 15 days late (from Saturday 05/16) = $8.47; not yet in default.
    liens = liens_on(prop, good_through=date(2026, 5, 20), issued_on=date(2026, 5, 11))

    # Then: the oldest lien carries them, as a payment would assess them.
    assert amounts(liens) == [
        (older.pk, D("600.00"), D("8.47"), D("13.69"), D("622.16")),
        (newer.pk, D("400.00"), D("0.00"), D("4.00"), D("404.00")),
    ]
    assert liens.payoff == D("1026.16")
    assert "Late on 05/20/2026" in liens.notes
    assert "Late installment interest and charges of $10.16 through 05/20/2026" in liens.notes
    assert "late installment interest and charges $10.16" in liens.items[0].detail
    assert "late installment" not in liens.items[1].detail


def test_a_plan_in_default_owes_as_if_there_had_been_no_plan(in_plan):
    prop, older, newer, plan = in_plan

    # When: good through Friday 06/05/2026; installment 1 is more than 30 days late (default
    # from Tuesday 06/02: 30 days after 04/30 is Saturday 05/30, moved to Monday 06/01). As if
    # there had been no plan: the older bill five months of interest (to 06/30) = $30.00, the
    # newer four (to 06/27) = $16.00.
    liens = liens_on(prop, good_through=date(2026, 6, 5), issued_on=date(2026, 6, 1))

    # Then
    assert amounts(liens) == [
        (older.pk, D("600.00"), D("0.00"), D("30.00"), D("630.00")),
        (newer.pk, D("400.00"), D("0.00"), D("16.00"), D("416.00")),
    ]
    assert liens.payoff == D("1046.00")
    assert "It is in default on 06/05/2026" in liens.notes
    assert all(f"Payment plan {plan.number}: in default" in i.detail for i in liens.items)


def test_the_certificate_keeps_what_it_said_of_the_plan(in_plan, clerk):
    prop, _older, _newer, plan = in_plan

    certificate = lien_certificate_issue(
        property=prop, good_through=date(2026, 5, 20), by=clerk, issued_on=date(2026, 5, 11)
    )

    assert certificate.payoff == D("1026.16")
    assert certificate.notes.startswith(f"Payment plan {plan.number} (RPTL \u00a71184)")
    assert "Late on 05/20/2026" in certificate.notes
