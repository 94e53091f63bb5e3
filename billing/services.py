"""Every write of billing: issuing bills, imports, invoices, penalty waivers, the view log."""

import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import (
    DatabaseError,
    IntegrityError,
    connection,
    transaction,
)
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone

from billing import plans
from billing.bulk import copy_new
from billing.business_days import SEEDED_YEARS, legal_holidays
from billing.errors import AlreadyImported, BillingError, ImportRejected, NothingToWaive
from billing.import_conflicts import conflicts_with_file
from billing.importing import SOURCES, BillRow, parse
from billing.liens import lien_terms, liens_on, verification_code_new
from billing.models import (
    RECEIVABLE_ACCOUNT_CODES,
    Bill,
    BillAdjustment,
    BillLine,
    BillType,
    ChargeType,
    Customer,
    CustomerView,
    Holiday,
    ImportBatch,
    LienCertificate,
    LienCertificateItem,
    NumberSeries,
    PaymentPlan,
    PenaltyAssessment,
    PenaltyRule,
    PenaltyWaiver,
    PlanBill,
    PlanCancellation,
    PlanCharge,
    PlanInstallment,
    PlanPayment,
    Property,
    StaffTitle,
    TicketAppeal,
    Vehicle,
    VerifyThrottle,
    ViolationCode,
    WaterAccount,
)
from billing.selectors import (
    REPEAT_WINDOW_DAYS,
    adjustment_plan,
    amount_due,
    bills_under_rule,
    plan_of_bills,
    plan_terms,
    with_amounts_due,
)
from cashiering.bulk import ProgressRow
from cashiering.dates import us_date
from cashiering.people import person_name
from cashiering.roles import role_of
from ledger.cards import CARD_NUMBER_MESSAGE, contains_card_number, mask_card_numbers
from ledger.errors import DomainError
from ledger.models import Account, AccountType, JournalEntry
from ledger.money import CENT, MAX_AMOUNT, ZERO, format_money
from ledger.services import Line, post

# Where penalties and interest go (each bill type's receivable: models.RECEIVABLE_ACCOUNT_CODES).
PENALTY_INTEREST_ACCOUNT_CODE = "4900"
# What a bill written off (court order, uncollectible) is charged to; an appeal won or a billing
# error takes the amount back out of the revenue it was booked to instead.
WRITE_OFF_ACCOUNT_CODE = "5200"
WRITE_OFF_REASONS = frozenset(
    {BillAdjustment.Reason.COURT_ORDER, BillAdjustment.Reason.UNCOLLECTIBLE}
)


class BillingSource:
    """`JournalEntry.source` values of billing's actions."""

    BILL_ISSUED = "bill_issued"
    BILL_IMPORT = "bill_import"
    PENALTY_WAIVER = "penalty_waiver"
    BILL_ADJUSTMENT = "bill_adjustment"


@dataclass(frozen=True)
class Charge:
    """One line of a bill to issue."""

    charge_type: ChargeType
    amount: Decimal
    description: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    revenue_account: Account | None = None  # None: the charge type's
    # A custody account credited instead of revenue (a returned check billed back: the office
    # whose safe or deposit held the check).
    office_id: int | None = None
    drawer_id: int | None = None  # or the drawer that held the check

    @property
    def account(self) -> Account:
        return self.revenue_account or self.charge_type.revenue_account


# A special assessment (a sidewalk or street improvement district) is a real property tax
# item, booked with the tax (4000). Migration 0003 seeds these too (it reads this table).
CHARGE_TYPES: tuple[tuple[str, str, str], ...] = (
    ("city_tax", "City property tax", "4000"),
    ("relevied_water", "Relevied unpaid water charges", "4100"),
    ("relevied_sewer", "Relevied unpaid sewer charges", "4110"),
    ("special_assessment", "Special assessment", "4000"),
    ("water", "Water charges", "4100"),
    ("sewer", "Sewer charges", "4110"),
    ("parking_fine", "Parking fine", "4200"),
    ("misc", "Miscellaneous", "4390"),
    ("certificate", "Certificates and searches", "4320"),
    ("returned_check_fee", "Returned check fee", "4330"),
)
# Charges that are a lien on the parcel billed (an Admin may mark others: ChargeType.is_lien).
LIEN_CHARGE_TYPES = frozenset(
    {"city_tax", "relevied_water", "relevied_sewer", "special_assessment"}
)


def charge_types_seed() -> None:
    """The charge types the imports use, each posting to its revenue account, the liens marked
    (an Admin's later change of `is_lien` stays)."""
    for code, name, account_code in CHARGE_TYPES:
        ChargeType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "revenue_account": Account.objects.get(code=account_code),
                "is_lien": code in LIEN_CHARGE_TYPES,
            },
        )


def receivable_account(bill_type: str) -> Account:
    return Account.objects.get(code=RECEIVABLE_ACCOUNT_CODES[BillType(bill_type)])


def number_next(*, series: str, year: int) -> int:
    """The next number of a gapless series: the series row stays locked until the caller's
    transaction commits, so a rolled-back transaction gives its number back. One statement
    when the series exists (the counter is hot: every receipt takes a number)."""
    table = NumberSeries._meta.db_table
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(
                f"UPDATE {table} SET last_number = last_number + 1"  # noqa: S608
                " WHERE name = %s AND year = %s RETURNING last_number",
                [series, year],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0]
            cursor.execute(
                f"INSERT INTO {table} (name, year, last_number) VALUES (%s, %s, 0)"  # noqa: S608
                " ON CONFLICT (name, year) DO NOTHING",
                [series, year],
            )
    raise RuntimeError(f"number series {series} {year} could not be created")


# A bill to issue: (id, receivable account id, principal, charges).
Issued = tuple[int, int, Decimal, Sequence[Charge]]


def issuance_lines(bills: Sequence[Issued]) -> list[Line]:
    """Debit each bill's receivable, credit revenue per charge type (summed over the bills)."""
    lines: list[Line] = []
    revenue: dict[tuple[int, int | None, int | None], Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[int, Account] = Account.objects.in_bulk({account for _, account, _, _ in bills})
    for bill_id, account_id, principal, charges in bills:
        lines.append(Line(account=accounts[account_id], amount=principal, bill_id=bill_id))
        for charge in charges:
            account = charge.account
            accounts[account.pk] = account
            revenue[account.pk, charge.office_id, charge.drawer_id] += charge.amount
    lines += [
        Line(account=accounts[pk], amount=-total, office_id=office_id, drawer_id=drawer_id)
        for (pk, office_id, drawer_id), total in sorted(
            revenue.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2] or 0)
        )
    ]
    return lines


