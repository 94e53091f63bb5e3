"""billing.water: zones, due dates and charges from readings (2022 rates: $9.73 and $6.03)."""

from datetime import date
from decimal import Decimal

import pytest

from billing.water import billing_months, due_date_for, quarterly_charges

RATES = {
    "allowance_units": 10,
    "water_minimum": Decimal("97.30"),
    "sewer_minimum": Decimal("60.30"),
    "water_per_unit": Decimal("9.73"),
    "sewer_per_unit": Decimal("6.03"),
}


@pytest.mark.parametrize(
    ("prefix", "months"),
    [
        (2, (2, 5, 8, 11)),
        (15, (2, 5, 8, 11)),
        (31, (3, 6, 9, 12)),
        (48, (3, 6, 9, 12)),
        (49, (1, 4, 7, 10)),
        (81, (1, 4, 7, 10)),
        (16, None),
        (1, None),
        (82, None),
    ],
)
def test_zones(prefix, months):
    assert billing_months(prefix) == months


def test_due_on_the_20th_of_the_billing_month():
    assert due_date_for(2, date(2026, 11, 5)) == date(2026, 11, 20)
    with pytest.raises(
        ValueError, match="billed in March, June, September, December, not November"
    ):
        due_date_for(31, date(2026, 11, 5))


@pytest.mark.parametrize(
    ("usage", "water", "sewer"),
    [
        (0, "97.30", "60.30"),  # the minimum, however little is used
        (10, "97.30", "60.30"),  # the allowance exactly
        (11, "107.03", "66.33"),  # one unit over
        (22, "214.06", "132.66"),  # 12 over: 116.76 and 72.36 more
    ],
)
def test_quarterly_charges(usage, water, sewer):
    charges = quarterly_charges(usage_units=usage, **RATES)
    assert (charges.water, charges.sewer) == (Decimal(water), Decimal(sewer))


def test_negative_usage_is_refused():
    with pytest.raises(ValueError, match="below the previous one"):
        quarterly_charges(usage_units=-1, **RATES)
