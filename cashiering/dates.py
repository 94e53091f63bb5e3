"""The office's one written form of dates and times, for pages, documents, messages and memos.

A person reads 11/30/2026, 11/30/2026 2:05 PM and 2:05 PM everywhere; machines (query strings,
file names, CSV columns, fingerprints) keep ISO 8601 and never come through here.
"""

from datetime import date, datetime

from django.utils import dateformat, timezone

# Django date-format strings; cashiering/formats/en/formats.py hands them to templates.
DATE = "m/d/Y"
DATETIME = "m/d/Y g:i A"
TIME = "g:i A"


def us_date(value: date | None) -> str:
    """A calendar date as a person reads it: 11/30/2026 (an aware datetime gives its office day).

    No date gives "", as |date does in a template.
    """
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, DATE)


def us_datetime(value: datetime) -> str:
    """A moment as a person reads it, in the office's time zone: 11/30/2026 2:05 PM."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, DATETIME)


def us_time(value: datetime) -> str:
    """The time of day of a moment, in the office's time zone: 2:05 PM."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.time_format(value, TIME)
