"""Certified lists of liens, the read side: what is a lien on a parcel, what each lien owes
through a good-through date (`liens_on`, the one function the certificate, the counter's preview,
the verification page and the bench all use), and what changed on a parcel since a certificate.

What is a lien (docs/billing.md, "Certified lists of liens"): a bill on the parcel (billed to it,
or to a water account at it) whose bill type the office's LienTerms names (property tax: every
city tax installment, RPTL 902 and the City Charter make it a lien from the day it is levied), or
one of whose charges is of a charge type marked `is_lien` (relevied water and sewer, special
assessments). Amounts come only from billing.selectors.with_amounts_due, which applies the
penalty and interest rules and the office's business-day calendar (RPTL 924-a, 925-a)."""

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from billing.errors import BillingError
from billing.models import (
    LIEN_GOOD_THROUGH_MAX,
    Bill,
    BillLine,
    LienCertificate,
    LienCertificateItem,
    LienTerms,
    Property,
)
from billing.selectors import HistoryRow, bill_history, with_amounts_due
from cashiering.dates import us_date
from ledger.money import ZERO, format_money

# Crockford's base 32: no I, L, O or U, so a code read aloud or retyped is not misread. Ten of
# them are 50 random bits: with the verification page throttled, not guessable.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_CODE_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def lien_terms() -> LienTerms:
    """The office's lien terms; the defaults (property tax bills are liens, no fee type) while
    an Admin has not saved any."""
    return LienTerms.objects.select_related("fee_type").filter(pk=1).first() or LienTerms(pk=1)


def good_through_check(*, good_through: date, issued_on: date) -> None:
    """Raises BillingError when a certificate issued on `issued_on` cannot be good through
    `good_through`: before the date of issue, or more than 90 days after it (the amounts of a
    later date would rest on a calendar and rules that may change by then)."""
    if good_through < issued_on:
        raise BillingError(
            f"The good-through date {us_date(good_through)} is before the date of issue "
            f"{us_date(issued_on)}: a certificate states what is owed on or after the day it is "
            "issued."
        )
    if good_through > issued_on + LIEN_GOOD_THROUGH_MAX:
        raise BillingError(
            f"The good-through date may be at most {LIEN_GOOD_THROUGH_MAX.days} days after the "
            f"date of issue, {us_date(issued_on + LIEN_GOOD_THROUGH_MAX)} at the latest."
        )


def lien_bills(prop: Property, terms: LienTerms | None = None) -> QuerySet[Bill]:
    """Every bill that is a lien on `prop`, paid or not: on the parcel (or on a water account at
    it) and of a lien bill type, or with a charge of a lien charge type."""
    terms = terms or lien_terms()
    lien_line = BillLine.objects.filter(bill=OuterRef("pk"), charge_type__is_lien=True)
    return Bill.objects.filter(Q(property=prop) | Q(water_account__property=prop)).filter(
        Q(bill_type__in=list(terms.lien_bill_types)) | Exists(lien_line)
    )


@dataclass(frozen=True)
class LienItem:
    """One unpaid lien through the good-through date, in dollars: `kind` names what it is
    ("City property tax, relevied unpaid water charges"), `detail` the principal billed, split
    by charge, when there is more than one charge or part of it was paid."""

    bill: Bill
    year: int
    kind: str
    description: str
    detail: str
    principal: Decimal
    penalty: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.penalty + self.interest


