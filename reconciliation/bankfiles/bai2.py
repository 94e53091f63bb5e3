"""BAI2 cash management files through the kept `bai2` parser: continuation records (88) are
joined to the record they continue; account (49), group (98) and file (99) trailers' control
totals and record counts must add up, else the file is refused naming which total."""

import re
from decimal import Decimal

from bai2 import bai2 as bai2_parser
from bai2.constants import TypeCodeTransaction
from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException

from ledger.money import format_money
from reconciliation.bankfiles import ParsedLine, ParsedStatement, text_of
from reconciliation.errors import StatementError

CENT = Decimal("0.01")
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
        parsed = bai2_parser.parse_from_string(text, check_integrity=True)
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
