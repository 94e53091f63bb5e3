"""Penalty and interest arithmetic: pure functions of a bill's state, its rules and a date.

How a schedule is read (docs/billing.md says the same for the office):
- Interest ("monthly_interest") is a percent of the unpaid principal for each month or portion
  of a month after the due date (NY RPTL 924-a). The first month runs from the day after the due
  date to the same day of the next month; when the due date is the last day of its month, each
  month ends on the last day of a month (due January 31: February 1-28 is month one, March 1
  starts month two). Interest for months already assessed is not charged again.
- Penalties are events, each assessed once, in date order: "percent_after_due" the day after the
  due date, "fixed_after_days" on day N+1 after the due date, "percent_on_date" on a delinquency
  date in the due date's year (the next year's if that date is not after the due date). A
  percent penalty is a percent of the unpaid principal.
- While a parking appeal is pending, nothing new accrues: amounts are computed as of the day
  it opened. Once it is closed, the whole schedule runs later by the days it was pending.
Amounts are rounded half-up to the cent once per computation."""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledger.money import ZERO, to_cents

MONTHLY_INTEREST = "monthly_interest"
PERCENT_ON_DATE = "percent_on_date"
PERCENT_AFTER_DUE = "percent_after_due"
FIXED_AFTER_DAYS = "fixed_after_days"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rule:
    kind: str
    percent: Decimal | None = None
    amount: Decimal | None = None
    days: int | None = None
    month: int | None = None
    day: int | None = None


@dataclass(frozen=True)
class BillState:
    due_date: date
    principal_balance: Decimal
    penalty_balance: Decimal = ZERO
    interest_balance: Decimal = ZERO
    penalty_events_assessed: int = 0
    interest_months_assessed: int = 0
    appeal_opened_on: date | None = None  # an appeal pending since this day
    appeal_days: int = 0  # days that closed appeals were pending


@dataclass(frozen=True)
class AmountDue:
    """What is owed as of a date: assessed and unpaid amounts plus what newly accrues."""

    principal: Decimal
    penalty: Decimal
    interest: Decimal
    new_penalty: Decimal
    new_interest: Decimal
    penalty_events: int  # events assessed once the new penalty is
    interest_months: int  # months assessed once the new interest is

    @property
    def total(self) -> Decimal:
        return self.principal + self.penalty + self.interest


def add_months(day: date, months: int, *, month_end: bool) -> date:
    """`day` plus whole months; the last day of a shorter month when the day does not exist,
    and always the last day when `month_end`."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if month_end else min(day.day, last))


def months_late(due_date: date, as_of: date) -> int:
    """Months or portions of a month from the day after `due_date` through `as_of`."""
    if as_of <= due_date:
        return 0
    month_end = due_date.day == calendar.monthrange(due_date.year, due_date.month)[1]
    # a first guess from the calendar, corrected by at most a step either way
    months = max((as_of.year - due_date.year) * 12 + as_of.month - due_date.month, 1)
    while months > 1 and add_months(due_date, months - 1, month_end=month_end) >= as_of:
        months -= 1
    while add_months(due_date, months, month_end=month_end) < as_of:
        months += 1
    return months


def penalty_schedule(due_date: date, rules: Sequence[Rule]) -> list[tuple[date, Rule]]:
    """The penalty events of `rules` with the first day each applies, in order."""
    events = []
    for rule in rules:
        if rule.kind == PERCENT_AFTER_DUE:
            events.append((due_date + timedelta(days=1), rule))
        elif rule.kind == FIXED_AFTER_DAYS:
            events.append((due_date + timedelta(days=(rule.days or 0) + 1), rule))
        elif rule.kind == PERCENT_ON_DATE:
            assert rule.month is not None and rule.day is not None
            year = due_date.year
            last = calendar.monthrange(year, rule.month)[1]
            on = date(year, rule.month, min(rule.day, last))
            if on <= due_date:
                on = date(
                    year + 1,
                    rule.month,
                    min(rule.day, calendar.monthrange(year + 1, rule.month)[1]),
                )
            events.append((on, rule))
    return sorted(events, key=lambda event: event[0])


def compute_amount_due(state: BillState, rules: Sequence[Rule], as_of: date) -> AmountDue:
    """Everything owed on a bill as of `as_of` under `rules`."""
    new_penalty = new_interest = ZERO
    events_done = state.penalty_events_assessed
    months_done = state.interest_months_assessed
    if state.appeal_opened_on is not None:
        as_of = min(as_of, state.appeal_opened_on)
    due_date = state.due_date + timedelta(days=state.appeal_days)
    if state.principal_balance > 0:
        schedule = penalty_schedule(due_date, rules)
        due_events = [rule for start, rule in schedule if start <= as_of]
        raw_penalty = ZERO
        for rule in due_events[events_done:]:
            if rule.kind == FIXED_AFTER_DAYS:
                raw_penalty += rule.amount or ZERO
            else:
                raw_penalty += state.principal_balance * (rule.percent or ZERO) / HUNDRED
        new_penalty = to_cents(raw_penalty)
        events_done = max(events_done, len(due_events))

        rate = sum((r.percent or ZERO for r in rules if r.kind == MONTHLY_INTEREST), ZERO)
        months = months_late(due_date, as_of)
        if rate and months > months_done:
            new_interest = to_cents(
                state.principal_balance * rate / HUNDRED * (months - months_done)
            )
            months_done = months
    return AmountDue(
        principal=state.principal_balance,
        penalty=state.penalty_balance + new_penalty,
        interest=state.interest_balance + new_interest,
        new_penalty=new_penalty,
        new_interest=new_interest,
        penalty_events=events_done,
        interest_months=months_done,
    )
