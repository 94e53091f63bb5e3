"""Domain errors of reconciliation: each carries a message a clerk or Supervisor can act on."""


class ReconciliationError(Exception):
    """Base: nothing was saved."""

    code = "reconciliation"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class CloseError(ReconciliationError):
    code = "close"


class SignOffRequired(ReconciliationError):
    """A count beyond the tolerance, a day close: a Supervisor other than the counter signs."""

    code = "sign_off_required"


class CustodyError(ReconciliationError):
    code = "custody"


class DepositError(ReconciliationError):
    code = "deposit"


class StatementError(ReconciliationError):
    code = "statement"


class DayClosed(ReconciliationError):
    code = "day_closed"


class ExportError(ReconciliationError):
    code = "export"


class DayNotClosable(ReconciliationError):
    """A day cannot be signed off yet (a drawer still open, the safe not counted), or the person
    may not sign off or reopen it."""

    code = "day_not_closable"
