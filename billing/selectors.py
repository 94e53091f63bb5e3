"""Read queries of billing: what is owed and why, the one-box lookup, prices and rules."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Upper

from billing import penalties
from billing.models import (
    NAME_WORD_SEPARATORS,
    RECEIVABLE_ACCOUNT_CODES,
    Bill,
    BillType,
    Customer,
    Department,
    FaqEntry,
    FeePrice,
    FeeType,
    NameWord,
    PenaltyRule,
    Property,
    Vehicle,
    ViolationCode,
    WaterAccount,
)
from billing.scanline import ScanlineError, configured_scheme, looks_like_scanline, scanline_parse
from ledger.money import ZERO

BOOT_ELIGIBLE_TICKETS = 5
REPEAT_WINDOW_DAYS = 548  # 18 months


BILL_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "bill balance differs from its receivable lines",
        """SELECT 'bill ' || b.number || ' stores ' || b.balance
                  || ' but its receivable lines sum to ' || coalesce(s.total, 0)
             FROM billing_bill b
             LEFT JOIN (SELECT bill_id, account_id, sum(amount) AS total FROM ledger_journalline
                         WHERE bill_id IS NOT NULL GROUP BY bill_id, account_id) s
               ON s.bill_id = b.id AND s.account_id = b.receivable_account_id
            WHERE b.balance <> coalesce(s.total, 0) ORDER BY b.id""",
    ),
    (
        "bill balance is not its principal, penalty and interest",
        """SELECT 'bill ' || number || ' stores ' || balance || ' but its parts sum to '
                  || (principal_balance + penalty_balance + interest_balance)
             FROM billing_bill
            WHERE balance <> principal_balance + penalty_balance + interest_balance
            ORDER BY id""",
    ),
    (
        # The control total: a receivable account holds exactly what its open bills owe (live
        # book; training payments post to the training book and touch no bill).
        "receivable account differs from its open bills",
        """WITH owed AS (
               SELECT receivable_account_id AS account_id, sum(balance) AS total,
                      string_agg(DISTINCT bill_type, ', ') AS types
                 FROM billing_bill GROUP BY receivable_account_id
           ), posted AS (
               SELECT l.account_id, sum(l.amount) AS total
                 FROM ledger_journalline l JOIN ledger_journalentry e ON e.id = l.entry_id
                WHERE e.book = 'live'
                  AND l.account_id IN (SELECT a.id FROM ledger_account a
                                        WHERE a.code IN ({RECEIVABLES})
                                       UNION SELECT account_id FROM owed)
                GROUP BY l.account_id
           )
           SELECT 'account ' || a.code || ' ' || a.name || ' holds ' || coalesce(p.total, 0)
                  || ' but the open bills on it (' || coalesce(o.types, 'none')
                  || ') owe ' || coalesce(o.total, 0)
             FROM ledger_account a
             LEFT JOIN owed o ON o.account_id = a.id
             LEFT JOIN posted p ON p.account_id = a.id
            WHERE (o.account_id IS NOT NULL OR p.account_id IS NOT NULL)
              AND coalesce(o.total, 0) <> coalesce(p.total, 0)
            ORDER BY a.code""".replace(
            "{RECEIVABLES}", ", ".join(f"'{code}'" for code in RECEIVABLE_ACCOUNT_CODES.values())
        ),
    ),
)
BILL_TRIGGERS: tuple[tuple[str, str], ...] = (
    ("billing_bill", "bill_balance_inserted"),
    ("billing_bill", "bill_balance_updated"),
    ("ledger_journalline", "journal_line_bill_balance"),
    ("billing_penaltywaiver", "penalty_waiver_frozen"),
)


def _rules_of_types(bill_types: Iterable[str]) -> list[PenaltyRule]:
    return list(PenaltyRule.objects.filter(bill_type__in=list(bill_types)).order_by("id"))


def _rules_on(rows: Sequence[PenaltyRule], bill_type: str, day: date) -> list[penalties.Rule]:
    return [
        penalties.Rule(
            kind=r.kind, percent=r.percent, amount=r.amount, days=r.days, month=r.month, day=r.day
        )
        for r in rows
        if r.bill_type == bill_type
        and r.effective_from <= day
        and (r.effective_to is None or r.effective_to >= day)
    ]


def rules_for(bill_type: str, day: date) -> list[penalties.Rule]:
    """The penalty and interest rules of a bill type in effect on `day`. A bill follows the
    rules in effect on its due date: a later change of the law applies to bills falling due
    after it, and the schedule a bill has been assessed under never shifts beneath it."""
    return _rules_on(_rules_of_types([bill_type]), bill_type, day)


def bill_state(bill: Bill) -> penalties.BillState:
    return penalties.BillState(
        due_date=bill.due_date,
        principal_balance=bill.principal_balance,
        penalty_balance=bill.penalty_balance,
        interest_balance=bill.interest_balance,
        penalty_events_assessed=bill.penalty_events_assessed,
        interest_months_assessed=bill.interest_months_assessed,
        appeal_opened_on=bill.appeal_opened_on if bill.appeal_pending else None,
        appeal_days=bill.appeal_days,
    )


def amount_due(
    bill: Bill, as_of: date, *, rules: Sequence[penalties.Rule] | None = None
) -> penalties.AmountDue:
    """Principal, penalty and interest owed on `bill` as of `as_of` (a USPS postmark date for a
    mailed payment), each to the cent. Reads the rules; writes nothing."""
    if rules is None:
        rules = rules_for(bill.bill_type, bill.due_date)
    return penalties.compute_amount_due(bill_state(bill), rules, as_of)


@dataclass
class OwedBill:
    bill: Bill
    due: penalties.AmountDue


def with_amounts_due(bills: Iterable[Bill], as_of: date) -> list[OwedBill]:
    """Each bill with what it owes as of `as_of`; the rules are read in one query."""
    bills = list(bills)
    rows = _rules_of_types({bill.bill_type for bill in bills})
    return [
        OwedBill(
            bill,
            amount_due(bill, as_of, rules=_rules_on(rows, bill.bill_type, bill.due_date)),
        )
        for bill in bills
    ]


def open_bills() -> QuerySet[Bill]:
    return Bill.objects.filter(balance__gt=0).select_related(
        "customer", "property", "water_account", "vehicle", "violation"
    )


def bills_owed_by(customer: Customer, as_of: date) -> list[OwedBill]:
    return with_amounts_due(
        open_bills().filter(customer=customer).order_by("due_date", "id"), as_of
    )


def fee_price(fee_type: FeeType, as_of: date) -> Decimal | None:
    price = (
        FeePrice.objects.filter(fee_type=fee_type, effective_from__lte=as_of)
        .order_by("-effective_from")
        .values_list("price", flat=True)
        .first()
    )
    return price


def violation_fine(
    *, vehicle: Vehicle | None, violation: ViolationCode, issued_on: date
) -> Decimal:
    """First, second, or third-and-later fine for this code on this plate within 18 months."""
    if vehicle is None or vehicle.pk is None:
        return violation.fine_first
    earlier = Bill.objects.filter(
        vehicle=vehicle,
        violation=violation,
        issue_date__lt=issued_on,
        issue_date__gte=issued_on - timedelta(days=REPEAT_WINDOW_DAYS),
    ).count()
    return [violation.fine_first, violation.fine_second, violation.fine_third][min(earlier, 2)]


def boot_eligible_vehicle_ids(vehicle_ids: Iterable[int]) -> set[int]:
    """Of these vehicles, those with 5 or more unpaid parking tickets."""
    rows = (
        Bill.objects.filter(
            vehicle_id__in=list(vehicle_ids), bill_type=BillType.PARKING, balance__gt=0
        )
        .values("vehicle_id")
        .annotate(unpaid=Count("id"))
        .filter(unpaid__gte=BOOT_ELIGIBLE_TICKETS)
    )
    return {row["vehicle_id"] for row in rows}


# ---- the one-box lookup -------------------------------------------------------------------

PLATE_RE = re.compile(r"^[A-Z0-9]{2,8}$")
WATER_RE = re.compile(r"^\d{2}-\d{3,8}$")
PARCEL_RE = re.compile(r"^[\d.]+-\d+-[\d.]+$")
MAX_MATCHES = 25


@dataclass
class SearchGroup:
    """The results for one customer (or a property with no customer match): all they owe."""

    customer: Customer
    reasons: set[str] = field(default_factory=set)  # what matched: "bill 2026-…", "name", …
    rank: int = 9
    similarity: float = 0.0
    bills: list[OwedBill] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)
    boot_eligible_plates: list[str] = field(default_factory=list)

    @property
    def total_due(self) -> Decimal:
        return sum((owed.due.total for owed in self.bills), ZERO)


@dataclass
class SearchResult:
    query: str
    groups: list[SearchGroup]
    departments: list[Department]
    faqs: list[FaqEntry]
    bill: Bill | None = None  # a scanline or exact bill number: open this bill directly
    scanline_error: str | None = None


WORD_SPLIT = re.compile(NAME_WORD_SEPARATORS)
WORD_CANDIDATES = 8


def _word_candidates(word: str, *, typos: bool = True) -> list[str]:
    """The words of customers' names that `word` may be: itself and the words it begins
    (someone typing a name half way); or, for a word in no name, the words like it (a typo).
    Searches NameWord, the dictionary of name words, not the names."""
    exact = [word] if NameWord.objects.filter(word=word).exists() else []
    # No ORDER BY: ordering would walk the primary key instead of the prefix index.
    begun = [
        w
        for w in NameWord.objects.filter(word__startswith=word)
        .order_by()
        .values_list("word", flat=True)[:WORD_CANDIDATES]
        if w != word
    ]
    if exact or begun or not typos:
        return exact + sorted(begun)
    # A typo. Most keep the word's first letters, so look among the words that share the
    # first two, then the first one, then all: each step reads fewer words than the next.
    with transaction.atomic(), connection.cursor() as cursor:
        # Two letters swapped in a short word leave few trigrams in common (EWRICK and ERWICK
        # are 0.27 alike); the best eight above this still make a small, useful set.
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = 0.2")
        for prefix in (word[:2], word[:1], ""):
            if not prefix:
                # The planner misjudges pg_trgm's % as unselective and would read every word,
                # several times slower than the trigram index it has for exactly this.
                cursor.execute("SET LOCAL enable_seqscan = off")
            words = NameWord.objects.filter(word__trigram_similar=word)
            if prefix:
                words = words.filter(word__startswith=prefix)
            similar = list(
                words.annotate(similarity=TrigramSimilarity("word", word))
                .order_by("-similarity", "word")
                .values_list("word", flat=True)[:WORD_CANDIDATES]
            )
            if similar:
                return similar
    return []


def _add_address_matches(upper: str, add) -> None:
    """Owners of parcels, and holders of water accounts, whose address contains the text."""
    for prop in (
        Property.objects.alias(uaddress=Upper("street_address"))
        .filter(uaddress__contains=upper)
        .prefetch_related("owners")
        .order_by("street_address")[:MAX_MATCHES]
    ):
        for owner in prop.owners.all():
            add(owner, f"address {prop.street_address}", 3).properties.append(prop)
    for account in (
        WaterAccount.objects.select_related("customer")
        .alias(uaddress=Upper("service_address"))
        .filter(uaddress__contains=upper)
        .order_by("service_address")[:MAX_MATCHES]
    ):
        add(account.customer, f"service address {account.service_address}", 3)


def _names_like(upper: str, *, typos: bool = True) -> list:  # annotated with `similarity`
    """Customers whose names have, for every word typed, that word or one like it; ranked by
    how alike the whole name is. Matching words against the dictionary of name words first
    keeps this fast however many customers share a first name."""
    words = [w for w in WORD_SPLIT.split(upper) if len(w) >= 2][:4]
    found_words = [_word_candidates(word, typos=typos) for word in words]
    if not typos and not all(found_words):
        return []  # without typos forgiven, every word must be some name's word
    # A word like no name's word at all (a title, a garbled middle name) narrows nothing.
    candidates = [c for c in found_words if c]
    if not candidates:
        return []
    names = Customer.objects.annotate(similarity=TrigramWordSimilarity(upper, Upper("name")))
    found = list(
        names.filter(*[Q(name_words__overlap=c) for c in candidates]).order_by(
            "-similarity", "name"
        )[:MAX_MATCHES]
    )
    if not found and len(candidates) > 1:
        # No name has all the words: take the longest word (most often the surname) alone.
        longest = max(candidates, key=lambda c: len(c[0]))
        found = list(
            names.filter(name_words__overlap=longest).order_by("-similarity", "name")[:MAX_MATCHES]
        )
    return found


def _normalized(query: str) -> str:
    return " ".join(query.split())


def search(query: str, *, as_of: date) -> SearchResult:
    """Find what a customer owes from whatever they hand the clerk: a bill, ticket, account,
    parcel or plate number, a name (typos forgiven) or a street address; or a scanned scanline.
    Exact numbers rank first, then names and addresses by similarity. Also searches the
    department directory and FAQ."""
    text = _normalized(query)[:200]
    result = SearchResult(query=text, groups=[], departments=[], faqs=[])
    if not text:
        return result
    upper = text.upper()

    if looks_like_scanline(text):
        try:
            scan = scanline_parse(text, scheme=configured_scheme())
        except ScanlineError as exc:
            result.scanline_error = str(exc)
            return result
        result.bill = Bill.objects.filter(pk=scan.reference).first()
        if result.bill is None:
            result.scanline_error = "That scanline is for no bill of ours."
        return result

    groups: dict[int, SearchGroup] = {}

    def add(customer: Customer, reason: str, rank: int, similarity: float = 1.0) -> SearchGroup:
        group = groups.get(customer.pk)
        if group is None:
            group = groups[customer.pk] = SearchGroup(customer=customer)
        group.reasons.add(reason)
        if (rank, -similarity) < (group.rank, -group.similarity):
            group.rank, group.similarity = rank, similarity
        return group

    # Numbers first: each an equality on a unique or indexed column, so always cheap.
    compact = upper.replace(" ", "")
    has_digits = any(ch.isdigit() for ch in text)
    if has_digits:
        exact_bill = Bill.objects.select_related("customer").filter(number=compact).first()
        if exact_bill is not None:
            result.bill = exact_bill
            add(exact_bill.customer, f"bill {exact_bill.number}", 0)
    if WATER_RE.match(compact):
        for account in WaterAccount.objects.select_related("customer").filter(number=compact):
            add(account.customer, f"water account {account.number}", 0)
    if PARCEL_RE.match(compact):
        for prop in Property.objects.prefetch_related("owners").filter(parcel_number=compact):
            for owner in prop.owners.all():
                add(owner, f"parcel {prop.parcel_number}", 0).properties.append(prop)
    if PLATE_RE.match(compact):
        for vehicle in Vehicle.objects.select_related("customer").filter(plate=compact):
            if vehicle.customer is not None:
                add(vehicle.customer, f"plate {vehicle.plate} ({vehicle.state})", 1)

    # Words. A lone token with digits is a number: if none matched, it names nothing else.
    # Words without digits are a name (typos forgiven), else a street; with digits, an address.
    is_number = " " not in text and has_digits
    if len(text) >= 3 and not is_number:
        if not has_digits:
            result.departments = list(
                Department.objects.filter(
                    Q(name__icontains=text)
                    | Q(handles__icontains=text)
                    | Q(name__trigram_similar=text)
                )[:5]
            )
            result.faqs = list(
                FaqEntry.objects.select_related("department").filter(
                    Q(question__icontains=text) | Q(answer__icontains=text)
                )[:5]
            )
            # "dog license" is for the directory: names then match only word for word.
            typos = not (result.departments or result.faqs)
            for customer in _names_like(upper, typos=typos):
                add(customer, "name", 2, customer.similarity)
        if has_digits or not groups:
            _add_address_matches(upper, add)

    ordered = sorted(groups.values(), key=lambda g: (g.rank, -g.similarity, g.customer.name))
    ordered = ordered[:MAX_MATCHES]
    bills = (
        open_bills()
        .filter(customer_id__in=[g.customer.pk for g in ordered])
        .order_by("due_date", "id")
    )
    by_customer: dict[int, list[Bill]] = {}
    for bill in bills:
        by_customer.setdefault(bill.customer_id, []).append(bill)
    owed = {
        b.bill.pk: b
        for b in with_amounts_due([b for bs in by_customer.values() for b in bs], as_of)
    }
    vehicle_ids = {b.vehicle_id for bs in by_customer.values() for b in bs if b.vehicle_id}
    booted = boot_eligible_vehicle_ids(vehicle_ids) if vehicle_ids else set()
    for group in ordered:
        group.bills = [owed[b.pk] for b in by_customer.get(group.customer.pk, [])]
        group.boot_eligible_plates = sorted(
            {str(b.bill.vehicle) for b in group.bills if b.bill.vehicle_id in booted}
        )
    result.groups = ordered
    return result
