"""CSV bank statements read with the bank account's saved column mapping (CsvMapping). One bad
row refuses the file, naming the row and the column."""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from reconciliation.bankfiles import ParsedLine, ParsedStatement, text_of
from reconciliation.errors import StatementError

CENT = Decimal("0.01")
THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")


class Mapping(Protocol):
    has_header: bool
    date_column: str
    date_format: str
    amount_column: str
    debit_column: str
    credit_column: str
    reference_column: str
    description_column: str


def parse(data: bytes, mapping: Mapping | None) -> ParsedStatement:
    """Read a CSV statement. Raises StatementError: no mapping for the account, a mapped column
    missing, a row whose date or amount cannot be read."""
    text = text_of(data, "bank")
    if mapping is None:
        raise StatementError(
            "This is neither BAI2 nor OFX, and the bank account has no CSV column mapping: "
            "a Supervisor sets one up under Bank statements → CSV mappings."
        )
    # Read as a file, not line by line: a quoted cell may hold a line break (an address).
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # a quote never closed runs past the field size limit
        raise StatementError(
            f"The CSV file cannot be read ({exc}); nothing was imported."
        ) from None
    header = [h.strip().lower() for h in rows[0]] if mapping.has_header and rows else []
    body = rows[1:] if mapping.has_header else rows
    where = _Columns(header, mapping)
    lines = []
    for number, row in enumerate(body, start=2 if mapping.has_header else 1):
        if not any(cell.strip() for cell in row):
            continue
        line = where.line(number, row)
        if line is not None:
            lines.append(line)
    if not lines:
        raise StatementError("The CSV file holds no transactions.")
    return ParsedStatement(
        format="csv",
        period_start=min(line.posted_on for line in lines),
        period_end=max(line.posted_on for line in lines),
        lines=lines,
    )


class _Columns:
    def __init__(self, header: list[str], mapping: Mapping) -> None:
        self.mapping = mapping
        self.header = header
        self.date = self._index(mapping.date_column, "date")
        self.amount = self._index(mapping.amount_column, "amount")
        self.debit = self._index(mapping.debit_column, "debit")
        self.credit = self._index(mapping.credit_column, "credit")
        self.reference = self._index(mapping.reference_column, "reference")
        self.description = self._index(mapping.description_column, "description")

    def _index(self, column: str, what: str) -> int | None:
        column = column.strip()
        if not column:
            return None
        if column.isdigit() and int(column) >= 1:
            return int(column) - 1
        if column.lower() in self.header:
            return self.header.index(column.lower())
        raise StatementError(
            f"The file has no {what} column {column!r} (its columns: "
            f"{', '.join(self.header) or 'no header'}); check the bank's CSV mapping."
        )

    def _cell(self, number: int, row: list[str], index: int | None, what: str) -> str:
        if index is None:
            return ""
        if index >= len(row):
            raise StatementError(f"Row {number} has no {what} column ({len(row)} columns).")
        return row[index].strip()

    def line(self, number: int, row: list[str]) -> ParsedLine | None:
        posted_on = self._day(number, self._cell(number, row, self.date, "date"))
        if self.amount is not None:
            amount = self._money(number, self._cell(number, row, self.amount, "amount"), "amount")
        else:
            debit = self._money(number, self._cell(number, row, self.debit, "debit"), "debit")
            credit = self._money(number, self._cell(number, row, self.credit, "credit"), "credit")
            amount = credit - abs(debit)
        if not amount:
            return None
        return ParsedLine(
            posted_on=posted_on,
            amount=amount,
            bank_reference=self._cell(number, row, self.reference, "reference")[:80],
            description=" ".join(self._cell(number, row, self.description, "description").split())[
                :300
            ],
        )

    def _day(self, number: int, raw: str) -> date:
        try:
            return datetime.strptime(raw, self.mapping.date_format).date()
        except ValueError:
            raise StatementError(
                f"Row {number}: the date {raw[:30]!r} does not read as {self.mapping.date_format}."
            ) from None

    def _money(self, number: int, raw: str, what: str) -> Decimal:
        cleaned = raw.replace("$", "").strip()
        negative = cleaned.startswith("(") and cleaned.endswith(")")
        cleaned = cleaned.strip("()")
        if "," in cleaned:
            # Commas only between groups of three digits: "12,50" is no $1,250.00.
            if not THOUSANDS.fullmatch(cleaned):
                raise StatementError(f"Row {number}: the {what} {raw[:30]!r} is not an amount.")
            cleaned = cleaned.replace(",", "")
        if not cleaned:
            return Decimal("0")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise StatementError(
                f"Row {number}: the {what} {raw[:30]!r} is not an amount."
            ) from None
        if not value.is_finite() or value != value.quantize(CENT) or abs(value) >= Decimal("1e12"):
            raise StatementError(f"Row {number}: the {what} {raw[:30]!r} is not dollars and cents.")
        return -value if negative else value
