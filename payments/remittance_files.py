"""Reading lockbox and online vendor files: the documented CSV layouts (docs/remittance.md), a
source's saved column mapping, and every row checked for form before anything is posted (a file
with one malformed row posts nothing; the error names the row and the column)."""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.formats import date_format

from billing.scanline import is_valid_scanline
from ledger.cards import contains_card_number
from ledger.errors import InvalidAmount
from ledger.money import ZERO, format_money, parse_decimal_text
from payments.errors import RemittanceFileError
from payments.models import RemittanceSource, Tender

DETAIL, TRAILER = "D", "T"
# A lockbox file of 100,000 items is about 8 MB; twice that is no remittance file. Refused before
# it is read: a file is read whole (all or nothing), and rows as Python objects take ten times
# their bytes.
MAX_FILE_BYTES = 16 * 1024 * 1024

# Our field -> the column header of the documented default layout of each kind of source.
LOCKBOX_LAYOUT: dict[str, str] = {
    "record": "Record",
    "deposit_date": "Deposit date",
    "scanline": "Scanline",
    "amount": "Amount",
    "check_number": "Check number",
    "check_payer": "Payer",
    "postmark": "Postmark",
    "count": "Count",
}
VENDOR_LAYOUT: dict[str, str] = {
    "record": "Record",
    "deposit_date": "Settlement date",
    "paid_on": "Paid on",
    "scanline": "Bill",
    "amount": "Amount",
    "fee": "Fee",
    "card_brand": "Card brand",
    "card_last4": "Last four",
    "reference": "Reference",
    "count": "Count",
}
DEFAULT_LAYOUTS = {
    RemittanceSource.Kind.LOCKBOX: LOCKBOX_LAYOUT,
    RemittanceSource.Kind.VENDOR: VENDOR_LAYOUT,
}
_REQUIRED = {
    RemittanceSource.Kind.LOCKBOX: ("record", "deposit_date", "scanline", "amount", "check_number"),
    RemittanceSource.Kind.VENDOR: (
        "record",
        "deposit_date",
        "paid_on",
        "scanline",
        "amount",
        "card_brand",
        "card_last4",
    ),
}
_BRANDS = {label.lower(): value for value, label in Tender.Brand.choices} | {
    value: value for value in Tender.Brand.values
}


@dataclass
class FileRow:
    """One payment of a file, as read (amounts Decimal dollars)."""

    number: int  # the row's line number in the file, counting the header
    scanline: str
    amount: Decimal
    check_number: str = ""
    check_payer: str = ""
    postmark: date | None = None
    paid_on: date | None = None
    fee: Decimal = ZERO
    card_brand: str = ""
    card_last4: str = ""
    reference: str = ""


@dataclass
class RemittanceFile:
    """A whole file: its rows and what its trailer announces (the bank deposit or the vendor's
    settlement: date, gross total, count, fees)."""

    rows: list[FileRow] = field(default_factory=list)
    deposit_date: date | None = None
    deposit_total: Decimal = ZERO
    count: int = 0
    fee_total: Decimal = ZERO

    @property
    def rows_total(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)


def layout_of(source: RemittanceSource) -> dict[str, str]:
    """The source's column mapping over its kind's default layout."""
    return {**DEFAULT_LAYOUTS[RemittanceSource.Kind(source.kind)], **(source.column_mapping or {})}


