"""Small rules the counter's services share: amounts, card numbers, roles and dual control,
the accounts, and the database's refusals in a clerk's words."""

import copy
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.models import Model, signals
from django.db.models.base import ModelState

from cashiering.people import person_name
from ledger.cards import contains_card_number
from ledger.chart import CARD_CLEARING, CASH_IN_DRAWER, CHECKS_IN_DRAWER
from ledger.models import Account
from ledger.money import MAX_AMOUNT, format_money, is_whole_cents
from ledger.reference import Reference, reference_accounts, reference_loader
from payments.errors import ApprovalRequired, PaymentError
from payments.models import CheckWriterFlag, Office, PaymentPolicy, TenderKind, check_writer_key


class PaymentSource:
    """`JournalEntry.source` of the counter's entries."""

    DRAWER_OPEN = "drawer_open"
    CASH_DROP = "cash_drop"
    CASH_PICKUP = "cash_pickup"
    PAYMENT = "payment"
    REFUND = "payment_refund"
    RETURNED_CHECK = "returned_check"
    CREDIT_REFUND = "credit_refund"


TENDER_ACCOUNTS = {
    TenderKind.CASH: CASH_IN_DRAWER,
    TenderKind.CHECK: CHECKS_IN_DRAWER,
    TenderKind.CARD: CARD_CLEARING,
}


MAX_QUANTITY = 1000


# Change above the largest note means the cash tendered was mistyped ($4,000 for $40.00).
MAX_CHANGE = Decimal("100.00")


def _accounts(*codes: str, reference: Reference | None = None) -> dict[str, Account]:
    """The accounts with these codes, by code: from `reference` (the reference cache, as fresh
    copies) when the caller holds one, else read."""
    if reference is not None:
        return reference_accounts(reference, *codes)
    return {a.code: a for a in Account.objects.filter(code__in=codes)}


@reference_loader("payments.policies")
def _policies_load() -> MappingProxyType[str, PaymentPolicy]:
    return MappingProxyType({p.applies_to: p for p in PaymentPolicy.objects.all()})


def _policies(reference: Reference) -> dict[str, PaymentPolicy]:
    """The payment policies by what they apply to, as fresh copies, from the reference cache."""
    return {key: copy.copy(policy) for key, policy in reference["payments.policies"].items()}


def _select_list(model: type[Model], alias: str) -> str:
    """Every concrete column of `model` under `alias`, in field order: a hand-written SELECT of
    a hot path reads whole rows as the ORM would, and follows the model's fields."""
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


@functools.cache
def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _from_row[M: Model](model: type[M], row: Sequence[Any], start: int) -> tuple[M, int]:
    """The `model` instance whose columns (as _select_list gives them) start at `row[start]`,
    built as the ORM builds a fetched row (Model.from_db), and where the next columns start."""
    names = _attnames(model)
    end = start + len(names)
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model.from_db(DEFAULT_DB_ALIAS, names, row[start:end]), end
    # What from_db gives for a whole row, without Model.__init__'s per-field work (a third of
    # the time of a remittance batch's bills): the values by attname, the state of a fetched row.
    obj = model.__new__(model)
    obj.__dict__.update(zip(names, row[start:end], strict=True))
    state = obj._state = ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    return obj, end


def _money(value, what: str) -> Decimal:
    """A positive amount of whole cents that the books can hold, or a clear error."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise PaymentError(f"{what}: {value!r} is not an amount of money.") from None
    if not amount.is_finite():
        raise PaymentError(f"{what}: {value!r} is not an amount of money.")
    if amount <= 0:
        raise PaymentError(f"{what} must be more than $0.00.")
    if not is_whole_cents(amount):
        raise PaymentError(f"{what}: {amount} is not a whole number of cents.")
    if amount > MAX_AMOUNT:
        raise PaymentError(f"{what}: {format_money(amount)} is more than the books can hold.")
    return amount.quantize(Decimal("0.01"))


def refuse_card_numbers(text: str) -> None:
    """A full card number is never taken, in any field (the forms say so first)."""
    if contains_card_number(text):
        raise PaymentError(
            "That looks like a full card number: never type one. The terminal charges the card; "
            "record only its brand and last four digits."
        )


def _is_approver(user: User | None) -> bool:
    return user is not None and user.is_active and user.has_perm("payments.approve_payment")


def _is_trainee(user: User) -> bool:
    """Trainees take payments under supervision: they lack `work_unsupervised`. A permission,
    not a group lookup, so that Django's per-user permission cache answers it."""
    return not user.has_perm("payments.work_unsupervised")


