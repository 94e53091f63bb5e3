"""Bank statements: import (BAI2, OFX/QFX, CSV: all of a file or nothing, the same line never
twice), auto-match (deposits, card settlements, returned checks), manual match and
explanation. Matching posts Bank vs Deposits in transit / Card clearing / Bank fees."""

import csv
import hashlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from cashiering.bulk import ProgressRow, collector_paused
from cashiering.dates import us_date
from cashiering.people import person_name
from ledger.cards import contains_card_number, mask_card_numbers
from ledger.chart import BANK_FEES, CARD_CLEARING, DEPOSITS_IN_TRANSIT
from ledger.errors import DomainError
from ledger.models import Account, AccountType, JournalEntry
from ledger.money import ZERO, format_money
from ledger.services import Line, post
from payments.errors import PaymentError
from payments.models import Tender
from payments.services import database_refusal_explained, returned_check_record
from reconciliation.bankfiles import (
    ParsedLine,
    ParsedStatement,
    amounts_checked,
    csvfile,
    format_detect,
)
from reconciliation.bankfiles import bai2 as bai2_file
from reconciliation.bankfiles import ofx as ofx_file
from reconciliation.errors import ReconciliationError, StatementError
from reconciliation.models import (
    BankStatement,
    CardSettlement,
    CardSettlementClose,
    CsvMapping,
    Deposit,
    DepositCheck,
    DrawerClose,
    StatementImport,
    StatementLine,
)
from reconciliation.selectors_statements import deposits_unmatched
from reconciliation.services.custody import ReconciliationSource, accounts

BANK_ACCOUNT_CODES = r"^11[0-9][0-9]$"
# A deposit reaches the bank within this many days of its business date.
DEPOSIT_WINDOW_DAYS = 5
# A processor pays a day's card batches within this many days, keeping at most this share.
CARD_WINDOW_DAYS = 5
CARD_FEES_AT_MOST = Decimal("0.05")
# BAI2 detail codes of a deposited item the bank returned (555 Deposited Item Returned, 566
# Return Item, 568 Return Item Adjustment); OFX says it in words.
RETURNED_ITEM_CODES = frozenset({"555", "566", "568"})
RETURNED_ITEM_WORDS = ("RETURN", "NSF", "INSUFFICIENT")
COPY_BATCH = 10_000


class StatementAlreadyImported(StatementError):
    code = "statement_already_imported"


Progress = Callable[[str, int, int], None]


def bank_accounts() -> QuerySet[Account]:
    """The city's bank accounts (asset accounts 11xx) statements are imported for."""
    return Account.objects.filter(
        code__regex=BANK_ACCOUNT_CODES, type=AccountType.ASSET, is_active=True
    )


# Import


class _ImportProgress(ProgressRow):
    """Reports progress to the caller's callback and to the StatementImport row through a
    connection of its own (cashiering.bulk.ProgressRow), so a page polling the row sees it
    while the import's transaction is still open."""

    def __init__(self, job: StatementImport, echo: Progress | None) -> None:
        super().__init__(StatementImport, job.pk)
        self.echo, self.total = echo, job.rows_total

    def __call__(self, stage: str, done: int, *, force: bool = False) -> None:
        if self.echo:
            self.echo(stage, done, self.total)
        self.write(stage=stage, done=min(done, self.total), total=self.total, force=force)


