"""The dates the books can compute with, and the check every date input makes against them.

Python's dates end at 0001-01-01 and 9999-12-31, but the app adds to the dates it is given
(due dates, 18-month repeat windows, months of interest, a year ahead for postmarks), so a date
near either end makes a page fail later, for someone else. Every date a person or a file gives is
kept between EARLIEST and LATEST instead: a century and more on both sides of any real bill."""

from datetime import date

from django.utils.formats import date_format

from ledger.errors import InvalidDate

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def date_check(value: date, *, what: str = "The date") -> date:
    """`value` itself if the books can compute with it; raises InvalidDate naming it if not."""
    if not EARLIEST <= value <= LATEST:
        raise InvalidDate(
            f"{what} {date_format(value)} is outside the dates the books use "
            f"({date_format(EARLIEST)} to {date_format(LATEST)})."
        )
    return value
