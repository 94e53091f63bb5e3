"""Money helpers: amounts are Decimal, rounded half-up to the cent only where the law rounds."""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal

from ledger.errors import InvalidAmount

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# NUMERIC(14,2): twelve digits before the point.
MAX_AMOUNT = Decimal("999999999999.99")


def to_cents(value: Decimal | int | str) -> Decimal:
    """Round a computed amount to the cent, half up (the rounding the statutes use)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def is_whole_cents(value: Decimal) -> bool:
    """True when `value` is a finite amount with no fraction of a cent."""
    try:
        return value.is_finite() and value == value.quantize(CENT)
    except InvalidOperation:
        return False


def format_money(value: Decimal) -> str:
    """$1,234.50 and -$12.00, as the office writes amounts."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


# What may reach Babel at all: ASCII digits, thousands commas and one decimal point. Babel alone
# would also read exponents ("1E5"), NaN, infinity, signs and digits of other scripts
# (Arabic-Indic or full-width digits), none of which a cashier means as an amount.
_AMOUNT_CHARACTERS = re.compile(r"[0-9][0-9,]*(\.[0-9]*)?|\.[0-9]+")
_SHOWN_LENGTH = 40


def shown(text: str) -> str:
    """`text` as a message may quote it: control characters dropped, at most 40 characters."""
    printable = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    if len(printable) > _SHOWN_LENGTH:
        return printable[: _SHOWN_LENGTH - 1] + "…"
    return printable


def parse_decimal_text(
    text: str,
    *,
    places: int = 2,
    maximum: Decimal = MAX_AMOUNT,
    money: bool = True,
    what: str = "",
) -> Decimal:
    """A non-negative decimal number as people write it in the United States, read strictly:
    "1234.56", "1,234.56" and, for money, "$1,234.56".

    Commas must separate thousands exactly (Babel's strict en_US parsing, CLDR); "12,50" and
    "1,2,3" are refused rather than read as 1250 and 123. Refused too: exponents, signs, NaN,
    infinity, digits of other scripts, more than `places` decimals, and more than `maximum`.
    Raises InvalidAmount with a message that quotes the value."""
    raw = str(text).strip()
    body = raw.removeprefix("$").strip() if money else raw
    what = what or ("an amount" if money else "a number")
    if not raw:
        raise InvalidAmount(f"Enter {what}.")
    if not _AMOUNT_CHARACTERS.fullmatch(body):
        raise InvalidAmount(
            f"“{shown(raw)}” is not {what}: write digits with a point, as in 1,234.56."
        )
    try:
        # Without a comma there is nothing for Babel to judge: Decimal reads the same digits the
        # same way, at a fiftieth of the cost (an import reads millions of amounts).
        value = (
            Decimal(body) if "," not in body else parse_decimal(body, locale="en_US", strict=True)
        )
    except NumberFormatError:
        raise InvalidAmount(
            f"“{shown(raw)}” is not {what}: a comma may only separate thousands, as in 1,234.56."
        ) from None
    if value > maximum:
        limit = format_money(maximum) if money else f"{maximum:,}"
        if maximum == MAX_AMOUNT:
            raise InvalidAmount(
                f"“{shown(raw)}” is more than the books can hold (at most {limit})."
            )
        raise InvalidAmount(f"“{shown(raw)}” is more than {limit}, the most allowed here.")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        decimals = "two decimal places (whole cents)" if money else f"{places} decimals"
        raise InvalidAmount(f"“{shown(raw)}” has more than {decimals}.")
    return value


def parse_money(text: str) -> Decimal:
    """An amount of money typed or imported: "1234.56", "1,234.56" or "$1,234.56", as a Decimal
    of whole cents from $0.00 to MAX_AMOUNT. The one parser for every money input (counter,
    invoices, imports, admin). Raises InvalidAmount naming the value (see parse_decimal_text)."""
    return parse_decimal_text(text).quantize(CENT)
