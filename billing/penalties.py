"""Penalty and interest arithmetic: pure functions of a bill's state, its rules, the office's
closed days and a date.

How a schedule is read (docs/billing.md says the same for the office):
- Interest ("monthly_interest") is a percent of the unpaid principal for each month or portion
  of a month after the due date (NY RPTL 924-a). The first month runs from the day after the due
  date to the same day of the next month; when the due date is the last day of its month, each
  month ends on the last day of a month (due January 31: February 1-28 is month one, March 1
  starts month two). Interest for months already assessed is not charged again.
- Each month's interest is rounded half-up to the cent on its own, on the principal unpaid when
  that month began: so what a bill owes never depends on whether it was part-paid in between
  (three months of 1% on $333.35 are 3 x $3.33 = $9.99, however many visits it took).
- Penalties are events, one per rule, each assessed once (the rules already assessed are named,
  not counted, so a rule added later never makes an assessed one fall due again):
  "percent_after_due" the day after the due date, "fixed_after_days" on day N+1 after the due
  date, "percent_on_date" on a delinquency date in the due date's year (the next year's if that
  date is not after the due date). A percent penalty is a percent of the unpaid principal,
  each event rounded half-up to the cent.
- Business days (RPTL 925-a, General Construction Law 25-a): when a rule says so, a last day to
  pay without it (the due date, the last day of each month of interest, the day before a
  penalty) that falls on a Saturday, Sunday or a day in `closed` moves to the next business day.
- While a parking appeal is pending, nothing new accrues: amounts are computed as of the day
  it opened. Once it is closed, the whole schedule runs later by the days it was pending.
- While the bill is in a payment plan in good standing (RPTL 1184), nothing new accrues either:
  amounts are computed as of the day of enrolment (`plan_enrolled_on`). When the plan defaults,
  the bill owes as if there had been no plan: every month of interest since the due date, each
  on the principal unpaid when that month began, which the plan's payments (`plan_payments`:
  the day and principal of each) are added back to for the months that began before them."""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from billing.business_days import next_business_day
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
    # The PenaltyRule row: which penalty event a bill has had assessed.
    id: int | None = None
    # Whether a last day to pay that falls on a closed day moves to the next business day.
    business_days: bool = True


@dataclass(frozen=True)
class BillState:
    due_date: date
    principal_balance: Decimal
    penalty_balance: Decimal = ZERO
    interest_balance: Decimal = ZERO
    penalty_rules_assessed: frozenset[int] = frozenset()  # ids of the rules already assessed
    interest_months_assessed: int = 0
    appeal_opened_on: date | None = None  # an appeal pending since this day
    appeal_days: int = 0  # days that closed appeals were pending
    plan_enrolled_on: date | None = None  # in a payment plan in good standing since this day
    # A plan that defaulted: (day, principal paid) of each of its payments on this bill.
    plan_payments: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class AmountDue:
    """What is owed as of a date: assessed and unpaid amounts plus what newly accrues."""

    principal: Decimal
    penalty: Decimal
    interest: Decimal
    new_penalty: Decimal
    new_interest: Decimal
    penalty_rules: frozenset[int]  # rules assessed once the new penalty is
    new_penalty_rules: frozenset[int]  # of those, the ones the new penalty assesses
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


def _last_day(day: date, closed: frozenset[date] | None) -> date:
    """A last day to pay: moved to the next business day unless `closed` is None (the rule
    does not extend)."""
    return day if closed is None else next_business_day(day, closed)


def months_late(due_date: date, as_of: date, *, closed: frozenset[date] | None = None) -> int:
    """Months or portions of a month from the day after `due_date` through `as_of`. With
    `closed` (the office's closed days besides weekends), each month's last day, the due date
    included, moves to the next business day when the office is closed on it."""
    if as_of <= _last_day(due_date, closed):
        return 0
    month_end = due_date.day == calendar.monthrange(due_date.year, due_date.month)[1]
    # a first guess from the calendar, corrected by at most a step either way
    months = max((as_of.year - due_date.year) * 12 + as_of.month - due_date.month, 1)
    while months > 1 and add_months(due_date, months - 1, month_end=month_end) >= as_of:
        months -= 1
    while add_months(due_date, months, month_end=month_end) < as_of:
        months += 1
    # A moved last day only ever moves later, so it can only shorten the count.
    while months > 1 and (
        _last_day(add_months(due_date, months - 1, month_end=month_end), closed) >= as_of
    ):
        months -= 1
    return months


