"""Every write of reconciliation, one module per concern (STYLE.md: a services package re-exports
its public names so callers do not change)."""

from reconciliation.services.custody import (
    ReconciliationSource,
    change_fund_adjust,
    check_location,
    custody_transfer_post,
)
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
    "ReconciliationSource",
    "change_fund_adjust",
    "check_location",
    "csv_mapping_save",
    "custody_transfer_post",
    "statement_auto_match",
    "statement_import",
    "statement_line_explain",
    "statement_line_match_card_day",
    "statement_line_match_deposit",
    "statement_line_match_returned_check",
]
