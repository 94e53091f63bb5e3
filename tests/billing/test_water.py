"""billing.water: zones, due dates and charges from readings (2022 rates: $9.73 and $6.03), and
the demo city's schedule, which is the City of Ithaca's."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing.models import MeterMinimum, WaterRate
from billing.water import (
    ITHACA_METERS,
    ITHACA_SEWER_PER_UNIT,
    ITHACA_WATER_PER_UNIT,
    billing_months,
    due_date_for,
    quarterly_charges,
)

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


# The City of Ithaca's published schedule (cityofithaca.org/293/Rates-Metering-Billing, 2022):
# cubic feet allowed and the minimum quarterly water and sewer charges, by meter size.
CITY = {
    "5/8": (1200, "116.76", "72.36"),
    "1": (3200, "311.36", "192.96"),
    "1.5": (5500, "535.15", "331.65"),
    "2": (11200, "1089.76", "675.36"),
    "3": (16000, "1556.80", "964.80"),
    "4": (24100, "2344.93", "1453.23"),
    "6": (42100, "4096.33", "2538.63"),
}


def test_the_demo_one_inch_meter_allowance_is_the_citys(reference):
    one_inch = MeterMinimum.objects.get(meter_size="1")
    assert one_inch.allowance_units * 100 == 3200  # cubic feet


def test_the_demo_schedule_is_the_citys_for_every_meter(reference):
    rate = WaterRate.objects.get()
    assert (rate.water_per_unit, rate.sewer_per_unit) == (Decimal("9.73"), Decimal("6.03"))
    demo = {
        m.meter_size: (m.allowance_units * 100, m.water_minimum, m.sewer_minimum)
        for m in MeterMinimum.objects.all()
    }
    for size, (cubic_feet, water, sewer) in CITY.items():
        assert demo[size] == (cubic_feet, Decimal(water), Decimal(sewer)), size
        # and each minimum is the allowance at the rate
        assert Decimal(water) == cubic_feet // 100 * Decimal("9.73")
        assert Decimal(sewer) == cubic_feet // 100 * Decimal("6.03")


def test_the_citys_own_example_bill():
    # a 1" disc meter and 15 units over the allowance: $236.40 over plus the $504.32 minimum
    meter = ITHACA_METERS["1"]
    charges = quarterly_charges(
        usage_units=meter.allowance_units + 15,
        allowance_units=meter.allowance_units,
        water_minimum=meter.water_minimum,
        sewer_minimum=meter.sewer_minimum,
        water_per_unit=ITHACA_WATER_PER_UNIT,
        sewer_per_unit=ITHACA_SEWER_PER_UNIT,
    )
    assert charges.total == Decimal("740.72")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        # the admin's shared money field reads no sign (the model's own check stands behind it)
        ({"water_minimum": "-1.00"}, "“-1.00” is not an amount"),
        ({"sewer_minimum": "-0.01"}, "“-0.01” is not an amount"),
    ],
)
def test_the_admin_refuses_a_negative_meter_minimum(client, admin_user, values, message):
    client.force_login(admin_user)
    form = {
        "effective_from": "2026-01-01",
        "meter_size": "1",
        "allowance_units": "32",
        "water_minimum": "311.36",
        "sewer_minimum": "192.96",
        "_save": "Save",
    }
    response = client.post(reverse("admin:billing_meterminimum_add"), form | values)
    assert response.status_code == 200
    assert message in response.text
    assert not MeterMinimum.objects.filter(effective_from=date(2026, 1, 1)).exists()


def test_the_database_refuses_a_negative_meter_minimum(db):
    with pytest.raises(IntegrityError, match="meter_minimum_not_negative"), transaction.atomic():
        MeterMinimum.objects.create(
            effective_from=date(2026, 1, 1),
            meter_size="1",
            allowance_units=32,
            water_minimum=Decimal("-1.00"),
            sewer_minimum=Decimal("0.00"),
        )
