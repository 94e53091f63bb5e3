"""Month close: a Supervisor closes an accounting period once everything in it is matched,
explained, closed and signed off (reconciliation.selectors_month.month_close_refusals, run by
ledger.services.period_close with the period locked)."""

from django.contrib.auth.models import User

from ledger.models import AccountingPeriod
from ledger.services import period_close
from reconciliation.errors import ReconciliationError

CLOSE_MONTH_PERMISSION = "reconciliation.close_month"


def month_close(*, period: AccountingPeriod, by: User) -> AccountingPeriod:
    """Close `period` through the ledger's period close: from then on PostgreSQL refuses any
    line dated in it (LG003).

    Raises ReconciliationError when `by` may not close periods; ledger.errors.PeriodClosed when
    it is closed already; PeriodNotClosable with every reason when it has not ended or
    something in it is still open (unmatched statement lines, drawers not closed, days not
    signed off)."""
    if not by.has_perm(CLOSE_MONTH_PERMISSION):
        raise ReconciliationError("Only a Supervisor may close an accounting period.")
    return period_close(period=period, by=by)
