"""Why a one-time code was not accepted, in words the person at the keyboard can act on."""

from ledger.errors import DomainError


class TwoFactorError(DomainError):
    code = "two_factor"


class WrongCode(TwoFactorError):
    code = "wrong_code"


class TooManyWrongCodes(TwoFactorError):
    """Throttled by django-otp: `seconds` is how long to wait before the next try."""

    code = "too_many_wrong_codes"

    def __init__(self, seconds: int):
        unit = "second" if seconds == 1 else "seconds"
        super().__init__(f"Too many wrong codes; wait {seconds} {unit}, then try again.")
        self.seconds = seconds


class NoDevice(TwoFactorError):
    code = "no_device"


class AlreadyEnrolled(TwoFactorError):
    code = "already_enrolled"
