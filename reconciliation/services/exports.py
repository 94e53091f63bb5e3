"""Files the office sends out and takes back: payment posting files for the billing systems
(each event exactly once), the delinquent parking tickets referred to the collection vendor, and
the vendor's payments file imported back (posted Dr 1100 Bank / Cr the ticket's receivable)."""

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import Bill, BillType
from billing.selectors import with_amounts_due
from billing.services import PENALTY_INTEREST_ACCOUNT_CODE, penalty_assessment_record
from cashiering.dates import us_datetime
from cashiering.people import person_name
from cashiering.spreadsheet import spreadsheet_safe
from ledger.chart import BANK
from ledger.errors import DomainError
from ledger.money import ZERO, format_money, parse_money
from ledger.services import Line, post
from payments.models import PaymentItem
from reconciliation.errors import ExportError
from reconciliation.models import (
    PostingEvent,
    PostingExport,
    PostingExportItem,
    PostingSystem,
    ReferralFile,
    VendorPayment,
    VendorPaymentFile,
    VendorReferral,
)
from reconciliation.services.custody import ReconciliationSource, accounts

SYSTEM_BILL_TYPES: dict[str, tuple[str, ...]] = {
    PostingSystem.TAX: (BillType.PROPERTY_TAX,),
    PostingSystem.WATER: (BillType.WATER_SEWER,),
    PostingSystem.PARKING: (BillType.PARKING,),
}
POSTING_COLUMNS = ["bill_number", "account", "event", "amount", "date", "receipt_number"]
VENDOR_COLUMNS = ("ticket_number", "amount", "paid_date", "vendor_ref")
MAX_VENDOR_ROWS = 50_000


def _allowed(by: User, permission: str, what: str) -> None:
    if not by.has_perm(f"reconciliation.{permission}"):
        raise ExportError(f"You may not {what}; a Supervisor may.")


def _lock(name: str) -> None:
    """One writer at a time per kind of file (in the caller's transaction): two Supervisors
    pressing the button at once make one file, and the second finds nothing new."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"reconciliation.{name}"])


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    # The vendor and other departments open these files in spreadsheets too.
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bill_account(bill: Bill) -> str:
    """The bill's account as its billing system knows it: the parcel, the water account, the
    plate, else the bill's external id."""
    if bill.property is not None:
        return bill.property.parcel_number
    if bill.water_account is not None:
        return bill.water_account.number
    if bill.vehicle is not None:
        return f"{bill.vehicle.plate} {bill.vehicle.state}"
    return bill.external_id


# Payment posting files


@dataclass(frozen=True)
class _Event:
    kind: str
    bill_id: int
    amount: Decimal
    event_date: date
    receipt_number: str
    payment_item_id: int | None = None
    reversal_id: int | None = None
    vendor_payment_id: int | None = None


def _payment_events(bill_types: tuple[str, ...]) -> list[_Event]:
    items = (
        PaymentItem.objects.filter(
            kind=PaymentItem.Kind.BILL,
            payment__training=False,
            bill__bill_type__in=bill_types,
        )
        .exclude(
            pk__in=PostingExportItem.objects.filter(payment_item__isnull=False).values(
                "payment_item_id"
            )
        )
        .annotate(paid=F("penalty_paid") + F("interest_paid") + F("principal_paid"))
        .filter(paid__gt=0)
        .values_list("pk", "bill_id", "paid", "payment__posted_on", "payment__receipt_number")
        .order_by("pk")
    )
    return [
        _Event(PostingEvent.PAYMENT, bill_id, paid, day, receipt, payment_item_id=pk)
        for pk, bill_id, paid, day, receipt in items
    ]


def _reversal_events(bill_types: tuple[str, ...]) -> list[_Event]:
    """Voids, refunds and returned checks: per bill, what the reversal's entry put back on the
    bill's receivable (its debit lines naming the bill)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT r.id, r.kind, l.bill_id, sum(l.amount), e.entry_date, p.receipt_number
                 FROM payments_paymentreversal r
                 JOIN payments_payment p ON p.id = r.payment_id
                 JOIN ledger_journalentry e ON e.id = r.entry_id
                 JOIN ledger_journalline l ON l.entry_id = r.entry_id
                 JOIN billing_bill b ON b.id = l.bill_id
                WHERE NOT p.training AND l.amount > 0 AND l.account_id = b.receivable_account_id
                  AND b.bill_type = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM reconciliation_postingexportitem i
                                   WHERE i.reversal_id = r.id AND i.bill_id = l.bill_id)
                GROUP BY r.id, r.kind, l.bill_id, e.entry_date, p.receipt_number
                ORDER BY r.id, l.bill_id""",
            [list(bill_types)],
        )
        rows = cursor.fetchall()
    return [
        _Event(kind, bill_id, amount, day, receipt, reversal_id=rid)
        for rid, kind, bill_id, amount, day, receipt in rows
    ]


