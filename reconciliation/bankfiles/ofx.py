"""OFX and QFX bank statements (OFX 1.x SGML and 2.x XML) through the kept `ofxtools` parser.
Dates are the office's business dates of the bank's timestamps."""

import io
import warnings
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
    return _statement(statements[0])


def _statement(stmt) -> ParsedStatement:
    tranlist = stmt.banktranlist
    ledger = getattr(stmt, "ledgerbal", None)
    account = getattr(stmt, "account", None)
    lines = [
        ParsedLine(
            posted_on=timezone.localdate(t.dtposted),
            amount=Decimal(t.trnamt),  # never rounded: amounts_checked refuses a fraction
            type_code=(t.trntype or "")[:10],
            bank_reference=(t.fitid or "")[:80],
            customer_reference=(t.checknum or getattr(t, "refnum", None) or "")[:80],
            description=" ".join(" ".join(filter(None, [t.name, t.memo])).split())[:300],
        )
        for t in (tranlist or [])
        if t.trnamt
    ]
    return ParsedStatement(
        format="ofx",
        account_number=getattr(account, "acctid", "") or "",
        period_start=timezone.localdate(tranlist.dtstart) if tranlist else None,
        period_end=timezone.localdate(tranlist.dtend) if tranlist else None,
        closing_balance=Decimal(ledger.balamt) if ledger is not None else None,
        lines=lines,
    )