def statement_import(
    *,
    bank_account: Account,
    file_name: str,
    data: bytes,
    by: User,
    progress: Progress | None = None,
    token: uuid.UUID | None = None,
) -> StatementImport:
    """Import a statement file for `bank_account`: BAI2, OFX/QFX, or CSV read with the
    account's CsvMapping (the format is detected). All of it in one transaction, or nothing.

    Each line gets a fingerprint (date, amount, references, text, and which occurrence of an
    identical line in the file it is): lines already on file for the account are skipped, so
    an overlapping statement adds only what is new. `progress(stage, done, total)` is called
    as rows are saved. Returns the StatementImport (its `statement`, `lines_added`,
    `lines_skipped`); the same `token` twice returns the first import.

    Raises StatementError (no permission, not a bank account, unreadable file, control
    totals that do not add up: nothing imported), StatementAlreadyImported (this very file)."""
    if not by.has_perm("reconciliation.import_statement"):
        raise StatementError("Only a Supervisor imports bank statements.")
    if not bank_accounts().filter(pk=bank_account.pk).exists():
        raise StatementError(f"{bank_account} is not one of the city's bank accounts.")
    if contains_card_number(file_name):
        raise StatementError(
            "The file's name holds what looks like a full card number: rename the file."
        )
    if token is not None:
        earlier = StatementImport.objects.filter(token=token).first()
        if earlier is not None:
            return earlier
    digest = hashlib.sha256(data).hexdigest()
    _refuse_if_imported(bank_account, digest)
    try:
        job = StatementImport.objects.create(
            token=token or uuid.uuid4(),
            bank_account=bank_account,
            file_name=file_name[:200],
            rows_total=data.count(b"\n") + 1,
            imported_by=by,
        )
    except IntegrityError:
        if token is None:
            raise
        return StatementImport.objects.get(token=token)
    report = _ImportProgress(job, progress)
    try:
        statement, added, skipped = _import(bank_account, file_name, data, digest, by, report)
    except (DomainError, ReconciliationError) as exc:
        _finish(job, StatementImport.Status.REJECTED, message=str(exc)[:500])
        raise
    except Exception as exc:
        _finish(job, StatementImport.Status.REJECTED, message=f"The import failed: {exc}"[:500])
        raise
    finally:
        report.close()
    _finish(
        job,
        StatementImport.Status.DONE,
        statement=statement,
        lines_added=added,
        lines_skipped=skipped,
        rows_total=added + skipped,
        rows_done=added + skipped,
        stage="done",
        message=f"{added:,} lines added, {skipped:,} already on file.",
    )
    job.refresh_from_db()
    return job


def _finish(job: StatementImport, status: str, **fields) -> None:
    StatementImport.objects.filter(pk=job.pk).update(
        status=status, finished_at=timezone.now(), **fields
    )


def _refuse_if_imported(bank_account: Account, digest: str) -> None:
    earlier = (
        BankStatement.objects.select_related("imported_by")
        .filter(bank_account=bank_account, file_sha256=digest)
        .first()
    )
    if earlier is not None:
        raise StatementAlreadyImported(
            f"This file was already imported on {us_date(earlier.imported_at)} by "
            f"{person_name(earlier.imported_by)} ({earlier.file_name}, {earlier.line_count} "
            "lines): nothing was added."
        )


def statement_parse(bank_account: Account, data: bytes) -> ParsedStatement:
    """The file read in its detected format (StatementError when it cannot be)."""
    kind = format_detect(data)
    if kind == "bai2":
        return amounts_checked(bai2_file.parse(data))
    if kind == "ofx":
        return amounts_checked(ofx_file.parse(data))
    mapping = CsvMapping.objects.filter(bank_account=bank_account).first()
    return amounts_checked(csvfile.parse(data, mapping))


def _import(
    bank_account: Account,
    file_name: str,
    data: bytes,
    digest: str,
    by: User,
    report: _ImportProgress,
) -> tuple[BankStatement, int, int]:
    with collector_paused():
        return _import_lines(bank_account, file_name, data, digest, by, report)