def _vendor_events(bill_types: tuple[str, ...]) -> list[_Event]:
    payments = (
        VendorPayment.objects.filter(bill__bill_type__in=bill_types)
        .exclude(
            pk__in=PostingExportItem.objects.filter(vendor_payment__isnull=False).values(
                "vendor_payment_id"
            )
        )
        .values_list("pk", "bill_id", "amount", "paid_on", "vendor_reference")
        .order_by("pk")
    )
    return [
        _Event(
            PostingEvent.VENDOR_PAYMENT, bill_id, amount, day, f"vendor {ref}", vendor_payment_id=pk
        )
        for pk, bill_id, amount, day, ref in payments
    ]


def posting_events_pending(system: str) -> list[_Event]:
    """Events on `system`'s bills not yet in any posting file, oldest first."""
    bill_types = SYSTEM_BILL_TYPES[system]
    events = _payment_events(bill_types) + _reversal_events(bill_types) + _vendor_events(bill_types)
    return sorted(events, key=lambda e: (e.event_date, e.kind, e.bill_id))


def posting_export_create(*, system: str, by: User) -> PostingExport:
    """Build the next payment posting file for `system` (tax, water or parking): every payment
    applied to one of its bills, void, refund, returned check and collection-vendor payment
    not sent before, as CSV (bill_number, account, event, amount, date, receipt_number;
    amounts positive dollars: paid for a payment, put back on the bill otherwise). The file
    is stored as sent with its SHA-256; each event is recorded in it, and the database
    refuses to record an event twice.

    Raises ExportError when `system` is unknown, `by` may not export, or nothing is new."""
    if system not in SYSTEM_BILL_TYPES:
        raise ExportError("Choose the billing system the file is for: tax, water or parking.")
    _allowed(by, "export_postings", "create payment posting files")
    with transaction.atomic():
        _lock(f"posting_export.{system}")
        events = posting_events_pending(system)
        label = PostingSystem(system).label
        if not events:
            raise ExportError(f"Nothing new to send to {label}: every event is in an earlier file.")
        bills = Bill.objects.select_related("property", "water_account", "vehicle").in_bulk(
            {e.bill_id for e in events}
        )
        rows = [
            [
                bills[e.bill_id].number,
                bill_account(bills[e.bill_id]),
                e.kind,
                str(e.amount),
                e.event_date.isoformat(),
                e.receipt_number,
            ]
            for e in events
        ]
        content = _csv_text(POSTING_COLUMNS, rows)
        sequence = PostingExport.objects.filter(system=system).count() + 1
        export = PostingExport.objects.create(
            system=system,
            created_by=by,
            file_name=f"{system}-postings-{timezone.localdate():%Y%m%d}-{sequence:04d}.csv",
            content=content,
            file_sha256=_sha256(content),
            row_count=len(rows),
        )
        PostingExportItem.objects.bulk_create(
            [
                PostingExportItem(
                    export=export,
                    kind=e.kind,
                    bill_id=e.bill_id,
                    amount=e.amount,
                    event_date=e.event_date,
                    receipt_number=e.receipt_number[:60],
                    payment_item_id=e.payment_item_id,
                    reversal_id=e.reversal_id,
                    vendor_payment_id=e.vendor_payment_id,
                )
                for e in events
            ]
        )
    return export


def posting_export_acknowledge(*, export: PostingExport, by: User) -> PostingExport:
    """Record that the billing system took `export`. Raises ExportError when it was already
    acknowledged (by whom and when) or `by` may not."""
    _allowed(by, "export_postings", "acknowledge posting files")
    with transaction.atomic():
        locked = PostingExport.objects.select_for_update().get(pk=export.pk)
        if locked.status == PostingExport.Status.ACKNOWLEDGED:
            when = timezone.localtime(locked.acknowledged_at) if locked.acknowledged_at else None
            raise ExportError(
                f"{locked.file_name} was already acknowledged by "
                f"{person_name(locked.acknowledged_by)}"
                + (f" on {us_datetime(when)}." if when else ".")
            )
        locked.status = PostingExport.Status.ACKNOWLEDGED
        locked.acknowledged_by = by
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return locked