def bill_issue(
    *,
    number: str,
    bill_type: str,
    source: str,
    customer: Customer,
    description: str,
    issue_date: date,
    due_date: date,
    charges: Sequence[Charge],
    by: User,
    external_id: str = "",
    **details,
) -> Bill:
    """Create one bill with its lines and post it: receivable up, revenue by charge type."""
    if not charges:
        raise BillingError("A bill needs at least one charge.")
    if any(charge.amount <= 0 for charge in charges):
        raise BillingError("Every charge on a bill must be more than $0.00.")
    if due_date < issue_date:
        raise BillingError("A bill cannot fall due before it is issued.")
    for text in (description, *(charge.description for charge in charges)):
        _refuse_card_number(text)
    total = sum((charge.amount for charge in charges), ZERO)
    if total > MAX_AMOUNT:
        raise BillingError(f"A bill of {format_money(total)} is larger than the books can hold.")
    with transaction.atomic():
        bill = Bill.objects.create(
            number=number,
            bill_type=bill_type,
            source=source,
            external_id=external_id,
            customer=customer,
            description=description,
            issue_date=issue_date,
            due_date=due_date,
            receivable_account=receivable_account(bill_type),
            principal=total,
            principal_balance=total,
            balance=total,
            created_by=by,
            **details,
        )
        BillLine.objects.bulk_create(
            BillLine(
                bill=bill,
                charge_type=charge.charge_type,
                revenue_account=charge.account,
                description=charge.description or charge.charge_type.name,
                quantity=charge.quantity,
                unit_price=charge.unit_price,
                amount=charge.amount,
            )
            for charge in charges
        )
        post(
            entry_date=timezone.localdate(),
            memo=f"Bill {number} issued: {description}",
            source=BillingSource.BILL_ISSUED,
            by=by,
            lines=issuance_lines([(bill.pk, bill.receivable_account_id, bill.principal, charges)]),
        )
    return bill


def _refuse_card_number(text: str) -> None:
    """Bill descriptions reach the journal's memos, which can never be removed."""
    if contains_card_number(text):
        raise BillingError(CARD_NUMBER_MESSAGE)


def bills_issue_bulk(
    *, bills: Sequence[tuple[dict, Sequence[Charge]]], by: User, memo: str, source: str
) -> JournalEntry | None:
    """Create many bills with their lines and post them as one entry (an import, the demo
    city). Each bill is a dict of Bill fields by attname (customer_id, not customer) with its
    principal; balances, accounts and ids are filled in here (bulk.copy_new)."""
    receivables = {t: receivable_account(t).pk for t in {row["bill_type"] for row, _ in bills}}
    for row, _ in bills:
        row["receivable_account_id"] = receivables[row["bill_type"]]
        row["principal_balance"] = row["balance"] = row["principal"]
        row["created_by_id"] = by.pk
    with transaction.atomic():
        copy_new(Bill, [row for row, _ in bills])
        copy_new(
            BillLine,
            [
                {
                    "bill_id": row["id"],
                    "charge_type_id": charge.charge_type.pk,
                    "revenue_account_id": charge.account.pk,
                    "description": charge.description or charge.charge_type.name,
                    "quantity": charge.quantity,
                    "unit_price": charge.unit_price,
                    "amount": charge.amount,
                }
                for row, charges in bills
                for charge in charges
            ],
        )
        if not bills:
            return None
        return post(
            entry_date=timezone.localdate(),
            memo=memo,
            source=source,
            by=by,
            lines=issuance_lines(
                [
                    (row["id"], row["receivable_account_id"], row["principal"], charges)
                    for row, charges in bills
                ]
            ),
        )


def invoice_create(
    *,
    customer: Customer,
    charges: Sequence[Charge],
    due_date: date,
    memo: str,
    by: User,
    token: uuid.UUID | None = None,
) -> Bill:
    """A miscellaneous invoice, numbered gaplessly per year (INV-2026-000001).

    `token` is the form's one-time token: submitting the same form again (a double-click, a
    reload) returns the invoice it made the first time instead of making another."""
    if token is not None:
        earlier = Bill.objects.filter(idempotency_key=token).first()
        if earlier is not None:
            if earlier.customer_id != customer.pk:
                raise BillingError("This form was already used for another customer; start again.")
            return earlier
    today = timezone.localdate()
    try:
        with transaction.atomic():
            sequence = number_next(series="invoice", year=today.year)
            return bill_issue(
                number=f"INV-{today.year}-{sequence:06d}",
                bill_type=BillType.INVOICE,
                source="invoice",
                customer=customer,
                description=memo.strip() or "Miscellaneous invoice",
                issue_date=today,
                due_date=due_date,
                charges=charges,
                by=by,
                idempotency_key=token,
            )
    except IntegrityError:
        # The same token raced in from a second request: the first one's invoice stands.
        earlier = Bill.objects.filter(idempotency_key=token).first() if token else None
        if earlier is None:
            raise
        return earlier


def penalty_waive(
    *, bill: Bill, reason: str, by: User, as_of: date, token: uuid.UUID | None = None
) -> PenaltyWaiver:
    """Waive the penalty and interest owed on a bill as of `as_of`, with a recorded reason.

    Whatever has accrued but was not yet assessed is assessed and waived in the same entry, so
    the ledger shows both what the law charged and what the supervisor forgave."""
    if not reason.strip():
        raise BillingError("Say why the penalty is waived; the reason is kept with the waiver.")
    with transaction.atomic():
        locked = Bill.objects.select_for_update().get(pk=bill.pk)
        # Under the bill's lock, so a double-click waits for the first and then finds it.
        earlier = PenaltyWaiver.objects.filter(token=token).first() if token else None
        if earlier is not None:
            if earlier.bill_id != locked.pk:
                raise BillingError("This form was already used for another bill; start again.")
            return earlier
        _bill_in_plan_refused(locked, as_of, "waive its penalty and interest")
        due = amount_due(locked, as_of)
        if due.penalty + due.interest == 0:
            raise NothingToWaive(
                f"Bill {locked.number} owes no penalty or interest as of {us_date(as_of)}."
            )
        pi_account = Account.objects.get(code=PENALTY_INTEREST_ACCOUNT_CODE)
        assessed = due.new_penalty + due.new_interest
        waived = due.penalty + due.interest
        lines = []
        if assessed:
            lines += [
                Line(
                    account=locked.receivable_account,
                    amount=assessed,
                    bill_id=locked.pk,
                    memo="Penalty and interest assessed",
                ),
                Line(account=pi_account, amount=-assessed, memo="Penalty and interest assessed"),
            ]
        lines += [
            Line(account=pi_account, amount=waived, memo="Penalty and interest waived"),
            Line(
                account=locked.receivable_account,
                amount=-waived,
                bill_id=locked.pk,
                memo="Penalty and interest waived",
            ),
        ]
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"Waiver of {format_money(waived)} penalty and interest on bill {locked.number}",
            source=BillingSource.PENALTY_WAIVER,
            by=by,
            lines=lines,
        )
        Bill.objects.filter(pk=locked.pk).update(
            penalty_balance=ZERO,
            interest_balance=ZERO,
            balance=F("principal_balance"),
            interest_months_assessed=due.interest_months,
        )
        penalty_assessment_record(bill=locked, rule_ids=due.new_penalty_rules, entry=entry)
        return PenaltyWaiver.objects.create(
            bill=locked,
            penalty=due.penalty,
            interest=due.interest,
            reason=reason.strip(),
            approved_by=by,
            entry=entry,
            token=token,
        )