def _import_lines(
    bank_account: Account,
    file_name: str,
    data: bytes,
    digest: str,
    by: User,
    report: _ImportProgress,
) -> tuple[BankStatement, int, int]:
    report("reading", 0, force=True)
    parsed = statement_parse(bank_account, data)
    report.total = len(parsed.lines)
    report("checking", 0, force=True)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One import per bank account at a time: two uploads of overlapping files cannot
            # both add a line.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('reconciliation.statement_import'), %s)",
                [bank_account.pk],
            )
        _refuse_if_imported(bank_account, digest)
        statement = BankStatement.objects.create(
            bank_account=bank_account,
            format=parsed.format,
            file_name=mask_card_numbers(file_name)[:200],
            file_sha256=digest,
            period_start=parsed.period_start,
            period_end=parsed.period_end,
            opening_balance=parsed.opening_balance,
            closing_balance=parsed.closing_balance,
            imported_by=by,
        )
        stream = _LinesCsv(
            statement, parsed.lines, _known_fingerprints(bank_account, parsed), report
        )
        _copy_lines(stream)
        BankStatement.objects.filter(pk=statement.pk).update(line_count=stream.added)
        statement.line_count = stream.added
    return statement, stream.added, len(parsed.lines) - stream.added


def _known_fingerprints(bank_account: Account, parsed: ParsedStatement) -> set[str]:
    if not parsed.lines:
        return set()
    first = min(line.posted_on for line in parsed.lines)
    last = max(line.posted_on for line in parsed.lines)
    return set(
        StatementLine.objects.filter(
            bank_account=bank_account, posted_on__range=(first, last)
        ).values_list("fingerprint", flat=True)
    )


_DIGITS = b"0123456789"


def _masked(text: str) -> str:
    # A card number needs 13 digits; most lines have far fewer, and masking is the slow part.
    # (Counted on the UTF-8 bytes, where no other character has a digit's byte: several times
    # faster than str.translate.)
    raw = text.encode()
    return mask_card_numbers(text) if len(raw) - len(raw.translate(None, _DIGITS)) >= 13 else text


class _LinesCsv:
    """The lines not already on file as one CSV stream for COPY, fingerprinted and written
    COPY_BATCH rows at a time as PostgreSQL reads them (PostgreSQL stores one batch while the
    next is made), reporting progress as it goes. `added` counts the lines written.

    A line's fingerprint is the sha256 of its date, amount, references and text, and of how
    many identical lines came before it in the file (two $20.00 deposits on one day are two
    lines). The loop is written for speed: 100,000 lines a file."""

    def __init__(
        self,
        statement: BankStatement,
        lines: list[ParsedLine],
        known: set[str],
        report: _ImportProgress,
    ) -> None:
        self.statement_id, self.account_id = statement.pk, statement.bank_account_id
        self.lines, self.known, self.report = lines, known, report
        self.seen: dict[str, int] = {}  # identical lines so far, by their key
        self.days: dict[date, str] = {}  # a file has few dates: each formatted once
        self.done = self.added = 0

    def read(self, size: int = -1) -> str:
        if self.done >= len(self.lines):
            return ""
        batch = self.lines[self.done : self.done + COPY_BATCH]
        self.done += len(batch)
        seen, known, days, sha256 = self.seen, self.known, self.days, hashlib.sha256
        statement_id, account_id = self.statement_id, self.account_id
        unmatched = str(StatementLine.Status.UNMATCHED)
        rows = []
        for posted_on, amount, type_code, bank_ref, customer_ref, description in batch:
            day = days.get(posted_on) or days.setdefault(posted_on, posted_on.isoformat())
            dollars = str(amount)
            key = f"{day}\x1f{dollars}\x1f{bank_ref}\x1f{customer_ref}\x1f{description}"
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            fingerprint = sha256(f"{key}\x1f{occurrence}".encode()).hexdigest()
            if fingerprint in known:
                continue
            rows.append(
                (
                    statement_id,
                    account_id,
                    day,
                    dollars,
                    type_code,
                    # The bank's own ids (FITIDs run to 25 digits) are kept as sent; free text
                    # never keeps what looks like a card number.
                    bank_ref,
                    customer_ref,
                    _masked(description),
                    fingerprint,
                    unmatched,
                    "",
                )
            )
        self.added += len(rows)
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        self.report("saving", self.done)
        # An empty batch (all of it on file already) would read as the end of the stream.
        return buffer.getvalue() or self.read(size)


