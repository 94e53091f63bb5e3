"""Read queries of billing: what is owed and why, the one-box lookup, prices and rules."""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from django.contrib.auth.models import User
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Upper
from django.utils import timezone

from billing import penalties
from billing.errors import BillingError
from billing.models import (
    NAME_WORD_SEPARATORS,
    RECEIVABLE_ACCOUNT_CODES,
    Bill,
    BillAdjustment,
    BillType,
    Customer,
    Department,
    FaqEntry,
    FeePrice,
    FeeType,
    Holiday,
    NameWord,
    PaymentPlan,
    PenaltyAssessment,
    PenaltyRule,
    PenaltyWaiver,
    PlanBill,
    PlanPayment,
    PlanTerms,
    Property,
    Vehicle,
    ViolationCode,
    WaterAccount,
)
from billing.plan_standing import PlanFacts, PlanStanding, Standing, plan_facts, standings
from billing.scanline import ScanlineError, configured_scheme, looks_like_scanline, scanline_parse
from ledger.models import JournalLine
from ledger.money import ZERO, format_money, is_whole_cents
from ledger.reference import Reference, reference_data, reference_loader

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
# Customer credits are the sub-ledger of account 2100 (Customer credits): each live line on it
# names the customer whose credit it moves (JournalLine.customer_id).
CUSTOMER_CREDITS_ACCOUNT_CODE = "2100"
CREDIT_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "account 2100 differs from the customers' credits",
        """SELECT 'account 2100 (live) holds ' || -coalesce(sum(l.amount), 0)
                  || ' but the customers'' credits sum to '
                  || -coalesce(sum(l.amount) FILTER (WHERE l.customer_id IS NOT NULL), 0)
             FROM ledger_journalline l
             JOIN ledger_account a ON a.id = l.account_id
             JOIN ledger_journalentry e ON e.id = l.entry_id
            WHERE a.code = '2100' AND e.book = 'live'
           HAVING coalesce(sum(l.amount) FILTER (WHERE l.customer_id IS NULL), 0) <> 0""",
    ),
    (
        "a customer's credit line is not on account 2100, or not live",
        """SELECT 'line ' || l.id || ' names customer ' || l.customer_id || ' on account '
                  || a.code || ' in the ' || e.book || ' book'
             FROM ledger_journalline l
             JOIN ledger_account a ON a.id = l.account_id
             JOIN ledger_journalentry e ON e.id = l.entry_id
            WHERE l.customer_id IS NOT NULL AND (a.code <> '2100' OR e.book <> 'live')
            ORDER BY l.id""",
    ),
    (
        "a customer's credit is below zero",
        """SELECT 'customer ' || customer_id || ' holds a credit of ' || -sum(amount)
             FROM ledger_journalline WHERE customer_id IS NOT NULL
            GROUP BY customer_id HAVING sum(amount) > 0 ORDER BY customer_id""",
    ),
)
# A fee type credits a revenue account (migrations/0052_fee_type_revenue_account.sql).
FEE_TYPE_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "a fee type's revenue account is not a revenue account",
        """SELECT 'fee type ' || f.code || ' credits account ' || a.code || ' ' || a.name
                  || ', a ' || a.type || ' account'
             FROM billing_feetype f JOIN ledger_account a ON a.id = f.revenue_account_id
            WHERE a.type <> 'revenue' ORDER BY f.code""",
    ),
)
FEE_TYPE_TRIGGERS: tuple[tuple[str, str], ...] = (
    ("billing_feetype", "fee_type_revenue_account"),
    ("ledger_account", "account_keeps_fee_revenue"),
)
BILL_TRIGGERS: tuple[tuple[str, str], ...] = (
    ("billing_bill", "bill_balance_inserted"),
    ("billing_bill", "bill_balance_updated"),
    ("ledger_journalline", "journal_line_bill_balance"),
    ("ledger_journalline", "journal_line_customer_credit"),
    ("billing_billadjustment", "bill_adjustment_append_only"),
    ("billing_penaltywaiver", "penalty_waiver_frozen"),
    ("billing_liencertificate", "lien_certificate_append_only"),
    ("billing_liencertificateitem", "lien_certificate_item_append_only"),
)