def holidays_seed(*, years: Iterable[int] = SEEDED_YEARS) -> int:
    """Put New York State and federal legal holidays of `years` (the `holidays` package, US and
    NY, with the days they are observed on) on the office calendar; days already on it, an
    Admin's closures included, stay as they are. Returns how many were added."""
    with transaction.atomic():
        before = Holiday.objects.count()
        Holiday.objects.bulk_create(
            [
                Holiday(date=day, name=name, kind=Holiday.Kind.LEGAL)
                for day, name in legal_holidays(years)
            ],
            ignore_conflicts=True,
        )
        return Holiday.objects.count() - before


def penalty_assessment_record(
    *, bill: Bill, rule_ids: Iterable[int], entry: JournalEntry
) -> list[PenaltyAssessment]:
    """Record that `entry` assessed the penalty events of the rules `rule_ids` on `bill`.

    Raises BillingError when one was already assessed (the database's unique constraint says
    so too): an event is charged once, whatever rules were added since."""
    rows = [PenaltyAssessment(bill=bill, rule_id=rule_id, entry=entry) for rule_id in rule_ids]
    if not rows:
        return []
    try:
        with transaction.atomic():
            return PenaltyAssessment.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise BillingError(
            f"A penalty on bill {bill.number} was already assessed; nothing was posted."
        ) from exc


def penalty_assessments_undo(*, entry: JournalEntry) -> int:
    """Forget the penalty events `entry` assessed (its void puts the bill back as it was, so
    they fall due again). Returns how many."""
    deleted, _ = PenaltyAssessment.objects.filter(entry=entry).delete()
    return deleted


@dataclass(frozen=True)
class RuleTerms:
    """The terms of a penalty or interest rule (see PenaltyRule)."""

    kind: str
    percent: Decimal | None = None
    amount: Decimal | None = None
    days: int | None = None
    month: int | None = None
    day: int | None = None
    extend_to_business_day: bool = True
    description: str = ""


def penalty_rule_revise(
    *, rule: PenaltyRule, effective_from: date, terms: RuleTerms
) -> PenaltyRule:
    """A new version of `rule` effective from `effective_from`: the old one ends the day before
    and keeps its terms for the bills falling due until then (a rule a bill falls under is
    never edited in place; a database trigger refuses it).

    Raises BillingError when the new version would start on or before the old one did, or when
    bills on file falling due on or after `effective_from` already follow the old rule."""
    with transaction.atomic():
        locked = PenaltyRule.objects.select_for_update().get(pk=rule.pk)
        if effective_from <= locked.effective_from:
            raise BillingError(
                f"The new version must take effect after {us_date(locked.effective_from)}, "
                "when this rule did."
            )
        if locked.effective_to is not None and effective_from > locked.effective_to:
            raise BillingError(
                f"This rule already ended on {us_date(locked.effective_to)}; add a new rule."
            )
        ends = effective_from - timedelta(days=1)
        following = bills_under_rule(locked).filter(due_date__gt=ends).count()
        if following:
            raise BillingError(
                f"{following} bill{'s' if following != 1 else ''} on file falling due on or after "
                f"{us_date(effective_from)} follow this rule; the new version must take effect "
                "after their due dates."
            )
        new_rule = PenaltyRule(
            bill_type=locked.bill_type,
            effective_from=effective_from,
            effective_to=locked.effective_to,
            **vars(terms),
        )
        PenaltyRule.objects.filter(pk=locked.pk).update(effective_to=ends)
        new_rule.full_clean()
        new_rule.save()
        return new_rule


def bill_adjust(
    *,
    bill: Bill,
    kind: str,
    reason: str,
    note: str,
    by: User,
    token: uuid.UUID,
    amount: Decimal | None = None,
    as_of: date | None = None,
) -> BillAdjustment:
    """A Supervisor cancels a bill (`kind` "cancel": it owes $0.00 afterwards) or writes it down
    by `amount` dollars ("write_down"), for a `reason` (BillAdjustment.Reason) explained in
    `note`. Penalty and interest that have accrued but were not yet assessed are assessed first
    (as of `as_of`, today by default), so the ledger shows what the law charged and what was
    taken off; the amount then comes off penalty, then interest, then principal (the order
    payments apply in: nothing is left charged on a principal that was forgiven).

    Posts one entry: Cr the bill's receivable; Dr the revenue it was booked to (principal
    shared over the bill's charge lines in proportion, penalty and interest to 4900) for an
    appeal won or a billing error, or Dr 5200 Bills written off for a court order or an
    uncollectible bill. Append-only: a mistaken adjustment is not edited (the table refuses
    it). Idempotent on `token`. Raises BillingError with the reason a Supervisor can act on."""
    if not by.has_perm("billing.adjust_bill"):
        raise BillingError("Only a Supervisor cancels or writes down a bill.")
    if kind not in BillAdjustment.Kind.values:
        raise BillingError("Choose whether the bill is cancelled or written down.")
    if reason not in BillAdjustment.Reason.values:
        raise BillingError("Choose the reason: appeal won, billing error, court order, ...")
    note = note.strip()
    if not note:
        raise BillingError("Say what happened (the decision, the docket number); it is kept.")
    if contains_card_number(note):
        raise BillingError("That note looks like it holds a full card number: never type one.")
    with transaction.atomic():
        locked = (
            Bill.objects.select_for_update().select_related("receivable_account").get(pk=bill.pk)
        )
        earlier = BillAdjustment.objects.filter(token=token).first()
        if earlier is not None:
            if (earlier.bill_id, earlier.kind) != (locked.pk, kind) or (
                amount is not None and earlier.amount != amount
            ):
                raise BillingError("This form was already used for another adjustment; reload.")
            return earlier
        as_of = as_of or timezone.localdate()
        _bill_in_plan_refused(
            locked, as_of, "cancel it" if kind == BillAdjustment.Kind.CANCEL else "write it down"
        )
        due = amount_due(locked, as_of)
        plan = adjustment_plan(due, kind=kind, amount=amount, number=locked.number)
        taken, penalty, interest, principal = (
            plan.amount,
            plan.penalty,
            plan.interest,
            plan.principal,
        )
        written_off = reason in WRITE_OFF_REASONS
        lines = _adjustment_lines(locked, due, penalty + interest, principal, written_off)
        what = "Cancellation" if kind == BillAdjustment.Kind.CANCEL else "Write-down"
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"{what} of bill {locked.number} by {format_money(taken)} "
            f"({BillAdjustment.Reason(reason).label.lower()}): {note}",
            source=BillingSource.BILL_ADJUSTMENT,
            by=by,
            lines=lines,
        )
        Bill.objects.filter(pk=locked.pk).update(
            principal_balance=due.principal - principal,
            penalty_balance=due.penalty - penalty,
            interest_balance=due.interest - interest,
            balance=due.total - taken,
            interest_months_assessed=due.interest_months,
        )
        penalty_assessment_record(bill=locked, rule_ids=due.new_penalty_rules, entry=entry)
        return BillAdjustment.objects.create(
            bill=locked,
            kind=kind,
            reason=reason,
            note=note[:300],
            amount=taken,
            penalty=penalty,
            interest=interest,
            principal=principal,
            balance_after=due.total - taken,
            written_off=written_off,
            approved_by=by,
            entry=entry,
            token=token,
        )


