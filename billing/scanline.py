"""The remittance scanline on invoice stubs: building it, checking it and reading it back."""

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import cycle

from ledger.errors import DomainError
from ledger.money import is_whole_cents

# The layout, left to right. A scanner types the compact form and presses Enter; the spaced form
# is printed under the barcode so a clerk can key it in when the barcode will not scan.
#   RRRRRRRRRRRR AAAAAAAAAA C
#   reference    cents      check digit over the 22 digits before it
REFERENCE_DIGITS = 12
AMOUNT_DIGITS = 10
CHECK_DIGITS = 1
SCANLINE_LENGTH = REFERENCE_DIGITS + AMOUNT_DIGITS + CHECK_DIGITS
MAX_REFERENCE = 10**REFERENCE_DIGITS - 1
# Ten digits of cents: up to $99,999,999.99.
MAX_AMOUNT = Decimal(10**AMOUNT_DIGITS - 1).scaleb(-2)

# What a scanner or a clerk may put between the digits; every other non-digit is an error.
_SEPARATORS = re.compile(r"[\s-]")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_NON_DIGIT = re.compile(r"[^0-9]")

_RESCAN = "Scan it again or type the bill number."


@dataclass(frozen=True)
class CheckDigitScheme:
    """A mod-10 check digit: the digits are weighted from the rightmost one, cycling `weights`.

    With `sum_product_digits` each product's digits are added (7 x 2 = 14 counts 1 + 4): with
    weights (2, 1) that is Luhn, which catches every single wrong digit and every swap of two
    neighbours except 0 and 9. Without it the products are added as they are, as in the
    (3, 1) and (7, 3, 1) schemes some billing vendors print; those miss a swap of two
    neighbours that differ by 5.
    """

    weights: tuple[int, ...] = (2, 1)
    sum_product_digits: bool = True

    def __post_init__(self) -> None:
        if not self.weights:
            raise ValueError("A check-digit scheme needs at least one weight.")
        for weight in self.weights:
            # A weight of 0 or 10 would leave its digits unchecked.
            if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 9:
                raise ValueError(f"Check-digit weights are whole numbers 1 to 9, not {weight!r}.")


LUHN = CheckDigitScheme()
DEFAULT_SCHEME = LUHN


def configured_scheme() -> CheckDigitScheme:
    """The office's scheme, from settings (SCANLINE_CHECK_WEIGHTS, SCANLINE_SUM_PRODUCT_DIGITS)."""
    from django.conf import settings

    return CheckDigitScheme(
        weights=tuple(settings.SCANLINE_CHECK_WEIGHTS),
        sum_product_digits=settings.SCANLINE_SUM_PRODUCT_DIGITS,
    )


class ScanlineError(DomainError, ValueError):
    """Typed text that is not a good scanline, with a message the clerk can act on."""

    code = "scanline_error"


@dataclass(frozen=True)
class Scanline:
    """What a scanline says: which account or bill, and how much the stub asked for."""

    reference: int
    amount: Decimal


def check_digit(digits: str, *, scheme: CheckDigitScheme = DEFAULT_SCHEME) -> str:
    """The one check digit that, appended to `digits`, makes the weighted sum a multiple of 10."""
    if not _ASCII_DIGITS.fullmatch(digits):
        raise ValueError(f"A check digit is computed over digits 0-9 only, not {digits!r}.")
    total = 0
    for weight, char in zip(cycle(scheme.weights), reversed(digits), strict=False):
        product = weight * int(char)
        if scheme.sum_product_digits:
            # Products are at most 9 x 9 = 81, so two digits at most.
            product = product // 10 + product % 10
        total += product
    return str(-total % 10)


def scanline_build(
    *, reference: int, amount: Decimal, scheme: CheckDigitScheme = DEFAULT_SCHEME
) -> str:
    """The scanline for a stub, digits only, as the barcode encodes it and the scanner types it."""
    if isinstance(reference, bool) or not isinstance(reference, int):
        raise TypeError(f"The scanline reference is a whole number, not {reference!r}.")
    if not 0 <= reference <= MAX_REFERENCE:
        raise ValueError(
            f"The scanline reference {reference} does not fit in {REFERENCE_DIGITS} digits."
        )
    if not isinstance(amount, Decimal):
        # A float here would already have lost cents; money is always Decimal.
        raise TypeError(f"The scanline amount must be a Decimal, not {type(amount).__name__}.")
    if not is_whole_cents(amount):
        raise ValueError(f"The scanline amount {amount} is not a whole number of cents.")
    if amount < 0:
        raise ValueError(f"The scanline amount {amount} is negative; a stub never asks for that.")
    if amount > MAX_AMOUNT:
        raise ValueError(
            f"The scanline amount {amount} is too large: a scanline holds at most {MAX_AMOUNT}."
        )
    cents = int(amount.scaleb(2))
    payload = f"{reference:0{REFERENCE_DIGITS}d}{cents:0{AMOUNT_DIGITS}d}"
    return payload + check_digit(payload, scheme=scheme)


def scanline_spaced(text: str) -> str:
    """The scanline with a space between its fields, for printing under the barcode."""
    digits = _scanline_digits(text)
    amount_end = REFERENCE_DIGITS + AMOUNT_DIGITS
    return (
        f"{digits[:REFERENCE_DIGITS]} {digits[REFERENCE_DIGITS:amount_end]} {digits[amount_end:]}"
    )


def scanline_parse(text: str, *, scheme: CheckDigitScheme = DEFAULT_SCHEME) -> Scanline:
    """Read a scanned or typed scanline; raise ScanlineError saying what to do if it is not one."""
    digits = _scanline_digits(text)
    payload, given = digits[:-CHECK_DIGITS], digits[-CHECK_DIGITS:]
    if check_digit(payload, scheme=scheme) != given:
        raise ScanlineError(
            "The scanline's check digit is wrong: it was probably mis-typed or mis-scanned. "
            + _RESCAN,
            code="check_digit",
        )
    cents = int(payload[REFERENCE_DIGITS:])
    return Scanline(reference=int(payload[:REFERENCE_DIGITS]), amount=Decimal(cents).scaleb(-2))


def looks_like_scanline(text: str) -> bool:
    """Whether a search box should try `text` as a scanline (its check digit is not checked)."""
    digits = _SEPARATORS.sub("", text)
    return len(digits) == SCANLINE_LENGTH and _ASCII_DIGITS.fullmatch(digits) is not None


def is_valid_scanline(text: str) -> bool:
    """Whether `text` is one of our stubs' scanlines, check digit included. Such a text is not a
    card number even when a run of its digits passes the Luhn check (about one stub in five):
    callers that refuse card numbers skip the check for it."""
    if not looks_like_scanline(text):
        return False
    try:
        scanline_parse(text, scheme=configured_scheme())
    except ScanlineError:
        return False
    return True


def _scanline_digits(text: str) -> str:
    """The scanline's digits without separators, or ScanlineError if it cannot be one of ours."""
    digits = _SEPARATORS.sub("", text)
    if bad := _NON_DIGIT.search(digits):
        raise ScanlineError(
            f'A scanline is digits only, and this one has "{bad.group()}" in it. ' + _RESCAN,
            code="not_digits",
        )
    if len(digits) != SCANLINE_LENGTH:
        raise ScanlineError(
            f"This is not one of our scanlines: it has {len(digits)} digits and ours have "
            f"{SCANLINE_LENGTH}. " + _RESCAN,
            code="wrong_length",
        )
    return digits