@dataclass(frozen=True)
class AdjustmentPlan:
    """What a cancellation or write-down takes off a bill, part by part (dollars)."""

    amount: Decimal
    penalty: Decimal
    interest: Decimal
    principal: Decimal
    balance_after: Decimal


def adjustment_plan(
    due: penalties.AmountDue, *, kind: str, amount: Decimal | None, number: str
) -> AdjustmentPlan:
    """What cancelling (`kind` "cancel") or writing down by `amount` ("write_down") a bill that
    owes `due` takes off it: penalty first, then interest, then principal (the order payments
    apply in). Raises BillingError naming the bill and the amounts when it cannot be done."""
    owed = due.total
    if owed == 0:
        raise BillingError(f"Bill {number} owes nothing: there is nothing to adjust.")
    if kind == "cancel":
        if amount is not None and amount != owed:
            raise BillingError(
                f"Bill {number} now owes {format_money(owed)}, not {format_money(amount)}; "
                "check the amount and cancel again."
            )
        amount = owed
    elif amount is None or not amount.is_finite() or amount <= 0 or not is_whole_cents(amount):
        raise BillingError("Write the bill down by an amount of whole cents, more than $0.00.")
    elif amount > owed:
        raise BillingError(
            f"Bill {number} owes {format_money(owed)}; it cannot be written down by "
            f"{format_money(amount)}."
        )
    penalty = min(amount, due.penalty)
    interest = min(amount - penalty, due.interest)
    return AdjustmentPlan(
        amount=amount,
        penalty=penalty,
        interest=interest,
        principal=amount - penalty - interest,
        balance_after=owed - amount,
    )


def customer_credit(customer: Customer | int) -> Decimal:
    """What `customer` holds on account (dollars): the sum of their lines on 2100, a credit
    being negative there. Callers that spend it lock the customer's row first."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    total = JournalLine.objects.filter(customer_id=customer_id).aggregate(total=Sum("amount"))
    return -(total["total"] or ZERO) + ZERO


def customer_credit_lines(customer: Customer) -> QuerySet[JournalLine]:
    """Every movement of a customer's credit, newest first, with its entry."""
    return (
        JournalLine.objects.filter(customer_id=customer.pk)
        .select_related("entry")
        .order_by("-entry__entry_date", "-id")
    )


@dataclass(frozen=True)
class _RuleRow:
    """A penalty rule as the reference cache keeps it: its bill type, its effective dates and
    the engine's frozen view of it."""

    bill_type: str
    effective_from: date
    effective_to: date | None
    rule: penalties.Rule


@reference_loader("billing.penalty_rules")
def _penalty_rules_load() -> tuple[_RuleRow, ...]:
    return tuple(
        _RuleRow(
            bill_type=r.bill_type,
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            rule=penalties.Rule(
                kind=r.kind,
                percent=r.percent,
                amount=r.amount,
                days=r.days,
                month=r.month,
                day=r.day,
                id=r.pk,
                business_days=r.extend_to_business_day,
            ),
        )
        for r in PenaltyRule.objects.order_by("id")
    )


@reference_loader("billing.holidays")
def _holidays_load() -> tuple[date, ...]:
    return tuple(Holiday.objects.order_by("date").values_list("date", flat=True))


def _rules_of_types(
    bill_types: Iterable[str], reference: Reference | None = None
) -> list[_RuleRow]:
    """The penalty rules of these bill types, in id order, from the reference cache."""
    wanted = set(bill_types)
    rows = (reference or reference_data())["billing.penalty_rules"]
    return [row for row in rows if row.bill_type in wanted]


