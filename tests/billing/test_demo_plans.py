"""billing.demo.demo_plans_seed: whatever today's date, the demo has one plan in good standing
and one late (on the Supervisor's "Plans at risk"), on parcels owing last year's taxes."""

from datetime import date

import pytest

from billing.demo import city_seed, demo_plans_seed
from billing.models import PaymentPlan
from billing.plan_standing import Standing, standings
from billing.selectors import plans_at_risk


@pytest.mark.parametrize(
    "today",
    [
        date(2027, 1, 2),  # no tax of this year is delinquent yet
        date(2027, 3, 2),  # a Tuesday after a month ending on a weekend
        date(2026, 7, 6),  # just after a holiday weekend
        date(2026, 12, 31),
    ],
    ids=str,
)
def test_the_demo_makes_a_plan_in_good_standing_and_a_late_one(reference, supervisor, today):
    city_seed(by=supervisor, today=today, parcels=4, water_accounts=3, tickets=3)

    assert demo_plans_seed(by=supervisor, today=today) == 2
    assert demo_plans_seed(by=supervisor, today=today) == 0  # once only

    plans = list(PaymentPlan.objects.order_by("id"))
    found = standings(plans, today)
    assert [found[p.pk].standing for p in plans] == [Standing.GOOD, Standing.LATE]
    late = found[plans[1].pk]
    assert late.new_charges > 0 and late.installments[0].new_charge > 0  # the 5% charge
    assert [s.plan for s in plans_at_risk(today)] == [plans[1]]
    # each takes last year's second installment and this year's taxes already delinquent
    for plan in plans:
        bills = [link.bill for link in plan.plan_bills.select_related("bill")]
        assert min(b.tax_year for b in bills) == today.year - 1
        this_year = sorted(b.due_date for b in bills if b.tax_year == today.year)
        assert this_year == [
            due
            for due in (date(today.year, 1, 31), date(today.year, 6, 30))
            if due < plan.enrolled_on
        ]
