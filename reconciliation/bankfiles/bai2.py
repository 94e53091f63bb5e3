"""BAI2 cash management files through the kept `bai2` parser: continuation records (88) are
joined to the record they continue; account (49), group (98) and file (99) trailers' control
totals and record counts must add up, else the file is refused naming which total."""

import re
from collections.abc import Iterable, Iterator
from contextlib import suppress
from decimal import Decimal

from bai2.constants import FundsType, RecordCode, TypeCodeTransaction
from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException
from bai2.helpers import IteratorHelper, _build_record
from bai2.models import Record, TransactionDetail
from bai2.parsers import AccountParser, Bai2FileParser, GroupParser, TransactionDetailParser
from bai2.utils import parse_type_code

from cashiering.dates import us_date
from ledger.money import format_money
from reconciliation.bankfiles import ParsedLine, ParsedStatement, text_of
from reconciliation.errors import StatementError

CENT = Decimal("0.01")
_CONTINUATION = RecordCode.continuation.value
OPENING_LEDGER = "010"
CLOSING_LEDGER = "015"
# Type codes 100-399 are credits, 400-699 debits (BAI2 3.4); used when the table lacks a code.
LAST_CREDIT_CODE = 399

_TRAILERS = {
    "Account": "account trailer (49)",
    "Group": "group trailer (98)",
    "Bai2File": "file trailer (99)",
}
_INTEGRITY = re.compile(
    r"Invalid (?P<what>.+?) for (?P<model>\w+)\. expected (?P<x>-?\d+), found (?P<f>-?\d+)"
)


def parse(data: bytes) -> ParsedStatement:
    """Read a BAI2 file of one bank account. Raises StatementError: not BAI2, not version 2, a
    control total or record count that does not add up, several accounts in one file."""
    text = text_of(data, "BAI2")
    try:
        # What bai2.parse_from_string does, with the faster detail parser below.
        records = _Records(filter(None, (line.strip() for line in text.splitlines())))
        parsed = _FileParser(records, check_integrity=True).parse()
    except IntegrityException as exc:
        raise StatementError(_integrity_message(str(exc))) from None
    except NotSupportedYetException as exc:
        if "Type code" in str(exc):
            raise StatementError(
                f"The file uses a BAI2 type code the parser does not know ({exc}); ask the "
                "bank which transaction it is. Nothing was imported."
            ) from None
        raise StatementError(
            "Only BAI version 2 files are read; this file is another version."
        ) from None
    except (
        ParsingException,
        ValueError,
        KeyError,
        IndexError,
        StopIteration,
        AttributeError,
    ) as exc:
        raise StatementError(
            f"This is not a readable BAI2 file ({exc or 'cut short'}); nothing was imported."
        ) from None
    return _statement(parsed)


# Funds types whose detail record carries no availability fields (all but S, V and D).
_PLAIN_FUNDS = {
    funds.value: funds
    for funds in (
        FundsType.unknown_availability,
        FundsType.immediate_availability,
        FundsType.one_day_availability,
        FundsType.two_day_availability,
    )
}


_RECORD_CODES = {code.value: code for code in RecordCode}


def _records(lines: Iterable[str]) -> Iterator[Record]:
    """bai2.helpers.record_generator's records (each record with its continuation (88) rows,
    built by the package's own builders), without its per-line enum lookup and generator
    chain: a third of the package's reading time for a file of 100,000 details."""
    rows: list | None = None
    for line in lines:
        code = line[:2]
        if code == _CONTINUATION and rows is not None:
            rows.append((RecordCode.continuation, line[3:]))
            continue
        if rows is not None:
            yield _build_record(rows)
        rows = [(_RECORD_CODES.get(code) or RecordCode(code), line[3:])]
    if rows is not None:
        yield _build_record(rows)