@dataclass(frozen=True)
class LienList:
    """The unpaid liens on a parcel through `good_through`, oldest first, as a certificate
    issued on `issued_on` states them; totals in dollars."""

    parcel: Property
    good_through: date
    issued_on: date
    items: list[LienItem] = field(default_factory=list)

    @property
    def principal(self) -> Decimal:
        return sum((item.principal for item in self.items), ZERO)

    @property
    def penalty(self) -> Decimal:
        return sum((item.penalty for item in self.items), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((item.interest for item in self.items), ZERO)

    @property
    def payoff(self) -> Decimal:
        """What pays every lien on the good-through date."""
        return self.principal + self.penalty + self.interest


def liens_on(prop: Property, *, good_through: date, issued_on: date) -> LienList:
    """Every unpaid lien on `prop` billed on or before `issued_on`, with its principal, penalty
    and interest owed if paid on `good_through` (billing.selectors.with_amounts_due: the penalty
    rules and the business-day calendar), oldest first (due date, then bill). Bills issued after
    `issued_on` are not included (the certificate says so). Raises BillingError for a
    good-through date the certificate may not have (good_through_check). Five queries."""
    good_through_check(good_through=good_through, issued_on=issued_on)
    lines = BillLine.objects.select_related("charge_type").order_by("id")
    bills = list(
        lien_bills(prop)
        .filter(balance__gt=0, issue_date__lte=issued_on)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("due_date", "id")
    )
    items = [_lien_item(o.bill, o.due) for o in with_amounts_due(bills, good_through)]
    return LienList(
        parcel=prop,
        good_through=good_through,
        issued_on=issued_on,
        items=[item for item in items if item.total > 0],
    )


def _lien_item(bill: Bill, due) -> LienItem:
    lines = list(bill.lines.all())
    names: list[str] = []
    for line in lines:
        if line.charge_type.name not in names:
            names.append(line.charge_type.name)
    kind = (
        ", ".join(name if n == 0 else name[:1].lower() + name[1:] for n, name in enumerate(names))
        or bill.get_bill_type_display()
    )
    detail = ""
    if len(lines) > 1 or bill.principal_balance < bill.principal:
        billed = " + ".join(f"{line.description} {format_money(line.amount)}" for line in lines)
        detail = f"Billed {billed}"
        if bill.principal_balance < bill.principal:
            detail += f"; {format_money(bill.principal - bill.principal_balance)} paid"
    return LienItem(
        bill=bill,
        year=bill.tax_year or bill.issue_date.year,
        kind=kind[:300],
        description=f"{bill.number}: {bill.description}"[:300],
        detail=detail[:500],
        principal=due.principal,
        penalty=due.penalty,
        interest=due.interest,
    )


# Verification codes


def verification_code_new() -> str:
    """A fresh random verification code (ten characters of CODE_ALPHABET)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verification_code_normalized(text: str) -> str:
    """A code as typed or scanned, as stored: capitals, no dashes or spaces, O read as zero and
    I or L as one ("7k3q-m9px t2" is 7K3QM9PXT2)."""
    return re.sub(r"[^0-9A-Z]", "", text.upper()).translate(_CODE_READ_AS)


def certificate_by_code(text: str) -> LienCertificate | None:
    code = verification_code_normalized(text)
    if len(code) != CODE_LENGTH:
        return None
    return LienCertificate.objects.select_related("property").filter(verification_code=code).first()


# The sale: payments sells certificates and knows which sale was voided (ARCHITECTURE.md:
# billing does not depend on payments), so it registers how to tell.


@dataclass(frozen=True)
class CertificateSale:
    """The receipt that sold a certificate, and whether the sale was taken back (voided,
    refunded in full, or its fee refunded): then the certificate is VOID."""

    receipt_number: str
    void: bool


CertificateSales = Callable[[Iterable[int]], dict[int, CertificateSale]]
_certificate_sales: list[CertificateSales] = []


def register_certificate_sales(reader: CertificateSales) -> None:
    """Payments' answer to "which receipt sold each of these certificates, and does it stand"."""
    _certificate_sales[:] = [reader]


def certificate_sales(certificate_ids: Iterable[int]) -> dict[int, CertificateSale]:
    """Certificate id -> its sale (one query); a certificate with none is missing."""
    ids = list(certificate_ids)
    if not ids or not _certificate_sales:
        return {}
    return _certificate_sales[0](ids)


def certificate_is_void(certificate: LienCertificate) -> bool:
    sale = certificate_sales([certificate.pk]).get(certificate.pk)
    return sale is not None and sale.void


# What changed since issue


@dataclass(frozen=True)
class ItemChange:
    """A lien whose amount through the good-through date differs from the certificate's (in
    dollars; `certified` 0 for a lien the certificate did not list), with what was posted on it
    after the certificate was issued (payments, waivers, adjustments, reopenings): after its
    moment of issue, not its day, since what was posted earlier that day is in its amounts."""

    bill: Bill
    certified: Decimal
    now: Decimal
    events: list[HistoryRow] = field(default_factory=list)


@dataclass(frozen=True)
class CertificateChanges:
    """What changed on a certificate's parcel since it was issued: liens that owe another
    amount through its good-through date, and liens billed to the parcel since."""

    items: list[ItemChange] = field(default_factory=list)
    new_bills: list[Bill] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.items or self.new_bills)


def certificate_changes(certificate: LienCertificate, *, detail: bool = True) -> CertificateChanges:
    """Recompute the certificate's list for its own dates (liens_on) and compare it with what was
    certified, and find the lien bills put on the parcel after it was issued. With `detail`, each
    changed lien carries what was posted on it after the moment of issue (a few queries a
    changed bill); the public page asks without."""
    now = liens_on(
        certificate.property,
        good_through=certificate.good_through,
        issued_on=certificate.issued_on,
    )
    owed = {item.bill.pk: item for item in now.items}
    certified = {
        item.bill_id: item for item in LienCertificateItem.objects.filter(certificate=certificate)
    }
    changes: list[ItemChange] = []
    bills = Bill.objects.in_bulk(set(certified) - set(owed))
    for bill_id, stored in certified.items():
        current = owed.get(bill_id)
        total = current.total if current is not None else ZERO
        if total != stored.total:
            bill = current.bill if current is not None else bills[bill_id]
            changes.append(ItemChange(bill=bill, certified=stored.total, now=total))
    for bill_id, current in owed.items():
        if bill_id not in certified:
            changes.append(ItemChange(bill=current.bill, certified=ZERO, now=current.total))
    seen = {change.bill.pk for change in changes}
    new_bills = [
        bill
        for bill in lien_bills(certificate.property)
        .filter(created_at__gt=certificate.issued_at)
        .order_by("due_date", "id")
        if bill.pk not in seen
    ]
    if detail:
        changes = [
            ItemChange(
                bill=change.bill,
                certified=change.certified,
                now=change.now,
                events=[
                    row
                    for row in bill_history(change.bill)
                    if row.posted_at is not None
                    and row.posted_at > certificate.issued_at
                    and row.kind != "Issued"
                ],
            )
            for change in changes
        ]
    return CertificateChanges(items=changes, new_bills=new_bills)