def _adjustment_lines(
    bill: Bill, due, extras: Decimal, principal: Decimal, written_off: bool
) -> list[Line]:
    """Assess what accrued, then Dr revenue (or write-offs), Cr the receivable. Principal
    billed against an account that is not revenue (a returned check's amount, Cr Bank) is
    always written off."""
    memo = f"Adjustment of bill {bill.number}"
    pi_account = Account.objects.get(code=PENALTY_INTEREST_ACCOUNT_CODE)
    lines: list[Line] = []
    assessed = due.new_penalty + due.new_interest
    if assessed:
        assessed_memo = f"Penalty and interest assessed on bill {bill.number}"
        lines += [
            Line(bill.receivable_account, assessed, assessed_memo, bill.pk),
            Line(pi_account, -assessed, assessed_memo),
        ]
    debits: dict[int, Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[int, Account] = {pi_account.pk: pi_account}
    if written_off:
        account = Account.objects.get(code=WRITE_OFF_ACCOUNT_CODE)
        accounts[account.pk] = account
        debits[account.pk] = extras + principal
    else:
        if extras:
            debits[pi_account.pk] += extras
        for account, part in principal_by_revenue_account(bill, principal):
            accounts[account.pk] = account
            debits[account.pk] += part
    lines += [Line(accounts[pk], total, memo) for pk, total in sorted(debits.items()) if total]
    lines.append(Line(bill.receivable_account, -(extras + principal), memo, bill.pk))
    return lines


def principal_by_revenue_account(bill: Bill, principal: Decimal) -> list[tuple[Account, Decimal]]:
    """`principal` dollars of `bill` taken back from what it was booked to: shared over the
    revenue accounts of the bill's charges in proportion to what each was billed, the odd
    cents to the largest remainders (so the parts add up exactly). A charge booked against an
    account that is not revenue (a returned check bills what the bank took back: Cr 1100
    Bank) is not revenue to take back: its part goes to 5200 Bills written off, or the bank
    would seem to hold money it never got. Raises BillingError for a bill with no charges."""
    if not principal:
        return []
    billed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[int, Account] = {}
    for line in bill.lines.select_related("revenue_account"):
        billed[line.revenue_account_id] += line.amount
        accounts[line.revenue_account_id] = line.revenue_account
    total = sum(billed.values(), ZERO)
    if not total:
        raise BillingError(f"Bill {bill.number} has no charges to take the amount back from.")
    exact = {pk: principal * amount / total for pk, amount in billed.items()}
    parts = {pk: value.quantize(CENT, rounding=ROUND_DOWN) for pk, value in exact.items()}
    left = int((principal - sum(parts.values(), ZERO)) / CENT)
    for pk in sorted(exact, key=lambda pk: (parts[pk] - exact[pk], pk))[:left]:
        parts[pk] += CENT
    write_off = Account.objects.get(code=WRITE_OFF_ACCOUNT_CODE)
    shares: dict[int, tuple[Account, Decimal]] = {}
    for pk, part in sorted(parts.items()):
        account = accounts[pk] if accounts[pk].type == AccountType.REVENUE else write_off
        if part:
            shares[account.pk] = (account, shares.get(account.pk, (account, ZERO))[1] + part)
    return list(shares.values())


def ticket_appeal_record(
    *, bill: Bill, pending: bool, note: str, by: User, on: date | None = None
) -> TicketAppeal:
    """Open or close a parking ticket's appeal. Changes what accrues, not what is owed now, so
    it posts nothing; the appeal log keeps who said what, and when."""
    if bill.bill_type != BillType.PARKING:
        raise BillingError("Only parking tickets are appealed here.")
    if not note.strip():
        raise BillingError("Say what happened: the hearing date, or the decision.")
    with transaction.atomic():
        locked = Bill.objects.select_for_update().get(pk=bill.pk)
        if locked.appeal_pending == pending:
            state = "already pending" if pending else "not pending"
            raise BillingError(f"The appeal on ticket {locked.number} is {state}.")
        on = on or timezone.localdate()
        if pending:
            Bill.objects.filter(pk=locked.pk).update(appeal_pending=True, appeal_opened_on=on)
        else:
            opened = locked.appeal_opened_on or on
            Bill.objects.filter(pk=locked.pk).update(
                appeal_pending=False,
                appeal_opened_on=None,
                appeal_days=F("appeal_days") + max((on - opened).days, 0),
            )
        return TicketAppeal.objects.create(
            bill=locked, pending=pending, note=note.strip()[:300], recorded_by=by
        )


def customer_view_log(*, customer: Customer, by: User) -> None:
    """Record that `by` opened the customer's confidential details."""
    CustomerView.objects.create(customer=customer, viewed_by=by)


def _party_key(party) -> tuple[str, str]:
    return party.name.upper(), party.address.upper()


def _parties(rows: list[BillRow]) -> dict[tuple[str, str], int]:
    """Customer ids for the rows' parties: found by name and mailing address, else created."""
    keys = {_party_key(r.party): r.party for r in rows}
    found: dict[tuple[str, str], int] = {}
    names = {name for name, _ in keys}
    for pk, name, address in (
        Customer.objects.annotate(uname=Upper("name"))
        .filter(uname__in=names)
        .values_list("pk", "name", "address_line1")
    ):
        found.setdefault((name.upper(), address.upper()), pk)
    new: list[dict[str, Any]] = [
        {
            "name": party.name,
            "address_line1": party.address,
            "city": party.city,
            "state": party.state,
            "postal_code": party.postal_code,
            "kind": Customer.Kind.BUSINESS
            if _looks_like_business(party.name)
            else Customer.Kind.PERSON,
        }
        for key, party in keys.items()
        if key not in found
    ]
    copy_new(Customer, new)
    for row in new:
        found[(row["name"].upper(), row["address_line1"].upper())] = row["id"]
    return found


def _looks_like_business(name: str) -> bool:
    return bool(
        re.search(r"\b(LLC|INC|CORP|CO|LTD|LLP|ASSOCIATES|PROPERTIES|REALTY)\b\.?$", name.upper())
    )


class _ImportProgress(ProgressRow):
    """Reports an import's progress: to the command's callback, and to the batch row through a
    connection of its own (cashiering.bulk.ProgressRow), so that the page polling the row sees
    it while the import's own transaction is still open. Closed before that transaction
    touches the row again."""

    def __init__(self, batch: ImportBatch, echo: Callable[[str, int, int], None] | None):
        super().__init__(ImportBatch, batch.pk)
        self.total, self.echo = batch.rows_total, echo

    def __call__(self, stage: str, done: int) -> None:
        if self.echo:
            self.echo(stage, done, self.total)
        self.write(stage=stage, done=min(done, self.total))


def bill_import(
    *,
    source: str,
    filename: str,
    content: bytes,
    by: User,
    token: uuid.UUID | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportBatch:
    """Import a billing system's CSV file: all of it, or nothing.

    Every row is checked first; one bad row rejects the file with a report of every problem
    (kept on the batch). The same file twice is refused, and a bill already imported is
    skipped, so an import can be repeated safely. The bills are posted as one entry. Imports
    take turns (an advisory lock), so two uploads of one file cannot both post it."""
    if source not in SOURCES:
        raise BillingError(f"Unknown billing system {source!r}.")
    if contains_card_number(filename):
        # The name is kept on the batch and reaches the journal's memo.
        raise BillingError(
            "The file's name holds what looks like a full card number: rename the file. "
            "Never type or store card numbers."
        )
    digest = hashlib.sha256(content).hexdigest()
    _refuse_if_imported(source, digest)
    if token is not None and ImportBatch.objects.filter(token=token).exists():
        raise AlreadyImported("This upload was already submitted; see the list of imports below.")
    try:
        batch = _batch_start(source, filename, digest, token, content, by)
    except IntegrityError:
        raise AlreadyImported(
            "This upload was already submitted; see the list of imports below."
        ) from None
    report = _ImportProgress(batch, progress)
    try:
        return _import_checked(batch, source, filename, content, digest, by, report)
    except (AlreadyImported, ImportRejected):
        raise
    except Exception as exc:
        # Nothing was imported (the transaction rolled back); the batch must not stay "running".
        ImportBatch.objects.filter(pk=batch.pk).update(
            status="rejected",
            stage="failed",
            finished_at=timezone.now(),
            errors=_masked(
                [{"line": 0, "column": "", "problem": f"the import failed: {exc}"[:500]}]
            ),
        )
        if isinstance(exc, DomainError):
            raise BillingError(str(exc)) from exc
        raise
    finally:
        report.close()


def _batch_start(source, filename, digest, token, content, by) -> ImportBatch:
    """The batch row, committed before the import starts so the page can follow it."""
    with transaction.atomic():
        return ImportBatch.objects.create(
            source=source,
            filename=filename[:255],
            sha256=digest,
            token=token,
            rows_total=max(content.count(b"\n") - 1, 0) + (0 if content.endswith(b"\n") else 1),
            uploaded_by=by,
        )


def _import_checked(
    batch: ImportBatch,
    source: str,
    filename: str,
    content: bytes,
    digest: str,
    by: User,
    report: "_ImportProgress",
) -> ImportBatch:
    parsed = parse(
        source, content, today=timezone.localdate(), progress=lambda n: report("checking", n)
    )
    if parsed.errors:
        _reject(batch, report, parsed.errors, total_rows=parsed.total_rows)
        raise ImportRejected(
            f"{len(parsed.errors)} problem(s) in {filename}; nothing was imported.",
            errors=batch.errors,
            batch=batch,
        )
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('billing.bill_import'))")
            _refuse_if_imported(source, digest)
            existing, conflicts = conflicts_with_file(parsed.rows, source=source)
            if conflicts:
                raise _Refused(conflicts)
            rows = [r for r in parsed.rows if r.number not in existing]
            report("matching customers", parsed.total_rows)
            bills = _build_bills(rows, source=source)
            report("posting", parsed.total_rows)
            entry = None
            if bills:
                entry = bills_issue_bulk(
                    bills=bills,
                    by=by,
                    source=BillingSource.BILL_IMPORT,
                    memo=f"Import of {len(bills)} {source} bills from {filename}"[:255],
                )
            report.close()
            ImportBatch.objects.filter(pk=batch.pk).update(
                status="done",
                stage="done",
                rows_total=parsed.total_rows,
                rows_done=parsed.total_rows,
                bills_created=len(bills),
                amount_total=sum((b["principal"] for b, _ in bills), ZERO),
                entry=entry,
                finished_at=timezone.now(),
            )
    except AlreadyImported:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status="rejected",
            stage="rejected",
            finished_at=timezone.now(),
            errors=[{"line": 0, "column": "", "problem": "the same file was imported meanwhile"}],
        )
        raise
    except (_Refused, DatabaseError) as exc:
        errors = exc.errors if isinstance(exc, _Refused) else [_refusal(exc, parsed.rows)]
        _reject(batch, report, errors, total_rows=parsed.total_rows)
        raise ImportRejected(
            f"{len(errors)} problem(s) in {filename}; nothing was imported.",
            errors=batch.errors,
            batch=batch,
        ) from None
    batch.refresh_from_db()
    return batch


