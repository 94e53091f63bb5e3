"""Fixtures of billing's tests: the counter's, for the lien certificates sold there."""

from tests.payments.conftest import drawer, office  # noqa: F401 (fixtures re-exported)
