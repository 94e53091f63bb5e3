"""CSV cells a spreadsheet opens as text, never as a formula (CSV injection, OWASP): a cell a
spreadsheet would evaluate (=, +, @, a tab or carriage return first; a leading minus unless the
cell is a number) starts with a single quote instead. Every CSV the office hands out (reports,
exports to other departments and to the collection vendor) writes its cells through here."""

from decimal import Decimal, InvalidOperation

_FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """`value` as CSV cell text, quoted with a leading ' when a spreadsheet would run it as a
    formula; a negative amount ("-15.00") stays a number."""
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    if text.startswith("-"):
        try:
            Decimal(text)
        except InvalidOperation:
            return "'" + text
    return text