class _Refused(Exception):
    """Rows the database holds differently: the import's transaction rolls back."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} conflict(s)")
        self.errors = errors


def _masked(errors: list[dict]) -> list[dict]:
    """An error report as it may be kept: no card number in any of its texts."""
    return [
        {
            key: mask_card_numbers(value) if isinstance(value, str) else value
            for key, value in e.items()
        }
        for e in errors
    ]


def _reject(batch: ImportBatch, report: "_ImportProgress", errors: list[dict], *, total_rows: int):
    report.close()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="rejected",
        rows_total=total_rows,
        errors=_masked(errors[:10000]),
        stage="rejected",
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()


def _refusal(exc: DatabaseError, rows: list[BillRow]) -> dict:
    """A database refusal during an import as a problem of the file: the constraint or column
    it names, and the line of the bill it names when it names one (its detail quotes the row)."""
    diag = getattr(exc.__cause__, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(exc).splitlines()[0]
    detail = getattr(diag, "message_detail", None) or ""
    column = getattr(diag, "column_name", None) or getattr(diag, "constraint_name", None) or ""
    numbers = set(re.findall(r"[A-Za-z0-9-]+", detail))
    line = next((r.line for r in rows if r.number in numbers), 0)
    return {"line": line, "column": column, "problem": f"the database refused it: {primary}"}


def _refuse_if_imported(source: str, digest: str) -> None:
    earlier = ImportBatch.objects.filter(source=source, sha256=digest, status="done").first()
    if earlier is not None:
        raise AlreadyImported(
            f"This file was already imported on {us_date(earlier.created_at)}"
            f" ({earlier.bills_created} bills); nothing was changed."
        )


def _build_bills(rows: list[BillRow], *, source: str) -> list[tuple[dict, list[Charge]]]:
    """The bills of checked rows, as rows for bills_issue_bulk; creates the customers,
    parcels, water accounts and vehicles they name that are not on file yet."""
    if not rows:
        return []
    charge_types = {c.code: c for c in ChargeType.objects.select_related("revenue_account")}
    customers = _parties(rows)

    parcels = {r.parcel[0]: r for r in rows if r.parcel}
    properties = dict(
        Property.objects.filter(parcel_number__in=parcels).values_list("parcel_number", "pk")
    )
    new_properties: list[dict[str, Any]] = [
        {"parcel_number": n, "street_address": r.parcel[1]}  # type: ignore[index]
        for n, r in parcels.items()
        if n not in properties
    ]
    copy_new(Property, new_properties)
    properties.update({p["parcel_number"]: p["id"] for p in new_properties})
    ownerships = {(properties[n], customers[_party_key(r.party)]) for n, r in parcels.items()}
    Property.owners.through.objects.bulk_create(
        [Property.owners.through(property_id=p, customer_id=c) for p, c in ownerships],
        ignore_conflicts=True,
        batch_size=5000,
    )

    wanted = {r.water_account[0]: r for r in rows if r.water_account}
    accounts: dict[str, tuple[int, int | None]] = {
        number: (pk, property_id)
        for number, pk, property_id in WaterAccount.objects.filter(number__in=wanted).values_list(
            "number", "pk", "property_id"
        )
    }
    new_accounts: list[dict[str, Any]] = [
        {
            "number": n,
            "customer_id": customers[_party_key(r.party)],
            "service_address": r.water_account[1],  # type: ignore[index]
            "meter_size": r.water_account[2],  # type: ignore[index]
        }
        for n, r in wanted.items()
        if n not in accounts
    ]
    copy_new(WaterAccount, new_accounts)
    accounts.update({a["number"]: (a["id"], None) for a in new_accounts})

    plates = {r.vehicle: r for r in rows if r.vehicle}
    vehicles = {
        (plate, state): pk
        for pk, plate, state in Vehicle.objects.filter(
            plate__in={p for p, _ in plates}
        ).values_list("pk", "plate", "state")
        if (plate, state) in plates
    }
    new_vehicles: list[dict[str, Any]] = [
        {"plate": p, "state": s, "customer_id": customers[_party_key(r.party)]}
        for (p, s), r in plates.items()
        if (p, s) not in vehicles
    ]
    copy_new(Vehicle, new_vehicles)
    vehicles.update({(v["plate"], v["state"]): v["id"] for v in new_vehicles})

    # Repeat fines: earlier tickets of the same code on the same plate within 18 months, both
    # those already on file and those earlier in this file.
    violations = {v.code: v for v in ViolationCode.objects.all()}
    history: dict[tuple[int, int], list[date]] = defaultdict(list)
    tickets = [r for r in rows if r.vehicle]
    if tickets:
        since = min(r.issue_date for r in tickets) - timedelta(days=REPEAT_WINDOW_DAYS)
        for vehicle_id, violation_id, issued in Bill.objects.filter(
            vehicle_id__in={vehicles[r.vehicle] for r in tickets},  # type: ignore[index]
            bill_type=BillType.PARKING,
            issue_date__gte=since,
        ).values_list("vehicle_id", "violation_id", "issue_date"):
            history[(vehicle_id, violation_id)].append(issued)

    bills: list[tuple[dict, list[Charge]]] = []
    for row in sorted(rows, key=lambda r: (r.issue_date, r.line)):
        charges = [Charge(charge_types[code], amount, text) for code, amount, text in row.charges]
        bill: dict[str, Any] = {
            "number": row.number,
            "bill_type": row.bill_type,
            "source": source,
            "external_id": row.number,
            "customer_id": customers[_party_key(row.party)],
            "description": row.description,
            "issue_date": row.issue_date,
            "due_date": row.due_date,
            **row.details,
        }
        if row.parcel:
            bill["property_id"] = properties[row.parcel[0]]
        if row.water_account:
            bill["water_account_id"], bill["property_id"] = accounts[row.water_account[0]]
        if row.vehicle:
            vehicle_id, violation = vehicles[row.vehicle], violations[row.violation_code]
            bill["vehicle_id"], bill["violation_id"] = vehicle_id, violation.pk
            seen = history[(vehicle_id, violation.pk)]
            window = row.issue_date - timedelta(days=REPEAT_WINDOW_DAYS)
            repeats = sum(1 for d in seen if window <= d < row.issue_date)
            fine = [violation.fine_first, violation.fine_second, violation.fine_third][
                min(repeats, 2)
            ]
            seen.append(row.issue_date)
            charges = [
                Charge(
                    charge_types["parking_fine"],
                    fine,
                    f"Violation {violation.code}: {violation.description}",
                )
            ]
        bill["principal"] = sum((c.amount for c in charges), ZERO)
        bills.append((bill, charges))
    return bills


# Certified lists of liens

LIEN_SERIES = "lien_certificate"
# Training drawers number their own series, so training never takes a live number.
LIEN_TRAINING_SERIES = "lien_certificate_training"
OFFICE_OF = "Office of the City Chamberlain"


def officer_title(user: User) -> str:
    """The title `user` signs certificates with: their StaffTitle, else their role's name and
    the office ("Clerk, Office of the City Chamberlain")."""
    title = StaffTitle.objects.filter(user=user).values_list("title", flat=True).first()
    if title:
        return title
    return f"{role_of(user) or 'Staff'}, {OFFICE_OF}"


def lien_certificate_issue(
    *,
    property: Property,
    good_through: date,
    by: User,
    training: bool = False,
    issued_on: date | None = None,
) -> LienCertificate:
    """Issue a certified list of liens on `property`, good through `good_through`, as of the
    business date `issued_on` (today by default): every unpaid lien with its amounts
    (billing.liens.liens_on), the payoff, a snapshot of the parcel, its owners and the officer,
    and a random verification code. Numbered gaplessly per year (LC-2026-000123) in the
    caller's transaction, so a sale rolled back gives the number back; `training` numbers the
    training series instead. Called by payments.services.payment_record when a lien search is
    sold. Raises BillingError when `by` may not issue certificates (a Trainee) or the
    good-through date is refused."""
    if not by.has_perm("billing.issue_lien_certificate"):
        raise BillingError(
            "Only a Clerk, Supervisor or Admin issues a certified list of liens; ask one to "
            "sell the lien search."
        )
    issued_on = issued_on or timezone.localdate()
    with transaction.atomic():
        liens = liens_on(property, good_through=good_through, issued_on=issued_on)
        terms = lien_terms()
        sequence = number_next(
            series=LIEN_TRAINING_SERIES if training else LIEN_SERIES, year=issued_on.year
        )
        code = verification_code_new()
        while LienCertificate.objects.filter(verification_code=code).exists():
            code = verification_code_new()  # one chance in 2**50; never seen
        owners = sorted(property.owners.values_list("name", flat=True))
        address = ", ".join(p for p in (property.street_address, property.city) if p)
        certificate = LienCertificate.objects.create(
            training=training,
            year=issued_on.year,
            sequence=sequence,
            property=property,
            good_through=good_through,
            issued_on=issued_on,
            issued_by=by,
            parcel_number=property.parcel_number,
            address=address[:300],
            owners="\n".join(owners),
            officer_name=person_name(by)[:300],
            officer_title=officer_title(by)[:200],
            statement=terms.certification_statement,
            verification_code=code,
            principal=liens.principal,
            penalty=liens.penalty,
            interest=liens.interest,
            payoff=liens.payoff,
            notes=liens.notes,
        )
        LienCertificateItem.objects.bulk_create(
            LienCertificateItem(
                certificate=certificate,
                bill=item.bill,
                year=item.year,
                kind=item.kind,
                description=item.description,
                detail=item.detail,
                principal=item.principal,
                penalty=item.penalty,
                interest=item.interest,
                total=item.total,
            )
            for item in liens.items
        )
        return certificate


def verify_throttle_hit(*, client: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one request of `client` (an address) on the public verification page; False when
    it is past `limit` requests in the current window. One atomic statement on a row every app
    server shares, so concurrent requests are all counted; the address is kept only hashed, and
    rows of windows long past are swept as new windows start."""
    key = hashlib.sha256(client.encode()).hexdigest()
    now = timezone.now()
    start = now - timedelta(seconds=now.timestamp() % window_seconds)
    table = VerifyThrottle._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS t (client, window_start, hits)"  # noqa: S608
            " VALUES (%s, %s, 1) ON CONFLICT (client) DO UPDATE SET"
            " hits = CASE WHEN t.window_start = EXCLUDED.window_start THEN t.hits + 1 ELSE 1 END,"
            " window_start = EXCLUDED.window_start RETURNING hits",
            [key, start],
        )
        row = cursor.fetchone()
        hits = row[0] if row else 1
        if hits == 1:
            cursor.execute(
                f"DELETE FROM {table} WHERE window_start < %s",  # noqa: S608
                [start - timedelta(hours=1)],
            )
    return hits <= limit


