"""Domain errors of billing, each with a code and a message a clerk can act on."""

from ledger.errors import DomainError


class BillingError(DomainError):
    code = "billing_error"


class NothingToWaive(BillingError):
    code = "nothing_to_waive"


class ImportRejected(BillingError):
    """The file had bad rows; nothing was imported. `errors` lists them."""

    code = "import_rejected"

    def __init__(self, message: str, *, errors: list[dict], batch=None):
        super().__init__(message)
        self.errors = errors
        self.batch = batch  # the rejected ImportBatch, which keeps the report


class AlreadyImported(BillingError):
    code = "already_imported"


class NoPrice(BillingError):
    code = "no_price"
