"""payments.permits.permit_period_end and a permit sold at the counter: whole months from the
start, through the end of a shorter month (bought January 31: through February 28)."""

import calendar
import uuid
from datetime import date
from decimal import Decimal

import pytest

from billing.selectors import fee_price
from payments.permits import permit_period_end
from payments.services import FeeItem, payment_record
from tests.payments.conftest import cash, fee


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # the example
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
        (date(2027, 1, 30), 1, date(2027, 2, 28)),  # February has no 30th
        (date(2027, 1, 29), 1, date(2027, 2, 28)),  # nor a 29th in 2027
        (date(2028, 1, 29), 1, date(2028, 2, 28)),  # 2028 has: the day before it
        (date(2027, 3, 31), 1, date(2027, 4, 30)),  # April has no 31st
        (date(2027, 8, 31), 1, date(2027, 9, 30)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),  # across the year into a leap February
        (date(2027, 10, 31), 4, date(2028, 2, 29)),
        (date(2027, 1, 1), 1, date(2027, 1, 31)),  # a month from the first: that month
        (date(2027, 12, 1), 1, date(2027, 12, 31)),
        (date(2027, 2, 28), 1, date(2027, 3, 27)),  # the day before March 28
        (date(2027, 1, 15), 12, date(2028, 1, 14)),
        (date(2027, 5, 31), 12, date(2028, 5, 30)),  # May has a 31st: the day before it
    ],
)
def test_a_permit_covers_whole_months(start, months, end):
    assert permit_period_end(start, months) == end


def test_every_month_end_start_covers_through_the_next_month(reference):
    # whatever the month: a one-month permit from its last day covers all of the next month
    # when that month is shorter, and never runs into the month after
    for year in (2027, 2028):
        for month in range(1, 13):
            start = date(year, month, 28)
            while True:
                try:
                    start = start.replace(day=start.day + 1)
                except ValueError:
                    break
            end = permit_period_end(start, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            assert (end.year, end.month) == (following.year, following.month), start
            next_month_last = calendar.monthrange(following.year, following.month)[1]
            if next_month_last < start.day:
                assert end.day == next_month_last, start  # the whole of the shorter month
            else:
                assert end.day == start.day - 1, start


def test_a_permit_sold_on_january_31_covers_february(drawer, clerk):
    permit = fee("permit_green")
    price = fee_price(permit, date(2027, 1, 31))
    assert price is not None
    payment = payment_record(
        drawer=drawer,
        items=[FeeItem(permit.pk, plate="ABC1234", period_start=date(2027, 1, 31), months=1)],
        tenders=[cash(str(price))],
        token=uuid.uuid4(),
        by=clerk,
        as_of=date(2027, 1, 31),
    )
    item = payment.items.get()
    assert (item.period_start, item.period_end) == (date(2027, 1, 31), date(2027, 2, 28))
    assert "01/31/2027 to 02/28/2027" in item.description
    assert payment.total == Decimal(price)
