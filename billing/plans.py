"""Delinquent-tax payment plan arithmetic (NY RPTL §1184): pure functions of a plan's terms,
its installments, what was paid toward them, the office's closed days and a date.

- Schedule: the down payment is installment 0, due on the day of enrolment; the rest of the
  delinquent total is split into n installments due the last day of each following month.
  Each is the rest divided by n, rounded down to the cent; the cents left over go one each to
  the first installments, so the installments add up to the total exactly and no two differ
  by more than a cent.
- Money paid toward the plan fills the installments oldest first (installment 0, 1, 2, ...).
- Late installment (RPTL §1184 lets the agreement charge them): interest of a percent of the
  installment's unpaid amount for each month or portion of a month after its due date (RPTL
  924-a counts months the same way; `penalties.months_late`), each month rounded half-up to
  the cent; and a late charge of a percent of the unpaid amount once it is more than N days
  late. A last day to pay that falls on a weekend or closed day moves to the next business day
  (RPTL 925-a).
- Default: a plan is in default once its oldest installment not fully paid is more than
  `default_after_days` days past its due date (moved to the next business day)."""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from billing.business_days import next_business_day
from billing.penalties import months_late
from ledger.money import CENT, ZERO, to_cents

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ScheduledInstallment:
    """One installment of a schedule: `number` 0 is the down payment, `amount` in dollars."""

    number: int
    due_on: date
    amount: Decimal


def month_end(day: date, months_after: int) -> date:
    """The last day of the month `months_after` months after `day`'s month."""
    index = day.month - 1 + months_after
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def down_payment_cap(total: Decimal, percent: Decimal) -> Decimal:
    """The largest down payment the terms allow: `percent` of `total`, rounded down to the
    cent (a cap is never rounded up past the percent)."""
    return (total * percent / HUNDRED).quantize(CENT, rounding=ROUND_DOWN)


def schedule(
    *, total: Decimal, down_payment: Decimal, installments: int, enrolled_on: date
) -> list[ScheduledInstallment]:
    """The installments of a plan of `total` dollars: the down payment (installment 0, due on
    `enrolled_on`; left out when it is $0.00) and `installments` monthly installments due the
    last day of each following month, the odd cents one each on the first ones. Raises
    ValueError for amounts that cannot make a schedule (the service checks the terms first)."""
    if installments < 1:
        raise ValueError("A plan has at least one monthly installment.")
    if down_payment < 0 or down_payment > total:
        raise ValueError("The down payment is between $0.00 and the total.")
    rest = total - down_payment
    if rest <= 0:
        raise ValueError("Something must be left for the monthly installments.")
    if rest < CENT * installments:
        # Every installment is at least a cent (the database refuses a $0.00 one).
        raise ValueError(
            f"The ${rest:,.2f} left after the down payment makes at most "
            f"{int(rest / CENT)} monthly installment{'s' if rest > CENT else ''} of a cent or more."
        )
    each = (rest / installments).quantize(CENT, rounding=ROUND_DOWN)
    extra_cents = int((rest - each * installments) / CENT)
    rows = []
    if down_payment > 0:
        rows.append(ScheduledInstallment(0, enrolled_on, down_payment))
    for number in range(1, installments + 1):
        amount = each + (CENT if number <= extra_cents else ZERO)
        rows.append(ScheduledInstallment(number, month_end(enrolled_on, number), amount))
    return rows


def extra_cent_installments(amounts: Sequence[tuple[int, Decimal]]) -> list[int]:
    """The numbers of the monthly installments (not the down payment) that carry the odd
    cent: those a cent more than the smallest. Shown on the page and the agreement."""
    monthly = [(number, amount) for number, amount in amounts if number > 0]
    if not monthly:
        return []
    least = min(amount for _, amount in monthly)
    return [number for number, amount in monthly if amount > least]


def filled(amounts: Sequence[Decimal], paid: Decimal) -> list[Decimal]:
    """What `paid` dollars pay of each installment, oldest first."""
    out = []
    for amount in amounts:
        part = min(amount, max(paid, ZERO))
        out.append(part)
        paid -= part
    return out


def is_late(due_on: date, as_of: date, closed: frozenset[date]) -> bool:
    """Whether an installment due `due_on` and not fully paid is late on `as_of`."""
    return as_of > next_business_day(due_on, closed)


def late_interest(
    *,
    unpaid: Decimal,
    due_on: date,
    as_of: date,
    percent: Decimal,
    closed: frozenset[date],
    months_assessed: int = 0,
) -> tuple[Decimal, int]:
    """Interest newly due on an installment as of `as_of` and the months it brings the count
    to: `percent` of `unpaid` for each month or portion thereof after `due_on` not yet
    assessed (`months_assessed`), each month rounded half-up to the cent on its own."""
    if unpaid <= 0:
        return ZERO, months_assessed
    months = months_late(due_on, as_of, closed=closed)
    if months <= months_assessed:
        return ZERO, months_assessed
    return to_cents(unpaid * percent / HUNDRED) * (months - months_assessed), months


def late_charge_from(due_on: date, after_days: int, closed: frozenset[date]) -> date:
    """The first day the late charge applies: the day after the last day to pay without it
    (`after_days` days after `due_on`, moved to the next business day)."""
    return next_business_day(due_on + timedelta(days=after_days), closed) + timedelta(days=1)


def late_charge(
    *,
    unpaid: Decimal,
    due_on: date,
    as_of: date,
    percent: Decimal,
    after_days: int,
    closed: frozenset[date],
) -> Decimal:
    """The one-time late charge on an installment as of `as_of`: `percent` of `unpaid`,
    rounded half-up to the cent, once it is more than `after_days` days late; else $0.00."""
    if unpaid <= 0 or as_of < late_charge_from(due_on, after_days, closed):
        return ZERO
    return to_cents(unpaid * percent / HUNDRED)


def default_from(due_on: date, after_days: int, closed: frozenset[date]) -> date:
    """The day a plan whose oldest unpaid installment was due `due_on` is in default: the day
    after the last day to cure it, `after_days` days past the due date (moved to the next
    business day), that last day itself moved to the next business day when the office is
    closed on it (RPTL 925-a, as for the late charge): the taxpayer always has a business day
    to pay in person."""
    last_day = next_business_day(due_on, closed) + timedelta(days=after_days)
    return next_business_day(last_day, closed) + timedelta(days=1)
