"""Every write of reconciliation, one module per concern (STYLE.md: a services package re-exports
its public names so callers do not change)."""

from reconciliation.services.closing import (
    ExtraCheck,
    drawer_close_count,
    drawer_close_sign_off,
    drawer_reopen,
)
from reconciliation.services.custody import (
    ReconciliationSource,
    change_fund_adjust,
    check_location,
    custody_transfer_post,
)

__all__ = [
    "ExtraCheck",
    "ReconciliationSource",
    "change_fund_adjust",
    "check_location",
    "custody_transfer_post",
    "drawer_close_count",
    "drawer_close_sign_off",
    "drawer_reopen",
]