class _Reader:
    """Cells of one row by our field names, with errors naming the row and the column."""

    def __init__(self, source: RemittanceSource, header: list[str] | None) -> None:
        self.layout = layout_of(source)
        self.date_format = source.date_format
        self.index: dict[str, int] = {}
        for ours, theirs in self.layout.items():
            if header is not None:
                if theirs in header:
                    self.index[ours] = header.index(theirs)
            elif str(theirs).isdigit():
                self.index[ours] = int(theirs) - 1
        missing = [
            self.layout[f]
            for f in _REQUIRED[RemittanceSource.Kind(source.kind)]
            if f not in self.index
        ]
        if missing:
            raise RemittanceFileError(
                f"The file has no column {', '.join(repr(m) for m in missing)}: check the "
                f"source's column mapping against the file's header."
            )
        self.cells: list[str] = []
        self.number = 0

    def cell(self, ours: str) -> str:
        i = self.index.get(ours)
        if i is None or i >= len(self.cells):
            return ""
        return self.cells[i].strip()

    def fail(self, ours: str, what: str) -> RemittanceFileError:
        return RemittanceFileError(
            f"Row {self.number}, column {self.layout.get(ours, ours)!r}: {what} Nothing was "
            "posted; correct the file (or the source's mapping) and import it again."
        )

    def refuse_card_numbers(self, header: list[str] | None) -> None:
        """Refuse the row if any cell, read by us or not, holds what looks like a full card
        number; checked first, so no other message ever quotes one."""
        scanline = self.index.get("scanline")
        for i, cell in enumerate(self.cells):
            if i == scanline and is_valid_scanline(cell.strip()):
                continue
            if contains_card_number(cell):
                column = header[i] if header is not None and i < len(header) else str(i + 1)
                raise RemittanceFileError(
                    f"Row {self.number}, column {column!r}: it holds what looks like a full "
                    "card number; never send one. Nothing was posted."
                )

    def money(self, ours: str, *, positive: bool = True) -> Decimal:
        # Read as a clerk's typing is (ledger.money): "12,34" is refused, never taken as $1,234.
        text = self.cell(ours)
        if not text and not positive:
            return ZERO
        try:
            amount = parse_decimal_text(text, what="an amount of money")
        except InvalidAmount as exc:
            raise self.fail(ours, str(exc.message)) from None
        if positive and amount == 0:
            raise self.fail(ours, "the amount must be more than $0.00.")
        return amount.quantize(Decimal("0.01"))

    def day(self, ours: str, *, required: bool) -> date | None:
        text = self.cell(ours)
        if not text:
            if required:
                raise self.fail(ours, "the date is missing.")
            return None
        try:
            return datetime.strptime(text, self.date_format).date()
        except ValueError:
            raise self.fail(ours, f"{text!r} is not a date written {self.date_format}.") from None

    def text(self, ours: str, longest: int) -> str:
        # Card numbers: every cell of the row was looked at first (refuse_card_numbers).
        value = self.cell(ours)
        if len(value) > longest:
            raise self.fail(ours, f"longer than {longest} characters.")
        return value