# Delinquent-tax payment plans (RPTL §1184)


def _plan_money(value, what: str) -> Decimal:
    try:
        amount = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise BillingError(f"{what}: {value!r} is not an amount of money.") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise BillingError(f"{what} is an amount of whole cents, $0.00 or more.")
    return amount.quantize(CENT)


def payment_plan_enroll(
    *,
    property: Property,
    bills: Sequence[Bill],
    customer: Customer,
    down_payment: Decimal,
    installments: int,
    as_of: date,
    by: User,
    token: uuid.UUID,
) -> PaymentPlan:
    """Enroll a parcel's delinquent property tax `bills` in a payment plan (RPTL §1184) that
    `customer` (an owner of the parcel, or the taxpayer billed) signs: a down payment of
    `down_payment` dollars due on `as_of` (at most the terms' percent of the total; $0.00 means
    none) and `installments` monthly installments due the last day of each following month,
    the odd cents one each on the first ones. The total is what the bills owe on `as_of`
    (billing.selectors.with_amounts_due); from then on they accrue nothing while the plan is
    in good standing. Posts nothing (no money moves); numbered gaplessly per year
    (PP-2026-0001). Idempotent on `token`: the same form again returns the first plan.

    Raises BillingError (with what to do) when `by` is not a Supervisor, a bill is not the
    parcel's, not property tax, not past due, paid, or already in an active plan, or the down
    payment or number of installments is outside the terms."""
    if not by.has_perm("billing.enroll_payment_plan"):
        raise BillingError("Only a Supervisor enrolls a parcel in a payment plan.")
    earlier = PaymentPlan.objects.filter(token=token).first()
    if earlier is not None:
        return _plan_same_form(earlier, property)
    down_payment = _plan_money(down_payment, "The down payment")
    bill_ids = sorted({bill.pk for bill in bills})
    if not bill_ids:
        raise BillingError("Choose the delinquent tax bills the plan pays.")
    terms = plan_terms()
    if not isinstance(installments, int) or not 1 <= installments <= terms.max_installments:
        raise BillingError(f"A plan has from 1 to {terms.max_installments} monthly installments.")
    try:
        with transaction.atomic():
            locked = list(Bill.objects.select_for_update().filter(pk__in=bill_ids).order_by("pk"))
            # Under the bills' locks: a double submit waits for the first and finds its plan.
            earlier = PaymentPlan.objects.filter(token=token).first()
            if earlier is not None:
                return _plan_same_form(earlier, property)
            owed = with_amounts_due(locked, as_of)
            _plan_bills_checked(property, customer, locked, owed, as_of)
            total = sum((o.due.total for o in owed), ZERO)
            cap = plans.down_payment_cap(total, terms.max_down_payment_percent)
            if down_payment > cap:
                raise BillingError(
                    f"The down payment may be at most {terms.max_down_payment_percent.normalize()}%"
                    f" of the {format_money(total)} owed: {format_money(cap)}."
                )
            try:
                rows = plans.schedule(
                    total=total,
                    down_payment=down_payment,
                    installments=installments,
                    enrolled_on=as_of,
                )
            except ValueError as exc:
                raise BillingError(str(exc)) from None
            sequence = number_next(series="payment_plan", year=as_of.year)
            plan = PaymentPlan.objects.create(
                number=f"PP-{as_of.year}-{sequence:04d}",
                property=property,
                customer=customer,
                enrolled_on=as_of,
                enrolled_by=by,
                total=total,
                down_payment=down_payment,
                installment_count=installments,
                token=token,
                **{name: getattr(terms, name) for name in PLAN_TERM_FIELDS},
            )
            PlanBill.objects.bulk_create(
                PlanBill(plan=plan, bill=o.bill, owed_on_enrolment=o.due.total) for o in owed
            )
            PlanInstallment.objects.bulk_create(
                PlanInstallment(plan=plan, number=r.number, due_on=r.due_on, amount=r.amount)
                for r in rows
            )
            return plan
    except IntegrityError:
        earlier = PaymentPlan.objects.filter(token=token).first()
        if earlier is None:
            raise
        return _plan_same_form(earlier, property)


