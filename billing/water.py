"""Water and sewer billing arithmetic: zones, due dates and quarterly charges from meter readings.

City of Ithaca: accounts whose prefix is 02-15 are billed in February, May, August and November;
31-48 in March, June, September and December; 49-81 in January, April, July and October. A bill
is due on the 20th of its billing month. Each quarter's charge is the meter size's minimum (which
covers an allowance of units of 100 cubic feet) plus the rate per unit above the allowance; the
rates and minimums are the City's published schedule (ITHACA_METERS)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.money import to_cents

ZONES: tuple[tuple[range, tuple[int, ...]], ...] = (
    (range(2, 16), (2, 5, 8, 11)),
    (range(31, 49), (3, 6, 9, 12)),
    (range(49, 82), (1, 4, 7, 10)),
)
DUE_DAY = 20


@dataclass(frozen=True)
class MeterSchedule:
    """A meter size's quarterly minimum bill and the usage it covers."""

    allowance_units: int  # units of 100 cubic feet
    water_minimum: Decimal
    sewer_minimum: Decimal


# The City of Ithaca's 2022 water and sewer rates, set by the Board of Public Works: water $9.73
# and sewer $6.03 per 100 cubic feet, and a minimum quarterly bill by meter size that covers an
# allowance ("cubic feet allowed"). Source: City of Ithaca, "Rates, Metering & Billing",
# https://www.cityofithaca.org/293/Rates-Metering-Billing (2022 Water & Sewer Rates table).
# Each minimum is the allowance at the rate (1" disc: 3,200 cubic feet = 32 units, water
# $311.36, sewer $192.96, $504.32 in all). The page prints the 3" total as $2,521.50; its water
# and sewer columns ($1,556.80 + $964.80) make $2,521.60, which is what is billed here. The city
# lists one "small disc" size (5/8"): a 3/4" meter is billed as small too.
ITHACA_RATES_FROM = date(2022, 1, 1)
ITHACA_WATER_PER_UNIT = Decimal("9.73")
ITHACA_SEWER_PER_UNIT = Decimal("6.03")
ITHACA_METERS: dict[str, MeterSchedule] = {
    "5/8": MeterSchedule(12, Decimal("116.76"), Decimal("72.36")),
    "3/4": MeterSchedule(12, Decimal("116.76"), Decimal("72.36")),
    "1": MeterSchedule(32, Decimal("311.36"), Decimal("192.96")),
    "1.5": MeterSchedule(55, Decimal("535.15"), Decimal("331.65")),
    "2": MeterSchedule(112, Decimal("1089.76"), Decimal("675.36")),
    "3": MeterSchedule(160, Decimal("1556.80"), Decimal("964.80")),
    "4": MeterSchedule(241, Decimal("2344.93"), Decimal("1453.23")),
    "6": MeterSchedule(421, Decimal("4096.33"), Decimal("2538.63")),
}


def billing_months(prefix: int) -> tuple[int, ...] | None:
    """The months an account prefix is billed in, or None for a prefix in no zone."""
    for prefixes, months in ZONES:
        if prefix in prefixes:
            return months
    return None


def due_date_for(prefix: int, billed_on: date) -> date:
    """The due date of a bill issued on `billed_on`: the 20th of its billing month."""
    months = billing_months(prefix)
    if months is None:
        raise ValueError(f"Account prefix {prefix:02d} belongs to no billing zone.")
    if billed_on.month not in months:
        names = ", ".join(date(2000, m, 1).strftime("%B") for m in months)
        raise ValueError(f"Zone of prefix {prefix:02d} is billed in {names}, not {billed_on:%B}.")
    return date(billed_on.year, billed_on.month, DUE_DAY)


@dataclass(frozen=True)
class Charges:
    usage_units: int
    water: Decimal
    sewer: Decimal

    @property
    def total(self) -> Decimal:
        return self.water + self.sewer


def quarterly_charges(
    *,
    usage_units: int,
    allowance_units: int,
    water_minimum: Decimal,
    sewer_minimum: Decimal,
    water_per_unit: Decimal,
    sewer_per_unit: Decimal,
) -> Charges:
    if usage_units < 0:
        raise ValueError("Usage cannot be negative: the current reading is below the previous one.")
    excess = max(usage_units - allowance_units, 0)
    return Charges(
        usage_units=usage_units,
        water=water_minimum + to_cents(excess * water_per_unit),
        sewer=sewer_minimum + to_cents(excess * sewer_per_unit),
    )
