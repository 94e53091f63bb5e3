"""Bank statement files read into one shape (ParsedStatement), whatever the bank sent: BAI2,
OFX/QFX (SGML or XML) or CSV with the bank account's saved column mapping. Parsing checks what
the file itself promises (control totals, record counts) and raises StatementError with a
message naming what is wrong; nothing here touches the database."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from cashiering.dates import us_date
from reconciliation.errors import StatementError

# A statement line longer than this is not a statement (a binary file read as text, say).
MAX_LINE_CHARS = 4000
CENT = Decimal("0.01")
# Amounts are NUMERIC(14,2): anything this large or more is no bank's amount.
TOO_MUCH = Decimal("1e12")


class ParsedLine(NamedTuple):
    """One transaction: `amount` in dollars, positive for money in, negative for money out.
    (A named tuple: a 100,000-line file makes 100,000 of them, and a frozen dataclass took
    several times as long to build.)"""

    posted_on: date
    amount: Decimal
    type_code: str = ""
    bank_reference: str = ""
    customer_reference: str = ""
    description: str = ""


@dataclass
class ParsedStatement:
    format: str
    account_number: str = ""
    period_start: date | None = None
    period_end: date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    lines: list[ParsedLine] = field(default_factory=list)


def text_of(data: bytes, what: str) -> str:
    """The file as text, or StatementError saying why it is not a statement: empty, binary,
    not in the encoding banks use, a line far too long."""
    if not data.strip():
        raise StatementError("The file is empty: there is no statement in it.")
    if b"\x00" in data[:65536]:
        raise StatementError(f"This is a binary file, not a {what} statement.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise StatementError(
                f"The file is not text in a known encoding (UTF-8 or Windows-1252); a {what} "
                "statement is plain text."
            ) from None
    longest = max((len(line) for line in text.splitlines()), default=0)
    if longest > MAX_LINE_CHARS:
        raise StatementError(
            f"A line of the file is {longest:,} characters long: this is not a {what} statement."
        )
    return text


def _is_dollars(value: Decimal) -> bool:
    return value.is_finite() and abs(value) < TOO_MUCH and value == value.quantize(CENT)


def _dollars(value: Decimal | None, what: str) -> None:
    if value is not None and not _is_dollars(value):
        raise StatementError(f"{what} {value} is not dollars and cents; nothing was imported.")


def amounts_checked(statement: ParsedStatement) -> ParsedStatement:
    """`statement` unchanged when every amount is dollars and cents under $1 trillion (what the
    books hold); else StatementError naming the first that is not (never rounded)."""
    _dollars(statement.opening_balance, "The opening balance")
    _dollars(statement.closing_balance, "The closing balance")
    for number, line in enumerate(statement.lines, start=1):
        if not _is_dollars(line.amount):  # the message only when needed: 100,000 lines
            _dollars(line.amount, f"Transaction {number} ({us_date(line.posted_on)}): the amount")
    return statement


def format_detect(data: bytes) -> str:
    """'bai2', 'ofx' or 'csv' (anything else that is text: read with the account's mapping)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if head.startswith(b"01,"):
        return "bai2"
    upper = head.upper()
    if b"OFXHEADER" in upper or b"<OFX>" in upper:
        return "ofx"
    return "csv"


__all__ = [
    "MAX_LINE_CHARS",
    "ParsedLine",
    "ParsedStatement",
    "amounts_checked",
    "format_detect",
    "text_of",
]