PLAN_TERM_FIELDS = (
    "max_down_payment_percent",
    "max_installments",
    "late_interest_percent",
    "late_charge_percent",
    "late_charge_after_days",
    "default_after_days",
)


def _plan_same_form(earlier: PaymentPlan, prop: Property) -> PaymentPlan:
    if earlier.property_id != prop.pk:
        raise BillingError("This form was already used for another parcel; start again.")
    return earlier


def _plan_bills_checked(prop, customer, bills, owed, as_of: date) -> None:
    """Every bill is the parcel's, property tax, past due, owing, and in no active plan; the
    taxpayer is an owner of the parcel or the one the bills name."""
    for o in owed:
        bill = o.bill
        if bill.property_id != prop.pk:
            raise BillingError(f"Bill {bill.number} is not on parcel {prop.parcel_number}.")
        if bill.bill_type != BillType.PROPERTY_TAX:
            raise BillingError(f"Bill {bill.number} is not property tax: a plan pays only taxes.")
        if bill.due_date >= as_of:
            raise BillingError(
                f"Bill {bill.number} is not delinquent: it falls due {us_date(bill.due_date)}."
            )
        if o.due.total <= 0:
            raise BillingError(f"Bill {bill.number} is paid: it owes nothing.")
    in_plan = (
        PlanBill.objects.filter(
            bill_id__in=[b.pk for b in bills], plan__status=PaymentPlan.Status.ACTIVE
        )
        .select_related("plan", "bill")
        .first()
    )
    if in_plan is not None:
        raise BillingError(
            f"Bill {in_plan.bill.number} is already in payment plan {in_plan.plan.number}."
        )
    owners = set(prop.owners.values_list("pk", flat=True)) | {b.customer_id for b in bills}
    if customer.pk not in owners:
        raise BillingError(
            f"{customer.name} neither owns parcel {prop.parcel_number} nor is billed for it: "
            "the owner or the taxpayer signs the agreement."
        )