def _rules_on(rows: Sequence[_RuleRow], bill_type: str, day: date) -> list[penalties.Rule]:
    return [
        r.rule
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


def closed_days(first: date, last: date, *, reference: Reference | None = None) -> frozenset[date]:
    """The office's legal holidays and closures from `first` through `last` (weekends are
    implied), from the reference cache (ledger.reference): an Admin's snow day counts at once,
    as the calendar's change moves the reference version in its own transaction."""
    if last < first:
        return frozenset()
    holidays = (reference or reference_data())["billing.holidays"]
    return frozenset(day for day in holidays if first <= day <= last)


def bills_under_rule(rule: PenaltyRule) -> QuerySet[Bill]:
    """The bills on file that follow `rule`: its bill type, due within its effective dates."""
    bills = Bill.objects.filter(bill_type=rule.bill_type, due_date__gte=rule.effective_from)
    if rule.effective_to is not None:
        bills = bills.filter(due_date__lte=rule.effective_to)
    return bills


def _rules_assessed(bill_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = {}
    for bill_id, rule_id in PenaltyAssessment.objects.filter(
        bill_id__in=list(bill_ids)
    ).values_list("bill_id", "rule_id"):
        found.setdefault(bill_id, set()).add(rule_id)
    return {bill_id: frozenset(rules) for bill_id, rules in found.items()}


def bill_state(
    bill: Bill,
    *,
    rules_assessed: frozenset[int] | None = None,
    plan: PlanFacts | None = None,
) -> penalties.BillState:
    """The engine's view of `bill`. `plan` (billing.plan_standing.plan_facts) says whether it
    is frozen in a plan in good standing or rebuilt after a plan's default; None: no plan."""
    if rules_assessed is None:
        rules_assessed = _rules_assessed([bill.pk]).get(bill.pk, frozenset())
    plan = plan or PlanFacts()
    return penalties.BillState(
        due_date=bill.due_date,
        principal_balance=bill.principal_balance,
        penalty_balance=bill.penalty_balance,
        interest_balance=bill.interest_balance,
        penalty_rules_assessed=rules_assessed,
        interest_months_assessed=bill.interest_months_assessed,
        appeal_opened_on=bill.appeal_opened_on if bill.appeal_pending else None,
        appeal_days=bill.appeal_days,
        plan_enrolled_on=plan.enrolled_on,
        plan_payments=plan.payments,
    )


def amount_due(
    bill: Bill,
    as_of: date,
    *,
    rules: Sequence[penalties.Rule] | None = None,
    closed: frozenset[date] | None = None,
    rules_assessed: frozenset[int] | None = None,
    plan: PlanFacts | None = None,
) -> penalties.AmountDue:
    """Principal, penalty and interest owed on `bill` as of `as_of` (a USPS postmark date for a
    mailed payment), each to the cent. Reads the rules, the penalties already assessed, the
    payment plans it is in (RPTL 1184: frozen at enrolment while in good standing) and the
    office calendar unless given; writes nothing."""
    if plan is None:
        plan = plan_facts([bill.pk], as_of).get(bill.pk)
    if rules is None:
        rules = rules_for(bill.bill_type, bill.due_date)
    if closed is None:
        # Not yet past due, nothing accrues whatever days are closed: no query.
        closed = closed_days(bill.due_date, as_of) if as_of > bill.due_date else frozenset()
    state = bill_state(bill, rules_assessed=rules_assessed, plan=plan)
    return penalties.compute_amount_due(state, rules, as_of, closed=closed)


@dataclass
class OwedBill:
    bill: Bill
    due: penalties.AmountDue


def with_amounts_due(
    bills: Iterable[Bill],
    as_of: date,
    *,
    in_plans: dict[int, PlanFacts] | None = None,
    assessed: dict[int, frozenset[int]] | None = None,
    reference: Reference | None = None,
) -> list[OwedBill]:
    """Each bill with what it owes as of `as_of`. The rules and the office calendar come from
    the reference cache (`reference`, or one version query); the penalties already assessed
    and the payment plans are read in one query each (a few more when some bill is in a plan)
    unless given: `assessed` (bill id -> rule ids, as _rules_assessed reads them) and
    `in_plans` (bill id -> PlanFacts; also for a page asking "what would it owe if ...": see
    plan_bills_owed_if_cancelled)."""
    bills = list(bills)
    if not bills:
        return []
    reference = reference or reference_data()
    rows = _rules_of_types({bill.bill_type for bill in bills}, reference)
    if assessed is None:
        assessed = _rules_assessed(bill.pk for bill in bills)
    if in_plans is None:
        in_plans = plan_facts((bill.pk for bill in bills), as_of)
    # Only bills past due accrue anything, so only they need the calendar.
    past_due = [bill.due_date for bill in bills if as_of > bill.due_date]
    closed = closed_days(min(past_due), as_of, reference=reference) if past_due else frozenset()
    return [
        OwedBill(
            bill,
            amount_due(
                bill,
                as_of,
                rules=_rules_on(rows, bill.bill_type, bill.due_date),
                closed=closed,
                rules_assessed=assessed.get(bill.pk, frozenset()),
                plan=in_plans.get(bill.pk, PlanFacts()),
            ),
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


@reference_loader("billing.fee_prices")
def _fee_prices_load() -> MappingProxyType[int, tuple[tuple[date, Decimal], ...]]:
    prices: dict[int, list[tuple[date, Decimal]]] = {}
    for fee_type_id, effective_from, price in FeePrice.objects.order_by(
        "fee_type_id", "-effective_from"
    ).values_list("fee_type_id", "effective_from", "price"):
        prices.setdefault(fee_type_id, []).append((effective_from, price))
    return MappingProxyType({pk: tuple(rows) for pk, rows in prices.items()})


def fee_price(
    fee_type: FeeType, as_of: date, *, reference: Reference | None = None
) -> Decimal | None:
    """The fee's price in effect on `as_of` (None: no price yet), from the reference cache."""
    prices = (reference or reference_data())["billing.fee_prices"].get(fee_type.pk, ())
    return next((price for effective_from, price in prices if effective_from <= as_of), None)


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
    # Payment plans in good standing (or late) paying some of their bills: shown in place of
    # those bills, which are not offered one by one (RPTL 1184).
    plans: list[PlanStanding] = field(default_factory=list)

    @property
    def total_due(self) -> Decimal:
        return sum((owed.due.total for owed in self.bills), ZERO) + sum(
            (plan.due_now for plan in self.plans), ZERO
        )


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
    in_plans = plan_of_bills(owed, as_of) if owed else {}
    for group in ordered:
        mine = by_customer.get(group.customer.pk, [])
        frozen = {b.pk: in_plans[b.pk] for b in mine if b.pk in in_plans and in_plans[b.pk].frozen}
        group.plans = list({s.plan.pk: s for s in frozen.values()}.values())
        group.bills = [owed[b.pk] for b in mine if b.pk not in frozen]
        group.boot_eligible_plates = sorted(
            {str(b.bill.vehicle) for b in group.bills if b.bill.vehicle_id in booted}
        )
    result.groups = ordered
    return result


# A bill's history (issue 10 §4). Payments sits above billing (ARCHITECTURE.md: apps depend
# downward only), so it registers how the counter's entries on a bill are named: which receipt
# a payment entry is, and which receipt a void, refund or returned check took money back from.


@dataclass(frozen=True)
class EntryReceipt:
    """The counter's record behind one journal entry on a bill: `kind` is what it did
    ("Payment", "Void", "Refund", "Returned check (NSF)"), `receipt_number` the receipt."""

    kind: str
    receipt_number: str


BillReceipts = Callable[[Bill], dict[int, EntryReceipt]]
OpenDrawerCheck = Callable[[User], bool]
_bill_receipts: list[BillReceipts] = []
_open_drawer_check: list[OpenDrawerCheck] = []


def register_bill_receipts(namer: BillReceipts) -> None:
    """Payments' answer to "which receipt is each entry on this bill" (journal entry id ->
    EntryReceipt), read in a fixed number of queries whatever the number of receipts."""
    _bill_receipts[:] = [namer]


def register_open_drawer_check(check: OpenDrawerCheck) -> None:
    """Payments' answer to "does this user have an open drawer" (look up offers to pay a bill
    at the counter only then)."""
    _open_drawer_check[:] = [check]


def has_open_drawer(user: User) -> bool:
    """Whether `user` works an open drawer now (False when payments registered no check)."""
    return bool(_open_drawer_check) and _open_drawer_check[0](user)


@dataclass(frozen=True)
class HistoryRow:
    """One dated event of a bill's history. `amount` is in dollars, signed as the bill sees it:
    positive adds to what it owes (issued, penalty and interest assessed, a payment put back
    by a void, refund or returned check), negative takes off it (a payment, a waiver, an
    adjustment). `balance` is what the bill owed after it (dollars). `posted_at` is when its
    entry was posted (its transaction's time): what happened after a moment, not a day."""

    day: date
    kind: str
    detail: str
    amount: Decimal
    balance: Decimal
    by: str
    receipt_number: str = ""
    posted_at: datetime | None = None

    @property
    def charged(self) -> Decimal:
        """What the row added to the bill (dollars, 0 when it took off)."""
        return max(self.amount, ZERO)

    @property
    def credited(self) -> Decimal:
        """What the row took off the bill (dollars, positive; 0 when it added)."""
        return max(-self.amount, ZERO)


_ISSUE_SOURCES = frozenset({"bill_issued", "bill_import", "invoice"})
_ASSESSED = "Penalty and interest assessed"


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def bill_history(bill: Bill) -> list[HistoryRow]:
    """Everything that changed what `bill` owes, in the order it was posted, with the running
    balance: one row per line on the bill's receivable account (the lines its stored balance is
    the sum of, so the last row's balance is `bill.balance`). Six queries whatever the length:
    the lines with their entries, the waivers, the adjustments, the penalty rules assessed and
    the receipts (two, by payments' registered namer)."""
    lines = list(
        JournalLine.objects.filter(bill_id=bill.pk, account_id=bill.receivable_account_id)
        .select_related("entry", "entry__posted_by")
        .order_by("entry_id", "id")
    )
    waivers: dict[int, PenaltyWaiver] = {
        w.entry_id: w for w in PenaltyWaiver.objects.filter(bill=bill).select_related("approved_by")
    }
    adjustments: dict[int, BillAdjustment] = {
        a.entry_id: a
        for a in BillAdjustment.objects.filter(bill=bill).select_related("approved_by")
    }
    rules: dict[int, list[str]] = {}
    for assessment in PenaltyAssessment.objects.filter(
        bill=bill, entry_id__isnull=False
    ).select_related("rule"):
        rules.setdefault(assessment.entry_id or 0, []).append(str(assessment.rule))
    receipts = _bill_receipts[0](bill) if _bill_receipts else {}

    rows: list[HistoryRow] = []
    balance = ZERO
    first_entry = lines[0].entry_id if lines else None
    for line in lines:
        entry = line.entry
        balance += line.amount
        kind, detail, receipt_number = _history_label(
            line, receipts.get(entry.pk), waivers.get(entry.pk), adjustments.get(entry.pk)
        )
        if not kind:
            kind = _other_kind(line, first=entry.pk == first_entry)
        if kind == _ASSESSED and rules.get(entry.pk):
            detail = ", ".join(rules[entry.pk])
        rows.append(
            HistoryRow(
                # The billing system's issue date, not the day the file was loaded.
                day=bill.issue_date if kind == "Issued" else entry.entry_date,
                kind=kind,
                detail=detail,
                amount=line.amount,
                balance=balance,
                by=_person(entry.posted_by),
                receipt_number=receipt_number,
                posted_at=entry.posted_at,
            )
        )
    return rows


def _history_label(
    line: JournalLine,
    receipt: EntryReceipt | None,
    waiver: PenaltyWaiver | None,
    adjustment: BillAdjustment | None,
) -> tuple[str, str, str]:
    """(kind, detail, receipt number) of one receivable line; kind "" when the entry is none
    of the counter's or billing's actions on a bill (an issue, an import, an invoice)."""
    entry = line.entry
    charged = line.amount > 0
    if receipt is not None:
        if receipt.kind == "Payment":
            return (_ASSESSED if charged else "Payment"), "", receipt.receipt_number
        return receipt.kind, entry.memo, receipt.receipt_number
    if waiver is not None:
        if charged:
            return _ASSESSED, "", ""
        who = _person(waiver.approved_by)
        return "Penalty and interest waived", f"{waiver.reason} (approved by {who})", ""
    if adjustment is not None:
        if charged:
            return _ASSESSED, "", ""
        who = _person(adjustment.approved_by)
        return (
            adjustment.get_kind_display(),
            f"{adjustment.get_reason_display()}: {adjustment.note} (approved by {who})",
            "",
        )
    return "", line.memo or entry.memo, ""


def _other_kind(line: JournalLine, *, first: bool) -> str:
    """What a line of an entry that is no receipt, waiver or adjustment did: the bill's issue
    (or import, or invoice), penalty and interest assessed, or money taken off it some other way
    (a collection vendor's payment: reconciliation.services.exports)."""
    if line.amount > 0 and (first or line.entry.source in _ISSUE_SOURCES):
        return "Issued"
    if line.amount > 0 and line.memo.startswith(_ASSESSED):
        return _ASSESSED
    return "Charge" if line.amount > 0 else "Payment"


# Delinquent-tax payment plans (RPTL §1184). The arithmetic is billing/plans.py; a plan's
# standing on a date is billing/plan_standing.py.


def plan_terms() -> PlanTerms:
    """The payment plan terms in force: the Admin's row, or the defaults of the law when the
    row is missing (a fresh test database). Writes nothing."""
    row = PlanTerms.objects.first()
    if row is not None:
        return row
    row = PlanTerms()
    for terms_field in PlanTerms._meta.concrete_fields:  # defaults as the database reads them
        setattr(row, terms_field.attname, terms_field.to_python(getattr(row, terms_field.attname)))
    return row


def delinquent_tax_bills(prop: Property, as_of: date) -> list[OwedBill]:
    """The parcel's property tax bills past due and unpaid on `as_of`, oldest first, with what
    each owes: what a payment plan may take in (those already in an active plan left out)."""
    bills = (
        open_bills()
        .filter(property=prop, bill_type=BillType.PROPERTY_TAX, due_date__lt=as_of)
        .exclude(plan_bills__plan__status=PaymentPlan.Status.ACTIVE)
        .order_by("tax_year", "due_date", "id")
    )
    return [owed for owed in with_amounts_due(bills, as_of) if owed.due.total > 0]


def plans_on(prop: Property, as_of: date) -> list[PlanStanding]:
    """The payment plans of a parcel that are active on `as_of` (good standing, late or in
    default), newest first, each as a PlanStanding: `plan`, `standing` (Standing.GOOD, LATE or
    DEFAULT), `remaining` (dollars to finish it; None in default, when its bills owe on their
    own), `next_due` (the oldest installment not fully paid). For the lien certificate: a parcel
    with one here "is in a payment plan". Six queries whatever the number of plans."""
    plan_rows = PaymentPlan.objects.filter(property=prop, status=PaymentPlan.Status.ACTIVE)
    found = standings(plan_rows.select_related("property", "customer"), as_of)
    return sorted(found.values(), key=lambda s: (s.plan.enrolled_on, s.plan.pk), reverse=True)


def plan_of_bills(bill_ids: Iterable[int], as_of: date | None = None) -> dict[int, PlanStanding]:
    """For each of `bill_ids` in an active payment plan, the plan's standing as of `as_of`
    (today by default): bill id -> PlanStanding. Bills in no active plan are left out. Six
    queries whatever the number of bills."""
    as_of = as_of or timezone.localdate()
    links = list(
        PlanBill.objects.filter(
            bill_id__in=list(bill_ids), plan__status=PaymentPlan.Status.ACTIVE
        ).select_related("plan", "plan__property", "plan__customer")
    )
    found = standings({link.plan_id: link.plan for link in links}.values(), as_of)
    return {link.bill_id: found[link.plan_id] for link in links}


def plans_at_risk(as_of: date) -> list[PlanStanding]:
    """Active plans with an installment late, and plans in default, the oldest late installment
    first (the Supervisor's list)."""
    plan_rows = PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE).select_related(
        "property", "customer"
    )
    risky = [
        s
        for s in standings(plan_rows, as_of).values()
        if s.standing in (Standing.LATE, Standing.DEFAULT)
    ]
    return sorted(
        risky,
        key=lambda s: (s.next_due.installment.due_on if s.next_due else as_of, s.plan.pk),
    )


def plan_bills_owed(plan: PaymentPlan, as_of: date) -> list[OwedBill]:
    """The plan's bills, oldest first (tax year, due date), with what each owes on `as_of`
    (frozen at enrolment in good standing; as if there had been no plan in default)."""
    bills = (
        Bill.objects.filter(plan_bills__plan=plan)
        .select_related("customer", "property", "receivable_account")
        .order_by("tax_year", "due_date", "id")
    )
    return with_amounts_due(bills, as_of)


@dataclass(frozen=True)
class PlanPaymentRow:
    """One line of a plan's payments: what a receipt applied to one of its bills (dollars),
    the bill, and the receipt's number (None for a training receipt's)."""

    paid: PlanPayment
    bill: Bill
    receipt_number: str | None


def plan_payment_rows(standing: PlanStanding, bills: Iterable[Bill]) -> list[PlanPaymentRow]:
    """The payments that count toward the plan of `standing` (voided, refunded and returned ones
    left out), oldest first, each with its bill (from `bills`, the plan's) and its receipt
    number: one query whatever their number."""
    by_id = {bill.pk: bill for bill in bills}
    receipts = {
        (entry_id, bill_id): number
        for entry_id, bill_id, number in standing.plan.payment_items.values_list(
            "payment__entry_id", "bill_id", "payment__receipt_number"
        )
    }
    return [
        PlanPaymentRow(paid, by_id[paid.bill_id], receipts.get((paid.entry_id, paid.bill_id)))
        for paid in standing.payments
    ]


def plan_bills_owed_if_cancelled(plan: PaymentPlan, as_of: date) -> list[OwedBill]:
    """What the plan's bills would owe on `as_of` were it cancelled (the Supervisor's cancel
    page): as if there had been no plan, the principal its payments paid put back into the
    months that began before them. Oldest first; a fixed number of queries."""
    bills = list(
        Bill.objects.filter(plan_bills__plan=plan)
        .select_related("customer", "property", "receivable_account")
        .order_by("tax_year", "due_date", "id")
    )
    facts = plan_facts((bill.pk for bill in bills), as_of)
    standing = standings([plan], as_of)[plan.pk]
    if standing.frozen:
        # An active plan in good standing freezes its bills; cancelled, its payments count as
        # a defaulted plan's do (a plan in default is already read that way).
        for bill in bills:
            known = facts.get(bill.pk, PlanFacts())
            ours = [
                (p.paid_on, p.principal)
                for p in standing.payments
                if p.bill_id == bill.pk and p.principal > 0
            ]
            facts[bill.pk] = PlanFacts(payments=tuple(sorted([*known.payments, *ours])))
    return with_amounts_due(bills, as_of, in_plans=facts)


def plans_owed_by(customer_ids: Iterable[int], as_of: date) -> dict[int, list[PlanStanding]]:
    """Active plans of the customers (the taxpayer who signed, or an owner of the parcel), by
    customer id: what the lookup shows in place of the plan's bills."""
    ids = list(customer_ids)
    plan_rows = (
        PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE)
        .filter(Q(customer_id__in=ids) | Q(plan_bills__bill__customer_id__in=ids))
        .distinct()
        .select_related("property", "customer")
    )
    found = standings(plan_rows, as_of)
    customers_of: dict[int, set[int]] = {}
    for plan_id, customer_id in PlanBill.objects.filter(plan_id__in=list(found)).values_list(
        "plan_id", "bill__customer_id"
    ):
        customers_of.setdefault(plan_id, set()).add(customer_id)
    out: dict[int, list[PlanStanding]] = {}
    for plan_id, standing in found.items():
        for customer_id in customers_of.get(plan_id, set()) | {standing.plan.customer_id}:
            if customer_id in ids:
                out.setdefault(customer_id, []).append(standing)
    return out
