"""Fixtures of the audit tests: the payments fixtures (an office, bills) are reused."""

from tests.payments.conftest import office  # noqa: F401
