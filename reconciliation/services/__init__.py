"""Every write of reconciliation, one module per concern (STYLE.md: a services package re-exports
its public names so callers do not change)."""

from reconciliation.services.custody import (
    ReconciliationSource,
    change_fund_adjust,
    check_location,
    custody_transfer_post,
)
from reconciliation.services.days import day_reopen, day_sign_off

__all__ = [
    "ReconciliationSource",
    "change_fund_adjust",
    "check_location",
    "custody_transfer_post",
    "day_reopen",
    "day_sign_off",
]
