"""Money helpers: amounts are Decimal, rounded half-up to the cent only where the law rounds."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
