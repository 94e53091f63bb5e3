"""Remittance files meet the bank statement (docs/remittance.md, "Reconciliation").

A posted lockbox file (payments' remittance) debited 1040 Deposits in transit for the deposit
the bank announced in it: the bank made that deposit itself (no bag, no second verifier), so
its statement line is matched to the batch directly (StatementLine.remittance_batch): Dr the
bank account / Cr 1040 (the batch's office). A posted vendor file left the vendor's net on 1020
Card clearing (its fees went to 5100 when it posted): its settlement line is a CardSettlement
naming the batch: Dr the bank account / Cr 1020, the net."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cashiering.dates import us_date
from ledger.chart import CARD_CLEARING
from ledger.models import Account
from ledger.money import ZERO, format_money
from ledger.services import Line, post
from payments.models import RemittanceBatch, Tender, TenderKind
from payments.services import database_refusal_explained
from reconciliation.errors import StatementError
from reconciliation.models import CardSettlement, StatementLine
from reconciliation.selectors_statements import (
    lockbox_deposits_unmatched,
    vendor_settlements_unmatched,
)
from reconciliation.services.custody import ReconciliationSource, accounts
from reconciliation.services.statements import (
    CARD_WINDOW_DAYS,
    DEPOSIT_WINDOW_DAYS,
    _line_locked,
    _line_settled,
    _may_match,
    _quietly,
    transit_banked,
)


def lockbox_returned_in_transit(batch: RemittanceBatch) -> Decimal:
    """Dollars of lockbox `batch`'s checks returned before its deposit was matched: each was
    taken back out of 1040 (check_location), so the bank credits that much less."""
    total = Tender.objects.filter(
        payment__drawer_id=batch.drawer_id, kind=TenderKind.CHECK, returned=True
    ).aggregate(t=Sum("amount"))["t"]
    return total or ZERO


def _batch_locked(batch: RemittanceBatch, kind: str) -> RemittanceBatch:
    locked = (
        RemittanceBatch.objects.select_for_update(of=("self",))
        .select_related("source")
        .get(pk=batch.pk)
    )
    if locked.kind != kind or locked.status != RemittanceBatch.Status.POSTED:
        raise StatementError(
            f"Remittance batch {locked.number} is not a posted "
            f"{RemittanceBatch.Kind(kind).label.lower()}: there is nothing of it at the bank."
        )
    if locked.source is None or locked.source.bank_account_id is None:
        raise StatementError(f"Remittance batch {locked.number} names no bank account.")
    return locked


def statement_line_match_lockbox(
    *, line: StatementLine, target: RemittanceBatch, by: User
) -> StatementLine:
    """The bank credited the deposit lockbox file `target` announced: Dr the bank account /
    Cr 1040 Deposits in transit (the batch's office) for the deposit less its checks returned
    before (lockbox_returned_in_transit), which must be the line's amount; dated today; the
    line MATCHED to the batch. Its checks are then at the bank (check_location).

    Raises StatementError (no permission, the line is not unmatched, the batch is not a posted
    lockbox file or goes to another bank account, the amounts differ, matched already)."""
    _may_match(by)
    with database_refusal_explained("statement match"), transaction.atomic():
        locked = _line_locked(line)
        batch = _batch_locked(target, RemittanceBatch.Kind.LOCKBOX)
        if batch.source.bank_account_id != locked.bank_account_id:  # type: ignore[union-attr]
            raise StatementError(
                f"Lockbox batch {batch.number} was deposited in another bank account."
            )
        if StatementLine.objects.filter(remittance_batch=batch).exists():
            raise StatementError(f"Lockbox batch {batch.number}'s deposit is matched already.")
        returned = lockbox_returned_in_transit(batch)
        net = (batch.deposit_total or ZERO) - returned
        if net != locked.amount:
            less = f" (less {format_money(returned)} of checks returned since)" if returned else ""
            raise StatementError(
                f"Lockbox batch {batch.number} deposited {format_money(net)}{less}, the bank "
                f"line says {format_money(locked.amount)}: explain the difference instead."
            )
        memo = f"Lockbox deposit of batch {batch.number} at the bank ({us_date(locked.posted_on)})"
        entry = transit_banked(locked, memo=memo, office_id=batch.office_id, by=by)
        _line_settled(locked, StatementLine.Status.MATCHED, entry, by, remittance_batch=batch)
    locked.refresh_from_db()
    return locked


def statement_line_match_vendor(
    *, line: StatementLine, target: RemittanceBatch, by: User
) -> CardSettlement:
    """The online vendor paid vendor file `target`'s net (its gross less its fees, which were
    booked to 5100 when the file posted): Dr the bank account / Cr 1020 Card clearing, the
    line's amount; a CardSettlement naming the batch (gross and fees the file's); the line
    MATCHED. A file settles once (CardSettlement.remittance_batch is unique).

    Raises StatementError (no permission, the line is not unmatched, the batch is not a posted
    vendor file or pays another bank account, the amounts differ, settled already)."""
    _may_match(by)
    with database_refusal_explained("card settlement"), transaction.atomic():
        locked = _line_locked(line)
        batch = _batch_locked(target, RemittanceBatch.Kind.VENDOR)
        if batch.source.bank_account_id != locked.bank_account_id:  # type: ignore[union-attr]
            raise StatementError(f"Vendor batch {batch.number} settles into another bank account.")
        if CardSettlement.objects.filter(remittance_batch=batch).exists():
            raise StatementError(f"Vendor batch {batch.number} is settled already.")
        gross = batch.deposit_total or ZERO
        net = gross - batch.fee_total
        if net != locked.amount:
            raise StatementError(
                f"Vendor batch {batch.number} settles {format_money(net)} ({format_money(gross)} "
                f"less {format_money(batch.fee_total)} of fees), the bank line says "
                f"{format_money(locked.amount)}: explain the difference instead."
            )
        bank = Account.objects.get(pk=locked.bank_account_id)
        clearing = accounts(CARD_CLEARING)[CARD_CLEARING]
        memo = f"Vendor settlement of batch {batch.number} ({us_date(locked.posted_on)})"
        entry = post(
            entry_date=timezone.localdate(),
            memo=memo,
            source=ReconciliationSource.CARD_SETTLEMENT,
            by=by,
            lines=[Line(bank, net, memo), Line(clearing, -net, memo)],
        )
        settlement = CardSettlement.objects.create(
            statement_line=locked,
            remittance_batch=batch,
            business_date=batch.deposit_date or batch.business_date,
            gross=gross,
            fees=batch.fee_total,
            net=net,
            entry=entry,
            settled_by=by,
        )
        _line_settled(locked, StatementLine.Status.MATCHED, entry, by)
    return settlement


@dataclass
class RemittanceMatched:
    """What statement_lines_match_remittance matched, and the lines it left."""

    lockbox_deposits: int
    vendor_settlements: int
    left: list[StatementLine]


def _within(line: StatementLine, batch: RemittanceBatch, days: int) -> bool:
    day = batch.deposit_date or batch.business_date
    return day <= line.posted_on <= day + timedelta(days=days)


def _batch_for(
    line: StatementLine, batches: list[RemittanceBatch], amount: str, days: int
) -> RemittanceBatch | None:
    for batch in batches:
        if (
            batch.bank_account_id == line.bank_account_id  # type: ignore[attr-defined]
            and getattr(batch, amount) == line.amount
            and _within(line, batch, days)
        ):
            return batch
    return None


def statement_lines_match_remittance(
    *, lines: Iterable[StatementLine], by: User
) -> RemittanceMatched:
    """Auto-match's step for remittance files, over unmatched credit `lines`: a line equal to
    what a posted lockbox file's deposit still holds in transit, posted within
    DEPOSIT_WINDOW_DAYS after the file's deposit date, matches it; else a line equal to a
    posted vendor file's net, within CARD_WINDOW_DAYS after its settlement date, settles it
    (earliest file first). Each match is its own transaction; refused ones are left."""
    lines = list(lines)
    account_ids = {line.bank_account_id for line in lines}
    lockboxes = list(lockbox_deposits_unmatched(account_ids))
    vendors = list(vendor_settlements_unmatched(account_ids))
    result = RemittanceMatched(0, 0, [])
    for line in lines:
        batch = _batch_for(line, lockboxes, "amount", DEPOSIT_WINDOW_DAYS)
        if batch is not None and _quietly(statement_line_match_lockbox, line, batch, by):
            lockboxes.remove(batch)
            result.lockbox_deposits += 1
            continue
        batch = _batch_for(line, vendors, "net", CARD_WINDOW_DAYS)
        if batch is not None and _quietly(statement_line_match_vendor, line, batch, by):
            vendors.remove(batch)
            result.vendor_settlements += 1
            continue
        result.left.append(line)
    return result