def _bill_in_plan_refused(bill: Bill, as_of: date, what: str) -> None:
    """A bill in a payment plan in good standing (or late) owes what the plan's schedule was
    built on: a waiver or adjustment would leave the installments paying for money no longer
    owed. The office cancels the plan, adjusts the bill, and enrolls a new plan. A plan in
    default is no obstacle: its bills owe on their own again."""
    standing = plan_of_bills([bill.pk], as_of).get(bill.pk)
    if standing is not None and standing.frozen:
        raise BillingError(
            f"Bill {bill.number} is in payment plan {standing.plan.number}, whose installments "
            f"are built on what it owes: to {what}, a Supervisor cancels the plan first (the "
            "plan's page, Cancel the plan), then enrolls the bills in a new plan."
        )


def payment_plan_cancel(
    *, plan: PaymentPlan, reason: str, by: User, token: uuid.UUID, as_of: date | None = None
) -> PlanCancellation:
    """A Supervisor ends a plan for `reason` (the taxpayer withdrew, it defaulted and will not
    be cured, its bills must be waived or adjusted before a new plan), as of `as_of` (today by
    default): its bills then owe as if there had been no plan (what its payments paid stays
    paid; its late charges paid stay paid), and may join a new plan. Posts nothing; cannot be
    undone. Idempotent on `token`: the same form again returns the first cancellation.

    Raises BillingError when `by` is not a Supervisor, the reason is missing, or the plan is
    completed or already cancelled."""
    if not by.has_perm("billing.enroll_payment_plan"):
        raise BillingError("Only a Supervisor cancels a payment plan.")
    reason = reason.strip()
    if not reason:
        raise BillingError("Say why the plan is cancelled; the reason is kept with the plan.")
    if contains_card_number(reason):
        raise BillingError("That reason looks like it holds a full card number: never type one.")
    with transaction.atomic():
        locked = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
        # Under the plan's lock: a double submit waits for the first and finds it.
        earlier = PlanCancellation.objects.filter(token=token).first()
        if earlier is not None:
            if earlier.plan_id != locked.pk:
                raise BillingError("This form was already used for another plan; start again.")
            return earlier
        if locked.status != PaymentPlan.Status.ACTIVE:
            raise BillingError(
                f"Payment plan {locked.number} is {locked.get_status_display().lower()}: "
                "only an active plan is cancelled."
            )
        PaymentPlan.objects.filter(pk=locked.pk).update(status=PaymentPlan.Status.CANCELLED)
        return PlanCancellation.objects.create(
            plan=locked,
            reason=reason[:300],
            cancelled_on=as_of or timezone.localdate(),
            cancelled_by=by,
            token=token,
        )


def plan_money_record(*, charges: Sequence[PlanCharge], payments: Sequence[PlanPayment]) -> None:
    """Keep the late charges a plan payment assessed and what it applied to each of the plan's
    bills (rows built by payments.services, their entry set). Append-only."""
    PlanCharge.objects.bulk_create(charges)
    PlanPayment.objects.bulk_create(payments)


def plan_money_undo(*, entry: JournalEntry, undone_by: JournalEntry) -> list[PlanCharge]:
    """A refund or returned check took back what `entry` (a payment's) applied to plans: its
    plan payments and late charges no longer count. Returns the late charges, which the
    caller takes back off the bills (a void needs none of this: the reversed entry says so)."""
    charges = list(PlanCharge.objects.filter(entry=entry, undone_by__isnull=True))
    PlanCharge.objects.filter(entry=entry, undone_by__isnull=True).update(undone_by=undone_by)
    PlanPayment.objects.filter(entry=entry, undone_by__isnull=True).update(undone_by=undone_by)
    return charges


def plan_money_returned(
    *,
    undone: Sequence[PlanPayment],
    undone_by: JournalEntry,
    standing: Sequence[PlanPayment],
    charges: Sequence[PlanCharge],
) -> None:
    """A returned check (`undone_by`, its entry) took back part or all of what a payment
    applied to plans: the plan payments `undone` no longer count, `standing` (new rows, same
    payment entry and day) say what still stands of them, and the late charges `charges` (of
    plans of which nothing stands, taken back off the bills by the caller) no longer count.
    Append-only, like the rest of a plan's money."""
    PlanPayment.objects.filter(pk__in=[row.pk for row in undone], undone_by__isnull=True).update(
        undone_by=undone_by
    )
    PlanPayment.objects.bulk_create(standing)
    PlanCharge.objects.filter(pk__in=[c.pk for c in charges], undone_by__isnull=True).update(
        undone_by=undone_by
    )


def plans_status_sync(*, bill_ids: Iterable[int]) -> None:
    """After a payment or its void: an active plan of these bills whose bills are all paid is
    completed; a completed one with a bill owing again (a void) is active again."""
    plan_ids = set(
        PlanBill.objects.filter(
            bill_id__in=list(bill_ids),
            plan__status__in=[PaymentPlan.Status.ACTIVE, PaymentPlan.Status.COMPLETED],
        ).values_list("plan_id", flat=True)
    )
    for plan in PaymentPlan.objects.filter(pk__in=plan_ids).order_by("pk"):
        owing = Bill.objects.filter(plan_bills__plan=plan, balance__gt=0).exists()
        status = PaymentPlan.Status.ACTIVE if owing else PaymentPlan.Status.COMPLETED
        if plan.status != status:
            PaymentPlan.objects.filter(pk=plan.pk).update(status=status)