def _copy_lines(stream: _LinesCsv) -> None:
    """Write the stream's lines with one COPY, the page shown how far it has got as it goes."""
    columns = (
        "statement_id, bank_account_id, posted_on, amount, type_code, bank_reference, "
        "customer_reference, description, fingerprint, status, explanation"
    )
    texts = "type_code, bank_reference, customer_reference, description, explanation"
    sql = (
        f"COPY reconciliation_statementline ({columns}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({texts}))"
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, stream)


# Matching


@dataclass
class AutoMatchResult:
    """How many lines auto-match matched, by kind, and how many are left for the page."""

    deposits: int = 0
    card_settlements: int = 0
    returned_checks: int = 0
    lockbox_deposits: int = 0
    vendor_settlements: int = 0
    left: int = 0

    @property
    def matched(self) -> int:
        return (
            self.deposits
            + self.card_settlements
            + self.returned_checks
            + self.lockbox_deposits
            + self.vendor_settlements
        )


def _may_match(by: User) -> None:
    if not by.has_perm("reconciliation.match_statement"):
        raise StatementError("Only a Supervisor matches bank statement lines.")


def _line_locked(line: StatementLine) -> StatementLine:
    locked = StatementLine.objects.select_for_update().get(pk=line.pk)
    if locked.status != StatementLine.Status.UNMATCHED:
        raise StatementError(
            f"The line of {us_date(locked.posted_on)} for {format_money(locked.amount)} was "
            f"already {locked.get_status_display().lower()} by someone else; it cannot change."
        )
    return locked


def _line_settled(line: StatementLine, status: str, entry, by: User, **fields) -> None:
    StatementLine.objects.filter(pk=line.pk).update(
        status=status, entry=entry, matched_by=by, matched_at=timezone.now(), **fields
    )


def statement_auto_match(
    *,
    by: User,
    statement: BankStatement | None = None,
    bank_account: Account | None = None,
) -> AutoMatchResult:
    """Match what can be matched without a person's judgement, among the unmatched lines of
    `statement` (or of every statement of `bank_account`):

    - a credit equal to what a VERIFIED deposit still holds in transit (its total less checks
      returned in transit), of the same bank account, posted within
      DEPOSIT_WINDOW_DAYS after the deposit's business date (earliest deposit first);
    - a credit equal to a posted lockbox file's deposit still in transit, or to a posted
      vendor file's net settlement (reconciliation.services.remittance);
    - a credit that is a day's card batches net of the processor's fees (at most
      CARD_FEES_AT_MOST of the gross), posted within CARD_WINDOW_DAYS after that day;
    - a debit for a returned deposited check (BAI2 555/566/568, or RETURN/NSF in the text):
      the check of that amount whose number the line names, in a deposit already at the
      bank: opens the returned-check flow on it (payments.services.returned_check_record).

    Each match is its own transaction (a refusal leaves that line for the matching page).
    Raises StatementError (no permission, neither statement nor account given)."""
    _may_match(by)
    if statement is None and bank_account is None:
        raise StatementError("Say which statement or bank account to match.")
    lines = StatementLine.objects.filter(status=StatementLine.Status.UNMATCHED)
    lines = (
        lines.filter(statement=statement) if statement else lines.filter(bank_account=bank_account)
    )
    result = AutoMatchResult()
    credits = list(lines.filter(amount__gt=0).order_by("posted_on", "id"))
    account_ids = {line.bank_account_id for line in credits}
    deposits = _deposits_waiting(account_ids)
    left = []
    for line in credits:
        deposit = _deposit_for(line, deposits)
        if deposit is not None and _quietly(statement_line_match_deposit, line, deposit, by):
            deposits.remove(deposit)
            result.deposits += 1
        else:
            left.append(line)
    # Lockbox deposits and vendor settlements (reconciliation.services.remittance, which
    # builds on this module: imported here, not at the top).
    from reconciliation.services.remittance import statement_lines_match_remittance

    remittance = statement_lines_match_remittance(lines=left, by=by)
    result.lockbox_deposits = remittance.lockbox_deposits
    result.vendor_settlements = remittance.vendor_settlements
    for line in remittance.left:
        day = _card_day_for(line)
        if day is not None and _quietly(statement_line_match_card_day, line, day, by):
            result.card_settlements += 1
    for line in lines.filter(amount__lt=0).order_by("posted_on", "id"):
        if not _returned_item(line):
            continue
        tender = _returned_check_for(line)
        if tender is not None and _quietly(statement_line_match_returned_check, line, tender, by):
            result.returned_checks += 1
    result.left = lines.count()
    return result


