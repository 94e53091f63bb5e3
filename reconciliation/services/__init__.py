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
from reconciliation.services.days import day_reopen, day_sign_off
from reconciliation.services.deposits import (
    CheckPick,
    deposit_cancel,
    deposit_prepare,
    deposit_verify,
)
from reconciliation.services.exports import (
    posting_export_acknowledge,
    posting_export_create,
    referral_file_create,
    vendor_payments_import,
)
from reconciliation.services.month import month_close
from reconciliation.services.safe import cash_drop_record, safe_count_record
from reconciliation.services.statements import (
    csv_mapping_save,
    statement_auto_match,
    statement_import,
    statement_line_explain,
    statement_line_match_card_day,
    statement_line_match_deposit,
    statement_line_match_returned_check,
)

__all__ = [
    "CheckPick",
    "ExtraCheck",
    "ReconciliationSource",
    "cash_drop_record",
    "change_fund_adjust",
    "check_location",
    "csv_mapping_save",
    "custody_transfer_post",
    "day_reopen",
    "day_sign_off",
    "deposit_cancel",
    "deposit_prepare",
    "deposit_verify",
    "drawer_close_count",
    "drawer_close_sign_off",
    "drawer_reopen",
    "month_close",
    "posting_export_acknowledge",
    "posting_export_create",
    "referral_file_create",
    "safe_count_record",
    "statement_auto_match",
    "statement_import",
    "statement_line_explain",
    "statement_line_match_card_day",
    "statement_line_match_deposit",
    "statement_line_match_returned_check",
    "vendor_payments_import",
]
