"""OFX and QFX bank statements (OFX 1.x SGML and 2.x XML) through the kept `ofxtools` parser.
A posting date is the calendar day the bank wrote (its timestamp's first eight digits):
ofxtools reads a date alone as midnight UTC, which the office's time zone would make the
evening before."""

import io
import warnings
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ofxtools.Parser import OFXTree

from reconciliation.bankfiles import ParsedLine, ParsedStatement, text_of
from reconciliation.errors import StatementError


def parse(data: bytes) -> ParsedStatement:
    """Read an OFX/QFX file holding one bank statement. Raises StatementError: unreadable, no
    statement, several statements (import one account at a time)."""
    text_of(data, "OFX")  # empty, binary, wrong encoding, absurd line: a clear message
    tree = OFXTree()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # banks' private tags (<INTU.BID>) are skipped
            tree.parse(io.BytesIO(data))
            ofx = tree.convert()
        statements = list(ofx.statements)
    except Exception as exc:  # ofxtools raises many kinds; any of them means "not readable"
        raise StatementError(
            f"This is not a readable OFX/QFX statement ({str(exc)[:200] or type(exc).__name__}); "
            "nothing was imported."
        ) from None
    if not statements:
        raise StatementError("The OFX file holds no bank statement.")
    if len(statements) > 1:
        raise StatementError(
            f"The OFX file holds {len(statements)} statements; import one account at a time."
        )
    root = tree.getroot()
    written = {
        tag: [(e.text or "") for e in (root.iter(tag) if root is not None else ())]
        for tag in ("DTPOSTED", "DTSTART", "DTEND")
    }
    return _statement(statements[0], written)


def _day(written: list[str], index: int, parsed: datetime) -> date:
    """The day the bank wrote as the `index`th of these timestamps, else `parsed`'s local
    day."""
    if index < len(written):
        try:
            return datetime.strptime(written[index].strip()[:8], "%Y%m%d").date()
        except ValueError:
            pass
    return timezone.localdate(parsed)


def _statement(stmt, written: dict[str, list[str]]) -> ParsedStatement:
    tranlist = stmt.banktranlist
    ledger = getattr(stmt, "ledgerbal", None)
    account = getattr(stmt, "account", None)
    posted = written["DTPOSTED"] if len(written["DTPOSTED"]) == len(tranlist or []) else []
    lines = [
        ParsedLine(
            posted_on=_day(posted, index, t.dtposted),
            amount=Decimal(t.trnamt),  # never rounded: amounts_checked refuses a fraction
            type_code=(t.trntype or "")[:10],
            bank_reference=(t.fitid or "")[:80],
            customer_reference=(t.checknum or getattr(t, "refnum", None) or "")[:80],
            description=" ".join(" ".join(filter(None, [t.name, t.memo])).split())[:300],
        )
        for index, t in enumerate(tranlist or [])
        if t.trnamt
    ]
    return ParsedStatement(
        format="ofx",
        account_number=getattr(account, "acctid", "") or "",
        period_start=_day(written["DTSTART"], 0, tranlist.dtstart) if tranlist else None,
        period_end=_day(written["DTEND"], 0, tranlist.dtend) if tranlist else None,
        closing_balance=Decimal(ledger.balamt) if ledger is not None else None,
        lines=lines,
    )