def _quietly(match: Callable[..., object], line: StatementLine, what: object, by: User) -> bool:
    """Auto-match tries; a refusal (someone matched the line a moment ago, the ledger said
    no) leaves the line for a person."""
    try:
        match(line=line, target=what, by=by)
    except (DomainError, ReconciliationError, IntegrityError):
        return False
    return True


def _deposits_waiting(account_ids: set[int]) -> list[Deposit]:
    """Verified deposits not yet at the bank, each with `amount`: what it still holds in
    transit (reconciliation.selectors_statements.deposits_unmatched), read in one query."""
    return list(deposits_unmatched(account_ids))


def deposit_returned_in_transit(deposit: Deposit) -> Decimal:
    """Dollars of `deposit`'s checks the bank returned before a statement line matched the
    bag: each was taken back out of 1040 Deposits in transit (check_location), so the bag
    holds that much less there, and the bank credits that much less."""
    total = DepositCheck.objects.filter(
        deposit=deposit, released=False, tender__returned=True
    ).aggregate(t=Sum("amount"))["t"]
    return total or ZERO


def deposit_net_in_transit(deposit: Deposit) -> Decimal:
    """What verified `deposit`, not yet at the bank, still holds on 1040: its total less its
    checks returned in transit. The bank's line for the bag is this amount."""
    return deposit.total - deposit_returned_in_transit(deposit)


def _deposit_for(line: StatementLine, deposits: list[Deposit]) -> Deposit | None:
    for deposit in deposits:
        if (
            deposit.bank_account_id == line.bank_account_id
            and deposit.amount == line.amount  # type: ignore[attr-defined]
            and deposit.business_date
            <= line.posted_on
            <= deposit.business_date + timedelta(days=DEPOSIT_WINDOW_DAYS)
        ):
            return deposit
    return None


def card_batches_unsettled(business_date: date) -> QuerySet[DrawerClose]:
    """The closed drawers' card batches of `business_date` that no settlement took yet."""
    return DrawerClose.objects.filter(
        status=DrawerClose.Status.CLOSED,
        business_date=business_date,
        card_batch_total__gt=0,
        card_settlement__isnull=True,
    ).order_by("id")


def _card_day_for(line: StatementLine) -> date | None:
    days = (
        DrawerClose.objects.filter(
            status=DrawerClose.Status.CLOSED,
            card_batch_total__gt=0,
            card_settlement__isnull=True,
            business_date__range=(
                line.posted_on - timedelta(days=CARD_WINDOW_DAYS),
                line.posted_on,
            ),
        )
        .values("business_date")
        .annotate(gross=Sum("card_batch_total"))
        .order_by("business_date")
    )
    for day in days:
        fees = day["gross"] - line.amount
        if ZERO <= fees <= day["gross"] * CARD_FEES_AT_MOST:
            return day["business_date"]
    return None


def _returned_item(line: StatementLine) -> bool:
    if line.type_code in RETURNED_ITEM_CODES:
        return True
    words = f"{line.type_code} {line.description}".upper()
    return any(word in words for word in RETURNED_ITEM_WORDS)


