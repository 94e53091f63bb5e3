"""Domain errors of billing, each with a code and a message a clerk can act on."""


class BillingError(Exception):
    code = "billing_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


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
