"""Domain errors of the counter, each with a code and a message a clerk can act on."""

from decimal import Decimal

from ledger.errors import DomainError


class PaymentError(DomainError):
    code = "payment_error"


class NoOpenDrawer(PaymentError):
    code = "no_open_drawer"


class DrawerError(PaymentError):
    code = "drawer_error"


class BillChanged(PaymentError):
    """A bill in the cart owes something else now than when it was added (paid at another
    window, or a penalty fell due). `refreshed` maps bill id to what it owes now."""

    code = "bill_changed"

    def __init__(self, message: str, *, refreshed: dict[int, Decimal]):
        super().__init__(message)
        self.refreshed = refreshed


class PolicyRefused(PaymentError):
    """The cart breaks a payment policy; a Supervisor may override. `breaches` lists each rule."""

    code = "policy_refused"

    def __init__(self, message: str, *, breaches: list[str]):
        super().__init__(message)
        self.breaches = breaches


class TokenReused(PaymentError):
    code = "token_reused"


class ApprovalRequired(PaymentError):
    code = "approval_required"


class NotReversible(PaymentError):
    code = "not_reversible"


class RemittanceError(PaymentError):
    """A remittance batch, item, file or resolution refused (payments.services.remittance)."""

    code = "remittance_error"


class RemittanceFileError(RemittanceError):
    """A lockbox or vendor file that cannot be read: names the row number and the column."""

    code = "remittance_file_error"


class RemittanceFileSeen(RemittanceError):
    """The same file (same bytes) was imported already for this source: `batch` is the batch
    it posted; nothing was posted again."""

    code = "remittance_file_seen"

    def __init__(self, message: str, *, batch):
        super().__init__(message)
        self.batch = batch
