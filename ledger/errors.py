"""Domain errors of the ledger, each with a code and a message a person can act on."""


class DomainError(Exception):
    """The base of every app's domain errors: a code for programs, a message for people."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class LedgerError(DomainError):
    code = "ledger_error"


class UnbalancedEntry(LedgerError):
    code = "unbalanced"


class InvalidLine(LedgerError):
    code = "invalid_line"


class PeriodClosed(LedgerError):
    code = "period_closed"


class PeriodNotClosable(LedgerError):
    """The period has not ended yet, or a drawer with postings in it is still open."""

    code = "period_not_closable"


class AlreadyReversed(LedgerError):
    code = "already_reversed"


class AppendOnly(LedgerError):
    code = "append_only"


class InvalidAmount(LedgerError):
    """Text that is not an amount of money as the office writes one (see ledger.money)."""

    code = "invalid_amount"


class InvalidDate(LedgerError):
    """A date outside the range the books can compute with (see ledger.date_limits)."""

    code = "invalid_date"


class DayClosed(LedgerError):
    """PostgreSQL refused a line dated an office-day that a Supervisor signed off (SQLSTATE
    DC001, reconciliation's day close). Reconciliation may not be imported here, so the ledger
    names the refusal itself."""

    code = "day_closed"