def _returned_check_for(line: StatementLine) -> Tender | None:
    """The one check of the line's amount, in a deposit at the bank of this account, whose
    number the line names; None when there is none or more than one."""
    candidates = (
        DepositCheck.objects.select_related("tender")
        .filter(
            released=False,
            tender__isnull=False,
            tender__returned=False,
            amount=-line.amount,
            deposit__status=Deposit.Status.VERIFIED,
            deposit__bank_account_id=line.bank_account_id,
            deposit__statement_lines__isnull=False,
        )
        .distinct()
    )
    text = f" {line.bank_reference} {line.customer_reference} {line.description} "
    named = [
        dc.tender for dc in candidates if dc.tender and _names_number(text, dc.tender.check_number)
    ]
    return named[0] if len(named) == 1 else None


def _names_number(text: str, number: str) -> bool:
    import re

    digits = number.strip().lstrip("0")
    if not digits:
        return False
    return re.search(rf"(?<!\d)0*{re.escape(digits)}(?!\d)", text) is not None


def statement_line_match_deposit(
    *, line: StatementLine, target: Deposit, by: User
) -> StatementLine:
    """The bank received deposit `target`: Dr the bank account / Cr 1040 Deposits in transit
    (the deposit's office) for what the bag still holds (its total less its checks returned
    in transit: deposit_net_in_transit), which must be the line's amount; dated today; the
    line MATCHED to the deposit. The bank is the
    receiver of the bag, so no two-person hand-over row is written: the statement line is the
    bank's own receipt.

    Raises StatementError (no permission, the line is not unmatched, the deposit is not
    verified or is for another bank account, amounts differ, matched already)."""
    _may_match(by)
    deposit = target
    with database_refusal_explained("statement match"), transaction.atomic():
        locked = _line_locked(line)
        deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if deposit.status != Deposit.Status.VERIFIED:
            raise StatementError(
                f"Deposit bag {deposit.bag_number} is {deposit.get_status_display().lower()}: "
                "only a verified deposit reaches the bank."
            )
        if deposit.bank_account_id != locked.bank_account_id:
            raise StatementError(f"Deposit bag {deposit.bag_number} went to another bank account.")
        # Checks of the bag the bank returned while it was in transit were taken back out of
        # 1040 already: the bag holds (and the bank credits) only the rest.
        returned = deposit_returned_in_transit(deposit)
        net = deposit.total - returned
        if net != locked.amount:
            numbers = ", ".join(
                DepositCheck.objects.filter(
                    deposit=deposit, released=False, tender__returned=True
                ).values_list("check_number", flat=True)
            )
            less = (
                f" ({format_money(deposit.total)} less {format_money(returned)} of checks "
                f"returned in transit: {numbers})"
                if returned
                else ""
            )
            raise StatementError(
                f"Deposit bag {deposit.bag_number} holds {format_money(net)}{less}, the "
                f"bank line says {format_money(locked.amount)}: explain the difference instead."
            )
        if StatementLine.objects.filter(deposit=deposit).exists():
            raise StatementError(f"Deposit bag {deposit.bag_number} is matched already.")
        memo = f"Deposit bag {deposit.bag_number} at the bank ({us_date(locked.posted_on)})"
        entry = transit_banked(locked, memo=memo, office_id=deposit.office_id, by=by)
        _line_settled(locked, StatementLine.Status.MATCHED, entry, by, deposit=deposit)
    locked.refresh_from_db()
    return locked


def transit_banked(line: StatementLine, *, memo: str, office_id: int, by: User) -> JournalEntry:
    """Post that a deposit in transit reached the bank, as statement `line` (locked) shows: Dr
    the line's bank account / Cr 1040 Deposits in transit of office `office_id`, the line's
    amount (Decimal dollars), dated today. Raises what post() raises (LedgerError)."""
    bank = Account.objects.get(pk=line.bank_account_id)
    transit = accounts(DEPOSITS_IN_TRANSIT)[DEPOSITS_IN_TRANSIT]
    return post(
        entry_date=timezone.localdate(),
        memo=memo,
        source=ReconciliationSource.STATEMENT_MATCH,
        by=by,
        lines=[
            Line(bank, line.amount, memo),
            Line(transit, -line.amount, memo, office_id=office_id),
        ],
    )