def penalty_schedule(
    due_date: date, rules: Sequence[Rule], *, closed: frozenset[date] | None = None
) -> list[tuple[date, Rule]]:
    """The penalty events of `rules` with the first day each applies, in order. With `closed`,
    a rule that extends to business days applies from the day after the next business day on
    or after its last day without it."""
    events = []
    for rule in rules:
        if rule.kind == PERCENT_AFTER_DUE:
            last = due_date
        elif rule.kind == FIXED_AFTER_DAYS:
            last = due_date + timedelta(days=rule.days or 0)
        elif rule.kind == PERCENT_ON_DATE:
            if rule.month is None or rule.day is None:
                raise ValueError("A penalty on a delinquency date needs its month and day.")
            on = _on_date(due_date.year, rule.month, rule.day)
            if on <= due_date:
                on = _on_date(due_date.year + 1, rule.month, rule.day)
            last = on - timedelta(days=1)
        else:
            continue
        extends = closed if rule.business_days else None
        events.append((_last_day(last, extends) + timedelta(days=1), rule))
    return sorted(events, key=lambda event: event[0])


def _on_date(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _event_key(rule: Rule) -> int:
    if rule.id is None:
        raise ValueError("A penalty rule needs its id: assessed events are tracked by rule.")
    return rule.id


def compute_amount_due(
    state: BillState, rules: Sequence[Rule], as_of: date, *, closed: frozenset[date]
) -> AmountDue:
    """Everything owed on a bill as of `as_of` under `rules`, to the cent. `closed` holds the
    office's closed days besides weekends (legal holidays and closures), at least those from
    the due date through `as_of`; rules that extend to business days use it."""
    new_penalty = new_interest = ZERO
    assessed = state.penalty_rules_assessed
    newly: frozenset[int] = frozenset()
    months_done = state.interest_months_assessed
    if state.appeal_opened_on is not None:
        as_of = min(as_of, state.appeal_opened_on)
    if state.plan_enrolled_on is not None:
        as_of = min(as_of, state.plan_enrolled_on)
    due_date = state.due_date + timedelta(days=state.appeal_days)
    paid_later = state.plan_payments
    if state.principal_balance > 0:
        schedule = penalty_schedule(due_date, rules, closed=closed)
        fallen_due = [
            (start, rule)
            for start, rule in schedule
            if start <= as_of and _event_key(rule) not in assessed
        ]
        for start, rule in fallen_due:
            if rule.kind == FIXED_AFTER_DAYS:
                new_penalty += to_cents(rule.amount or ZERO)
            else:
                # the principal unpaid when the event fell due: plan payments on or after it
                # were made on a principal that still held them
                principal = state.principal_balance + sum(
                    (paid for day, paid in paid_later if day >= start), ZERO
                )
                new_penalty += to_cents(principal * (rule.percent or ZERO) / HUNDRED)
        newly = frozenset(_event_key(rule) for _, rule in fallen_due)

        interest_rules = [r for r in rules if r.kind == MONTHLY_INTEREST]
        rate = sum((r.percent or ZERO for r in interest_rules), ZERO)
        extends = any(r.business_days for r in interest_rules)
        months = months_late(due_date, as_of, closed=closed if extends else None)
        if rate and months > months_done and not paid_later:
            # Every month not yet assessed began while this principal was unpaid (a payment
            # assesses what has fallen due before it reduces the principal).
            monthly = to_cents(state.principal_balance * rate / HUNDRED)
            new_interest = monthly * (months - months_done)
            months_done = months
        elif rate and months > months_done:
            # A defaulted plan's payments were made without assessing the months they fell
            # in: month k was owed on the principal that payments made after it began still
            # held, as a payment without a plan would have assessed it.
            plan_closed = closed if extends else None
            paid_in_month = [
                (months_late(due_date, day, closed=plan_closed), paid) for day, paid in paid_later
            ]
            for month in range(months_done + 1, months + 1):
                principal = state.principal_balance + sum(
                    (paid for in_month, paid in paid_in_month if in_month >= month), ZERO
                )
                new_interest += to_cents(principal * rate / HUNDRED)
            months_done = months
    return AmountDue(
        principal=state.principal_balance,
        penalty=state.penalty_balance + new_penalty,
        interest=state.interest_balance + new_interest,
        new_penalty=new_penalty,
        new_interest=new_interest,
        penalty_rules=assessed | newly,
        new_penalty_rules=newly,
        interest_months=months_done,
    )
