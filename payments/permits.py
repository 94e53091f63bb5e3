"""The period a parking permit covers: whole months from the day it starts."""

import calendar
from datetime import date, timedelta


def permit_period_end(start: date, months: int) -> date:
    """The last day a permit of `months` months starting on `start` covers: the day before the
    same day `months` later, or, when the later month has no such day, that month's last day
    (bought January 31 for one month: through February 28, or 29 in a leap year)."""
    if months < 1:
        raise ValueError("A permit covers at least one month.")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)