def statement_line_match_card_day(*, line: StatementLine, target: date, by: User) -> CardSettlement:
    """The card processor paid the batches of the drawers closed on business day `target`,
    net of its fees: Dr the bank account (the line's amount), Dr 5100 Bank fees (the gross
    less the line), Cr 1020 Card clearing (the gross, naming no drawer). Each batch settles
    once (CardSettlementClose is unique per drawer close).

    Raises StatementError (no permission, not a credit, no unsettled batches that day, the
    line more than the batches)."""
    _may_match(by)
    day = target
    with database_refusal_explained("card settlement"), transaction.atomic():
        locked = _line_locked(line)
        if locked.amount <= 0:
            raise StatementError("A card settlement is money in: this line is money out.")
        # Locked, then the unique batch-per-settlement index has the last word under
        # concurrency (a second settlement of a batch fails to insert).
        closes = list(card_batches_unsettled(day).select_for_update(of=("self",)))
        # Settled by someone while this waited for the locks: a fresh look says so.
        if CardSettlementClose.objects.filter(drawer_close__in=closes).exists():
            raise StatementError(
                f"The card batches of {us_date(day)} were settled a moment ago by someone else."
            )
        gross = sum((c.card_batch_total for c in closes), ZERO)
        if not closes:
            raise StatementError(
                f"No closed drawer of {us_date(day)} has a card batch left to settle."
            )
        fees = gross - locked.amount
        if fees < 0:
            raise StatementError(
                f"The card batches of {us_date(day)} total {format_money(gross)}, less than the "
                f"{format_money(locked.amount)} the bank received."
            )
        codes = accounts(CARD_CLEARING, BANK_FEES)
        bank = Account.objects.get(pk=locked.bank_account_id)
        memo = f"Card settlement of {us_date(day)} ({len(closes)} batches)"
        lines = [Line(bank, locked.amount, memo), Line(codes[CARD_CLEARING], -gross, memo)]
        if fees:
            lines.append(Line(codes[BANK_FEES], fees, f"Card processing fees of {us_date(day)}"))
        entry = post(
            entry_date=timezone.localdate(),
            memo=memo,
            source=ReconciliationSource.CARD_SETTLEMENT,
            by=by,
            lines=lines,
        )
        settlement = CardSettlement.objects.create(
            statement_line=locked,
            business_date=day,
            gross=gross,
            fees=fees,
            net=locked.amount,
            entry=entry,
            settled_by=by,
        )
        CardSettlementClose.objects.bulk_create(
            CardSettlementClose(settlement=settlement, drawer_close=c, amount=c.card_batch_total)
            for c in closes
        )
        _line_settled(locked, StatementLine.Status.MATCHED, entry, by)
    return settlement


def statement_line_match_returned_check(
    *, line: StatementLine, target: Tender, by: User
) -> StatementLine:
    """The bank debited a deposited check it could not collect: the returned-check flow on
    that check (payments.services.returned_check_record: the bills reopen, Cr the bank the
    check is at) and the line MATCHED with that entry.

    Raises StatementError (not a debit of the check's amount, the check's receipt took
    nothing back from the bank), and payments' errors (not a Supervisor, already returned)."""
    _may_match(by)
    tender = target
    with transaction.atomic():
        locked = _line_locked(line)
        if tender.kind != "check" or -locked.amount != tender.amount:
            raise StatementError(
                f"The bank debited {format_money(-locked.amount)}; check "
                f"{tender.check_number} was for {format_money(tender.amount)}."
            )
        try:
            reversal = returned_check_record(
                payment=tender.payment,
                check=tender,
                reason=f"Returned by the bank {us_date(locked.posted_on)}: {locked.description}"[
                    :300
                ],
                by=by,
            )
        except PaymentError as exc:
            raise StatementError(str(exc)) from exc
        if reversal.entry_id is None or _bank_amount(reversal.entry_id, locked) != locked.amount:
            # What the check paid is no longer on its receipt (refunded since): billed to the
            # writer, not taken back from the bank in one entry. A person explains the line.
            raise StatementError(
                f"Check {tender.check_number}'s return did not take the full amount back from "
                "the bank; match or explain the line on the matching page."
            )
        _line_settled(locked, StatementLine.Status.MATCHED, reversal.entry, by)
    locked.refresh_from_db()
    return locked