# Parking tickets referred to the collection vendor

REFERRAL_COLUMNS = [
    "ticket_number",
    "plate",
    "plate_state",
    "issue_date",
    "due_date",
    "violation_code",
    "violation",
    "location",
    "amount_due",
    "name",
    "address",
    "city",
    "state",
    "postal_code",
]


def referral_file_create(
    *, days_past_due: int, by: User, as_of: date | None = None
) -> ReferralFile:
    """Refer to the collection vendor every parking ticket with a balance more than
    `days_past_due` days past its due date (as of `as_of`, default today), not under appeal,
    not referred before; the amount is what the ticket owes as of that day, penalties
    included. Each ticket is referred once (the database says so too).

    Raises ExportError when `by` may not, the number of days is out of range, or no ticket is
    due for referral."""
    _allowed(by, "refer_tickets", "refer tickets to the collection vendor")
    if not 1 <= days_past_due <= 3650:
        raise ExportError("Days past due is a whole number from 1 to 3650.")
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        _lock("referral")
        tickets = list(
            Bill.objects.select_for_update(of=("self",))
            .filter(
                bill_type=BillType.PARKING,
                balance__gt=0,
                appeal_pending=False,
                due_date__lt=as_of - timedelta(days=days_past_due),
                vendor_referral__isnull=True,
            )
            .select_related("customer", "vehicle", "violation")
            .order_by("pk")
        )
        if not tickets:
            raise ExportError(
                f"No parking ticket is more than {days_past_due} days past due and not yet "
                "referred: there is nothing to send."
            )
        owed = with_amounts_due(tickets, as_of)
        rows = [_referral_row(o.bill, o.due.total) for o in owed]
        content = _csv_text(REFERRAL_COLUMNS, rows)
        total = sum((o.due.total for o in owed), ZERO)
        sequence = ReferralFile.objects.count() + 1
        referral_file = ReferralFile.objects.create(
            created_by=by,
            days_past_due=days_past_due,
            file_name=f"parking-referral-{as_of:%Y%m%d}-{sequence:04d}.csv",
            content=content,
            file_sha256=_sha256(content),
            row_count=len(rows),
            total=total,
        )
        VendorReferral.objects.bulk_create(
            [
                VendorReferral(
                    bill=o.bill, file=referral_file, amount_referred=o.due.total, referred_on=as_of
                )
                for o in owed
            ]
        )
    return referral_file


def _referral_row(bill: Bill, due: Decimal) -> list[str]:
    customer = bill.customer
    vehicle = bill.vehicle
    violation = bill.violation
    address = ", ".join(p for p in (customer.address_line1, customer.address_line2) if p)
    return [
        bill.number,
        vehicle.plate if vehicle else "",
        vehicle.state if vehicle else "",
        bill.issue_date.isoformat(),
        bill.due_date.isoformat(),
        violation.code if violation else "",
        violation.description if violation else bill.description,
        bill.violation_location,
        str(due),
        customer.name,
        address,
        customer.city,
        customer.state,
        customer.postal_code,
    ]


# The vendor's payments file


@dataclass
class VendorRow:
    """One row of the vendor's file and what became of it: `status` imported, duplicate (the
    vendor reference was imported before: skipped) or refused (why in `message`)."""

    line: int
    ticket_number: str
    vendor_ref: str
    amount: Decimal | None
    paid_on: date | None
    status: str = "imported"
    message: str = ""


@dataclass
class VendorImport:
    """What an import did. `file` is None when nothing was imported: every row a duplicate, or
    a row refused (then nothing at all is imported; `rows` says which and why)."""

    rows: list[VendorRow]
    file: VendorPaymentFile | None

    @property
    def refused(self) -> list[VendorRow]:
        return [r for r in self.rows if r.status == "refused"]

    @property
    def duplicates(self) -> list[VendorRow]:
        return [r for r in self.rows if r.status == "duplicate"]

    @property
    def imported(self) -> list[VendorRow]:
        return [r for r in self.rows if r.status == "imported"] if self.file else []