def remittance_file_digest(content: bytes) -> str:
    """The SHA-256 (hex) that keys a file once per source: of its text with line ends, a
    byte-order mark, trailing blanks and blank lines made uniform, so the same file saved by
    another program is the same file. A file already so written keeps its bytes' digest."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return hashlib.sha256(content).hexdigest()
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()


def file_size_checked(size: int) -> None:
    """A file larger than MAX_FILE_BYTES is refused before it is read."""
    if size > MAX_FILE_BYTES:
        raise RemittanceFileError(
            f"The file is {size / 1_048_576:,.1f} MB: no remittance file is that large (at most "
            f"{MAX_FILE_BYTES // 1_048_576} MB). Is it the right file? Nothing was posted."
        )


def remittance_file_parse(source: RemittanceSource, content: bytes) -> RemittanceFile:
    """Read a whole file with the source's layout: detail rows (record D) and one trailer
    (record T) announcing the deposit date, gross total, count (and the vendor's fee total).
    The rows must add up to the trailer. Raises RemittanceFileError naming the row and column."""
    file_size_checked(len(content))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RemittanceFileError("The file is not UTF-8 text: is it the right file?") from None
    if "\x00" in text:
        # No text column of ours can hold one (PostgreSQL refuses it): not a file the bank wrote.
        row = text[: text.index("\x00")].count("\n") + 1
        raise RemittanceFileError(
            f"The file holds NUL characters (row {row}): it is not text as a bank or vendor "
            "writes it. Is it the right file? Nothing was posted."
        )
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        # A cell longer than the csv module's limit, say: not a file of ours.
        raise RemittanceFileError(
            f"The file is not CSV as the layout says ({exc}): is it the right file? "
            "Nothing was posted."
        ) from None
    if not any(c.strip() for cells in rows for c in cells):
        raise RemittanceFileError("The file is empty: is it the right file? Nothing was posted.")
    header = [h.strip() for h in rows[0]] if source.has_header_row and rows else None
    reader = _Reader(source, header)
    parsed = RemittanceFile()
    trailer_seen = False
    start = 2 if header is not None else 1
    for number, cells in enumerate(rows[start - 1 :], start=start):
        if not any(c.strip() for c in cells):
            continue
        reader.cells, reader.number = cells, number
        reader.refuse_card_numbers(header)
        record = reader.cell("record").upper()
        if trailer_seen:
            raise reader.fail("record", "a row after the trailer (T).")
        if record == TRAILER:
            _trailer_read(reader, source, parsed)
            trailer_seen = True
        elif record == DETAIL:
            parsed.rows.append(_detail_read(reader, source))
        else:
            raise reader.fail("record", f"{record!r} is neither D (a payment) nor T (the trailer).")
    if not trailer_seen:
        raise RemittanceFileError(
            "The file has no trailer row (T) announcing the deposit: it may be cut short. "
            "Nothing was posted."
        )
    _totals_agree(parsed)
    _dates_agree(parsed, reader.layout)
    return parsed


def _dates_agree(parsed: RemittanceFile, layout: dict[str, str]) -> None:
    """No envelope is postmarked, and no vendor payment made, after the deposit or settlement
    that holds it: such a date would judge lateness (RPTL §925) on a day that did not happen."""
    for row in parsed.rows:
        for ours, day in (("postmark", row.postmark), ("paid_on", row.paid_on)):
            if day is not None and parsed.deposit_date and day > parsed.deposit_date:
                raise RemittanceFileError(
                    f"Row {row.number}, column {layout[ours]!r}: "
                    f"{date_format(day, 'SHORT_DATE_FORMAT')} is after the file's deposit date "
                    f"{date_format(parsed.deposit_date, 'SHORT_DATE_FORMAT')}. Nothing was posted; "
                    "ask the bank or vendor."
                )


def _detail_read(reader: _Reader, source: RemittanceSource) -> FileRow:
    scanline = reader.text("scanline", 60)
    if not scanline:
        raise reader.fail("scanline", "the bill's scanline or number is missing.")
    row = FileRow(number=reader.number, scanline=scanline, amount=reader.money("amount"))
    if source.kind == RemittanceSource.Kind.LOCKBOX:
        row.check_number = reader.text("check_number", 12)
        if not re.fullmatch(r"[0-9]{1,12}", row.check_number):
            raise reader.fail("check_number", "a check number is its digits (up to 12).")
        row.check_payer = reader.text("check_payer", 200)
        row.postmark = reader.day("postmark", required=False)
        return row
    row.paid_on = reader.day("paid_on", required=True)
    row.fee = reader.money("fee", positive=False) if reader.cell("fee") else ZERO
    if row.fee >= row.amount:
        # The vendor settles the payment less its fee: a fee of all of it (or more) is a shifted
        # column, and would leave card clearing owing the vendor.
        raise reader.fail("fee", f"the fee {format_money(row.fee)} is not less than the payment.")
    brand = _BRANDS.get(reader.cell("card_brand").lower())
    if brand is None:
        raise reader.fail(
            "card_brand", f"{reader.cell('card_brand')!r} is not a card brand we take."
        )
    row.card_brand = brand
    row.card_last4 = reader.cell("card_last4")
    if not re.fullmatch(r"[0-9]{4}", row.card_last4):
        raise reader.fail("card_last4", "only the card's last four digits, exactly 4.")
    row.reference = reader.text("reference", 30)
    return row


def _trailer_read(reader: _Reader, source: RemittanceSource, parsed: RemittanceFile) -> None:
    parsed.deposit_date = reader.day("deposit_date", required=True)
    parsed.deposit_total = reader.money("amount", positive=False)
    count = reader.cell("count")
    if not count.isdigit():
        raise reader.fail("count", "the trailer's count of payments is a whole number.")
    parsed.count = int(count)
    if source.kind == RemittanceSource.Kind.VENDOR and reader.cell("fee"):
        parsed.fee_total = reader.money("fee", positive=False)


def _totals_agree(parsed: RemittanceFile) -> None:
    if parsed.count != len(parsed.rows) or parsed.rows_total != parsed.deposit_total:
        raise RemittanceFileError(
            f"The file's payments ({len(parsed.rows)}, {format_money(parsed.rows_total)}) do not "
            f"match its trailer ({parsed.count}, {format_money(parsed.deposit_total)}): the "
            "file may be cut short or altered. Nothing was posted; ask the bank or vendor."
        )
    fees = sum((row.fee for row in parsed.rows), ZERO)
    if parsed.fee_total and fees != parsed.fee_total:
        raise RemittanceFileError(
            f"The file's fees add up to {format_money(fees)}, its trailer says "
            f"{format_money(parsed.fee_total)}. Nothing was posted; ask the vendor."
        )
    parsed.fee_total = fees


def remittance_file_write(
    kind: str, rows: list[dict], *, deposit_date: date, date_format: str = "%Y-%m-%d"
) -> bytes:
    """A file in the default layout of `kind` (for the demo, tests and benchmarks): `rows` are
    dicts of our field names; the trailer announces the rows' total, count and fees."""
    layout = DEFAULT_LAYOUTS[RemittanceSource.Kind(kind)]
    fields = list(layout)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([layout[f] for f in fields])

    def cell(value: object) -> str:
        if isinstance(value, date):
            return value.strftime(date_format)
        return "" if value is None else str(value)

    for row in rows:
        writer.writerow([cell({"record": DETAIL, **row}.get(f)) for f in fields])
    trailer = {
        "record": TRAILER,
        "deposit_date": deposit_date,
        "amount": sum((Decimal(str(r["amount"])) for r in rows), ZERO),
        "count": len(rows),
    }
    if kind == RemittanceSource.Kind.VENDOR:
        trailer["fee"] = sum((Decimal(str(r.get("fee") or 0)) for r in rows), ZERO)
    writer.writerow([cell(trailer.get(f)) for f in fields])
    return buffer.getvalue().encode()
