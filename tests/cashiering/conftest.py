"""Fixtures of the project-wide tests borrowed from the counter's: an office with windows."""

from tests.payments.conftest import office  # noqa: F401 (a fixture re-exported)