def _parse_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError(f"“{text[:20]}” is not a date (YYYY-MM-DD or MM/DD/YYYY)")


def _vendor_rows(content: bytes) -> list[VendorRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(
            "The file is not UTF-8 text; export it from the vendor's site as CSV."
        ) from exc
    if "\x00" in text:
        raise ExportError("The file holds NUL characters: it is not a CSV text file.")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        raise ExportError("The file is empty.") from None
    except csv.Error as exc:
        raise ExportError(f"The file is not CSV: {exc}.") from exc
    missing = [c for c in VENDOR_COLUMNS if c not in header]
    if missing:
        raise ExportError(
            f"The file lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"expected {', '.join(VENDOR_COLUMNS)}."
        )
    where = {c: header.index(c) for c in VENDOR_COLUMNS}
    rows: list[VendorRow] = []
    today = timezone.localdate()
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_VENDOR_ROWS:
                raise ExportError(f"The file has more than {MAX_VENDOR_ROWS:,} rows; split it.")
            values = values + [""] * (len(header) - len(values))
            row = VendorRow(
                number,
                values[where["ticket_number"]].strip()[:30],
                values[where["vendor_ref"]].strip(),
                None,
                None,
            )
            rows.append(row)
            try:
                row.amount = parse_money(values[where["amount"]])
                row.paid_on = _parse_date(values[where["paid_date"]])
            except (DomainError, ValueError) as exc:
                row.status, row.message = "refused", str(exc)
                continue
            if not row.ticket_number:
                row.status, row.message = "refused", "No ticket number."
            elif not row.vendor_ref or len(row.vendor_ref) > 60:
                row.status, row.message = "refused", "The vendor reference is empty or too long."
            elif row.amount <= 0:
                row.status, row.message = "refused", "The amount must be more than $0.00."
            elif row.paid_on > today:
                row.status, row.message = "refused", "The paid date is in the future."
    except csv.Error as exc:
        raise ExportError(f"The file is not CSV: {exc}.") from exc
    if not rows:
        raise ExportError("The file has no payment rows.")
    return rows


def vendor_payments_import(*, file_name: str, content: bytes, by: User) -> VendorImport:
    """Import the collection vendor's payments file (CSV: ticket_number, amount, paid_date,
    vendor_ref). Rows whose vendor reference was imported before are skipped (the same file
    twice adds nothing). Any refused row (unknown or never-referred ticket, an amount more than
    the ticket owes as of its latest paid date, a bad value, a reference twice in the file)
    refuses the whole file: nothing is imported, and each row says why. Otherwise one entry
    posts Dr 1100 Bank / Cr each ticket's receivable (naming the bill; penalties and interest
    accrued by the paid date are assessed first), and each bill's balance moves with it
    (penalty, then interest, then principal).

    Raises ExportError for a file that is not a readable vendor file or when `by` may not."""
    _allowed(by, "refer_tickets", "import the collection vendor's payments")
    file_name = file_name.replace("\x00", "")
    rows = _vendor_rows(content)
    with transaction.atomic():
        _lock("vendor_payments")
        seen = set(
            VendorPayment.objects.filter(
                vendor_reference__in=[r.vendor_ref for r in rows]
            ).values_list("vendor_reference", flat=True)
        )
        in_file: set[str] = set()
        for row in rows:
            if row.status != "imported":
                continue
            if row.vendor_ref in seen:
                row.status, row.message = "duplicate", "Imported before; skipped."
            elif row.vendor_ref in in_file:
                row.status, row.message = "refused", "This vendor reference is in the file twice."
            in_file.add(row.vendor_ref)
        new = [r for r in rows if r.status == "imported"]
        bills = _tickets_checked(new)
        if any(r.status == "refused" for r in rows) or not new:
            return VendorImport(rows=rows, file=None)
        try:
            vendor_file = _vendor_payments_post(file_name, content, new, bills, by)
        except DatabaseError as exc:
            raise ExportError(
                "The database refused the import; nothing was imported. "
                + str(exc.__cause__ or exc).splitlines()[0]
            ) from exc
    return VendorImport(rows=rows, file=vendor_file)


def _tickets_checked(rows: list[VendorRow]) -> dict[str, Bill]:
    """Lock the rows' tickets (in id order) and refuse rows for unknown or never-referred
    tickets and rows that pay more than the ticket owes."""
    numbers = {r.ticket_number for r in rows}
    bills = {
        bill.number: bill
        for bill in Bill.objects.select_for_update(of=("self",))
        .filter(number__in=numbers, bill_type=BillType.PARKING)
        .select_related("receivable_account", "vendor_referral")
        .order_by("pk")
    }
    by_bill: dict[str, list[VendorRow]] = defaultdict(list)
    for row in rows:
        bill = bills.get(row.ticket_number)
        if bill is None:
            row.status, row.message = "refused", f"No parking ticket numbered {row.ticket_number}."
        elif not hasattr(bill, "vendor_referral"):
            row.status, row.message = "refused", "This ticket was never referred to the vendor."
        else:
            by_bill[bill.number].append(row)
    for number, ticket_rows in by_bill.items():
        bill = bills[number]
        as_of = max(r.paid_on for r in ticket_rows if r.paid_on)
        due = with_amounts_due([bill], as_of)[0].due
        paid = sum((r.amount for r in ticket_rows if r.amount), ZERO)
        if paid > due.total:
            for r in ticket_rows:
                r.status = "refused"
                r.message = (
                    f"Overpayment: the file pays {format_money(paid)} on this ticket, which owes "
                    f"{format_money(due.total)}."
                )
    return bills


def _vendor_payments_post(
    file_name: str, content: bytes, rows: list[VendorRow], bills: dict[str, Bill], by: User
) -> VendorPaymentFile:
    chart = accounts(BANK, PENALTY_INTEREST_ACCOUNT_CODE)
    total = sum((r.amount for r in rows if r.amount), ZERO)
    lines = [Line(chart[BANK], total, "Collection vendor payments")]
    updates: list[tuple[Bill, dict, frozenset[int]]] = []
    by_bill: dict[str, list[VendorRow]] = defaultdict(list)
    for row in rows:
        by_bill[row.ticket_number].append(row)
    for number, ticket_rows in sorted(by_bill.items(), key=lambda kv: bills[kv[0]].pk):
        bill = bills[number]
        due = with_amounts_due([bill], max(r.paid_on for r in ticket_rows if r.paid_on))[0].due
        pay = sum((r.amount for r in ticket_rows if r.amount), ZERO)
        assessed = due.new_penalty + due.new_interest
        receivable = bill.receivable_account
        if assessed:
            memo = f"Penalty and interest assessed on ticket {bill.number}"
            lines += [
                Line(receivable, assessed, memo, bill.pk),
                Line(chart[PENALTY_INTEREST_ACCOUNT_CODE], -assessed, memo),
            ]
        lines.append(
            Line(receivable, -pay, f"Collection vendor payment on ticket {bill.number}", bill.pk)
        )
        penalty_paid = min(pay, due.penalty)
        interest_paid = min(pay - penalty_paid, due.interest)
        principal_paid = pay - penalty_paid - interest_paid
        updates.append(
            (
                bill,
                {
                    "principal_balance": due.principal - principal_paid,
                    "penalty_balance": due.penalty - penalty_paid,
                    "interest_balance": due.interest - interest_paid,
                    "balance": due.total - pay,
                    "interest_months_assessed": due.interest_months,
                },
                due.new_penalty_rules,
            )
        )
    entry = post(
        entry_date=timezone.localdate(),
        memo=f"Collection vendor payments: {len(rows)} from {file_name[:100]}",
        source=ReconciliationSource.VENDOR_PAYMENT,
        by=by,
        lines=lines,
    )
    for bill, update, rules in updates:
        Bill.objects.filter(pk=bill.pk).update(**update)
        penalty_assessment_record(bill=bill, rule_ids=rules, entry=entry)
    vendor_file = VendorPaymentFile.objects.create(
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(content).hexdigest(),
        imported_by=by,
        row_count=len(rows),
        total=total,
        entry=entry,
    )
    payments = []
    for r in rows:
        # Every row kept has its amount and date (a row without them is refused).
        assert r.amount is not None and r.paid_on is not None
        payments.append(
            VendorPayment(
                file=vendor_file,
                bill=bills[r.ticket_number],
                vendor_reference=r.vendor_ref,
                amount=r.amount,
                paid_on=r.paid_on,
            )
        )
    VendorPayment.objects.bulk_create(payments)
    return vendor_file