# Names of the database's rules as a clerk would say them; any other refusal gets a plain
# sentence too. Never the database's own text: it names tables and may quote values.
_DATABASE_RULES = {
    "bill_parts_not_negative": "a bill's penalty, interest or principal would fall below $0.00",
    "bill_balance_is_its_parts": "a bill's balance would no longer equal its parts",
    "movement_positive": "an amount must be more than $0.00",
    "one_void_per_payment": "the receipt has been voided already",
    "one_pending_request_per_payment": "a request for this receipt is already waiting",
}


# SQLSTATEs of our own triggers (payments 0030, reconciliation's day close).
_DATABASE_STATES = {
    "DR001": "the drawer is closed and takes no posting; a Supervisor may reopen it",
    "CU001": "the change fund, the safe or the deposits in transit would hold less than nothing",
    "DC001": "the office's day is closed and signed off; post on the next business day",
}


def database_refusal(action: str, exc: DatabaseError) -> PaymentError:
    """The message for a refusal by PostgreSQL during a money action (a check constraint, a
    trigger, a deadlock, a unique key raced in from another window): what a clerk can act on,
    never the database's own text (it names tables and may quote values)."""
    diag = getattr(exc.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    pgcode = getattr(exc.__cause__, "pgcode", None) or ""
    rule = _DATABASE_STATES.get(pgcode) or _DATABASE_RULES.get(
        constraint, "it breaks one of the books' rules"
    )
    return PaymentError(
        f"The books refused this {action}, so nothing was saved: {rule}. Reload the page and "
        "look at the receipt and its bills again; ask a Supervisor if it happens again."
    )


@contextmanager
def database_refusal_explained(action: str) -> Iterator[None]:
    """Turn any refusal by PostgreSQL inside the block into a PaymentError the page shows, never
    an HTTP 500 (issue 8 §9). Nothing was saved: the action's transaction was rolled back.
    Refusals the ledger already names (a closed period, an unbalanced entry) pass through as
    the domain errors they are."""
    try:
        yield
    except DatabaseError as exc:
        raise database_refusal(action, exc) from exc


def _reason_checked(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise PaymentError("Say why; the reason is kept with the record.")
    refuse_card_numbers(reason)
    return reason


def _approval_checked(by: User, approved_by: User | None, what: str, office: Office) -> User:
    """Dual control: a Supervisor approves, and not the person who asked, unless the office
    allows self-approval (`Office.allow_self_approval`, where one Supervisor works alone).
    Raises ApprovalRequired."""
    if approved_by is None or not _is_approver(approved_by):
        raise ApprovalRequired(f"A {what} needs a Supervisor's approval.")
    if approved_by.pk == by.pk and not office.allow_self_approval:
        raise ApprovalRequired(
            f"A {what} needs a second person: a Supervisor other than the one who asks for it "
            f"({person_name(by)}) approves it."
        )
    return approved_by


def check_writer_refused(names: Sequence[str]) -> str | None:
    """The first of `names` (a check's payer, the visit's payer) that wrote a check the bank
    returned, or None. The flag follows the name on the check, whichever customer record a
    visit is under."""
    keys = {check_writer_key(name): name for name in names if check_writer_key(name)}
    if not keys:
        return None
    flagged = CheckWriterFlag.objects.filter(name_key__in=list(keys)).values_list(
        "name_key", flat=True
    )
    return next((keys[key] for key in flagged), None)