def _bank_amount(entry_id: int, line: StatementLine) -> Decimal:
    from ledger.models import JournalLine

    total = JournalLine.objects.filter(
        entry_id=entry_id, account_id=line.bank_account_id
    ).aggregate(t=Sum("amount"))["t"]
    return total or ZERO


EXPLAIN_ACCOUNTS = {"": "Post nothing", BANK_FEES: "5100 Bank fees"}


def statement_line_explain(
    *, line: StatementLine, reason: str, by: User, account_code: str = ""
) -> StatementLine:
    """A Supervisor explains a line nothing matches: `reason` is kept; with `account_code`
    (one of EXPLAIN_ACCOUNTS: 5100 Bank fees) the line posts against the bank account, e.g.
    a fee debit Dr 5100 / Cr bank. An explained line cannot change afterwards.

    Raises StatementError (no permission, no reason, an account not on the list, the line
    matched or explained already)."""
    _may_match(by)
    reason = " ".join(reason.split())
    if len(reason) < 3:
        raise StatementError("Say why this line needs no match (a few words at least).")
    if contains_card_number(reason):
        raise StatementError("The reason holds what looks like a card number; never type one.")
    if account_code not in EXPLAIN_ACCOUNTS:
        raise StatementError("Choose where the line posts from the list.")
    with database_refusal_explained("statement explanation"), transaction.atomic():
        locked = _line_locked(line)
        entry = None
        if account_code:
            other = accounts(account_code)[account_code]
            bank = Account.objects.get(pk=locked.bank_account_id)
            memo = f"Bank statement {us_date(locked.posted_on)}: {reason}"[:255]
            entry = post(
                entry_date=timezone.localdate(),
                memo=memo,
                source=ReconciliationSource.STATEMENT_MATCH,
                by=by,
                lines=[Line(bank, locked.amount, memo), Line(other, -locked.amount, memo)],
            )
        _line_settled(locked, StatementLine.Status.EXPLAINED, entry, by, explanation=reason[:300])
    locked.refresh_from_db()
    return locked


def csv_mapping_save(*, bank_account: Account, by: User, **columns: object) -> CsvMapping:
    """Create or change the CSV column mapping of `bank_account` (CsvMapping's fields as
    keywords). Raises StatementError (no permission, not a bank account, neither one amount
    column nor a debit and a credit column)."""
    if not by.has_perm("reconciliation.manage_csv_mapping"):
        raise StatementError("Only a Supervisor or an Admin sets how a bank's CSV reads.")
    if not bank_accounts().filter(pk=bank_account.pk).exists():
        raise StatementError(f"{bank_account} is not one of the city's bank accounts.")
    amount = str(columns.get("amount_column") or "").strip()
    debit = str(columns.get("debit_column") or "").strip()
    credit = str(columns.get("credit_column") or "").strip()
    if bool(amount) == bool(debit or credit) or (not amount and not (debit and credit)):
        raise StatementError("Map either one amount column, or both a debit and a credit column.")
    with transaction.atomic():
        mapping, _ = CsvMapping.objects.update_or_create(
            bank_account=bank_account,
            defaults={**columns, "updated_by": by, "updated_at": timezone.now()},
        )
    return mapping


__all__ = [
    "EXPLAIN_ACCOUNTS",
    "AutoMatchResult",
    "StatementAlreadyImported",
    "bank_accounts",
    "card_batches_unsettled",
    "csv_mapping_save",
    "deposit_net_in_transit",
    "deposit_returned_in_transit",
    "statement_auto_match",
    "statement_import",
    "statement_line_explain",
    "statement_line_match_card_day",
    "statement_line_match_deposit",
    "statement_line_match_returned_check",
    "statement_parse",
]
