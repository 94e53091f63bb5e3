"""Every write of reconciliation, one module per concern (STYLE.md: a services package re-exports
its public names so callers do not change)."""

from reconciliation.services.custody import (
    ReconciliationSource,
    change_fund_adjust,
    check_location,
    custody_transfer_post,
)
from reconciliation.services.exports import (
    posting_export_acknowledge,
    posting_export_create,
    referral_file_create,
    vendor_payments_import,
)
from reconciliation.services.month import month_close

__all__ = [
    "ReconciliationSource",
    "change_fund_adjust",
    "check_location",
    "custody_transfer_post",
    "month_close",
    "posting_export_acknowledge",
    "posting_export_create",
    "referral_file_create",
    "vendor_payments_import",
]
