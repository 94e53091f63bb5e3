"""Water and sewer billing arithmetic: zones, due dates and quarterly charges from meter readings.

City of Ithaca: accounts whose prefix is 02-15 are billed in February, May, August and November;
31-48 in March, June, September and December; 49-81 in January, April, July and October. A bill
is due on the 20th of its billing month. Each quarter's charge is the meter size's minimum (which
covers an allowance of units of 100 cubic feet) plus the rate per unit above the allowance."""

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