class _Records(IteratorHelper):
    """The package's record iterator over `_records`."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._generator = _records(lines)
        self.current_record = None
        self.advance()


class _DetailParser(TransactionDetailParser):
    """The package's transaction detail (16) parser, reading the common record (no
    availability fields) in one step to the very same fields: its generic field-by-field
    reading was half the time of a 100,000-line import. Any other record goes the package's
    way."""

    def _parse_fields(self, record):
        fields = record.fields
        funds = _PLAIN_FUNDS.get(fields[2]) if len(fields) >= 5 else None
        if funds is None:
            return super()._parse_fields(record)
        code, amount = fields[0], fields[1]
        return {
            "type_code": parse_type_code(code) if code else None,
            "amount": int(amount) if amount else None,
            "funds_type": funds,
            "availability": None,
            "bank_reference": fields[3] or None,
            "customer_reference": fields[4] or None,
            "text": ",".join(fields[5:]) or None,
        }

    def parse(self):
        # The package's parse, building the model without its keyword-argument constructor
        # (which sets the fields one by one): same class, same attributes.
        record = self._iter.current_record
        self._check_record_code(TransactionDetail.code)
        detail = TransactionDetail.__new__(TransactionDetail)
        detail.__dict__.update(self._parse_fields(record), rows=record.rows)
        with suppress(StopIteration):
            self._iter.advance()
        return detail


class _AccountParser(AccountParser):
    child_parser_class = _DetailParser


class _GroupParser(GroupParser):
    child_parser_class = _AccountParser


class _FileParser(Bai2FileParser):
    child_parser_class = _GroupParser


def _integrity_message(raw: str) -> str:
    found = _INTEGRITY.search(raw)
    if found is None:
        return f"The file's control totals do not add up ({raw}); nothing was imported."
    where = _TRAILERS.get(found["model"], found["model"])
    what, expected, counted = found["what"], int(found["x"]), int(found["f"])
    if "control total" in what:
        return (
            f"Refused: the {what} in the {where} says {format_money(Decimal(expected) * CENT)} "
            f"but the file's amounts add up to {format_money(Decimal(counted) * CENT)}. The "
            "file is incomplete or altered; nothing was imported."
        )
    return (
        f"Refused: the {what.removeprefix('number of ')} count in the {where} says {expected} "
        f"but the file holds {counted}. The file is incomplete or altered; nothing was imported."
    )


def _statement(parsed) -> ParsedStatement:
    statement = ParsedStatement(format="bai2")
    numbers: set[str] = set()
    for group in parsed.children:
        day = group.header.as_of_date
        for account in group.children:
            numbers.add(account.header.customer_account_number or "")
            if statement.period_start is None or day < statement.period_start:
                statement.period_start = day
            if statement.period_end is None or day >= statement.period_end:
                statement.period_end = day
                _balances(statement, account.header.summary_items)
            statement.lines.extend(_lines(day, account.children))
    if len(numbers) > 1:
        raise StatementError(
            f"The file holds {len(numbers)} bank accounts ({', '.join(sorted(numbers))}); "
            "import one account's statement at a time."
        )
    statement.account_number = numbers.pop() if numbers else ""
    return statement


def _balances(statement: ParsedStatement, summaries) -> None:
    for summary in summaries:
        if summary.amount is None:
            continue
        if summary.type_code.code == OPENING_LEDGER and statement.opening_balance is None:
            statement.opening_balance = Decimal(summary.amount) * CENT
        elif summary.type_code.code == CLOSING_LEDGER:
            statement.closing_balance = Decimal(summary.amount) * CENT


def _lines(day, details) -> list[ParsedLine]:
    lines = []
    credit_codes: dict[str, bool] = {}  # a 100,000-line file has a handful of codes
    for detail in details:
        if not detail.amount:
            continue  # an information record (no money moved): not a statement line
        if detail.type_code is None:
            raise StatementError(
                f"A transaction record (16) of {us_date(day)} for "
                f"{format_money(Decimal(detail.amount) * CENT)} has no type code, so it cannot "
                "say whether money came in or went out; nothing was imported."
            )
        code = detail.type_code.code
        credit = credit_codes.get(code)
        if credit is None:
            credit = credit_codes[code] = _is_credit(detail.type_code)
        amount = Decimal(detail.amount).scaleb(-2)
        text = detail.text or ""
        lines.append(
            ParsedLine(
                posted_on=day,
                amount=amount if credit else -amount,
                type_code=code,
                bank_reference=(detail.bank_reference or "")[:80],
                customer_reference=(detail.customer_reference or "")[:80],
                description=(" ".join(text.split()) if "  " in text else text.strip())[:300],
            )
        )
    return lines


def _is_credit(type_code) -> bool:
    if type_code.transaction == TypeCodeTransaction.credit:
        return True
    if type_code.transaction == TypeCodeTransaction.debit:
        return False
    code = type_code.code
    return int(code) <= LAST_CREDIT_CODE if code.isdigit() else True
