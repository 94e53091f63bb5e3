"""Tenders as kept: cash, checks, cards and credit on account, checked before posting."""

import re
from collections.abc import Sequence
from decimal import Decimal

from billing.models import Customer
from billing.selectors import customer_credit
from ledger.money import format_money
from payments.errors import PaymentError
from payments.models import Tender, TenderKind
from payments.services.common import _money, refuse_card_numbers
from payments.services.items import TenderIn, _Planned


def _tenders_checked(tenders: Sequence[TenderIn]) -> list[Tender]:
    if not tenders:
        raise PaymentError("Add how the customer pays: cash, check or card.")
    checked = []
    for number, tender in enumerate(tenders, start=1):
        if tender.kind not in TenderKind.values:
            raise PaymentError(
                f"Tender {number}: {tender.kind!r} is not cash, check, card or credit on account."
            )
        label = TenderKind(tender.kind).label
        amount = _money(tender.amount, f"Tender {number} ({label.lower()})")
        for text in (
            tender.check_number,
            tender.check_payer,
            tender.authorization_code,
            tender.terminal_reference,
        ):
            refuse_card_numbers(text)
        row = Tender(kind=tender.kind, amount=amount)
        if tender.kind == TenderKind.CHECK:
            number_text = tender.check_number.strip()
            if not re.fullmatch(r"[0-9]{1,12}", number_text):
                raise PaymentError(f"Tender {number}: the check number is its digits (up to 12).")
            row.check_number = number_text
            row.check_payer = tender.check_payer.strip()[:200]
        elif tender.kind == TenderKind.CARD:
            if tender.card_brand not in Tender.Brand.values:
                raise PaymentError(f"Tender {number}: choose the card brand.")
            last4 = tender.card_last4.strip()
            if not re.fullmatch(r"[0-9]{4}", last4):
                raise PaymentError(
                    f"Tender {number}: the card's last four digits are exactly 4 digits."
                )
            code = tender.authorization_code.strip().upper()
            if not re.fullmatch(r"[A-Z0-9]{1,12}", code):
                raise PaymentError(
                    f"Tender {number}: the terminal's authorization code (letters and digits)."
                )
            reference = tender.terminal_reference.strip()
            if not reference or len(reference) > 30:
                raise PaymentError(f"Tender {number}: the terminal's reference (up to 30).")
            row.card_brand, row.card_last4 = tender.card_brand, last4
            row.authorization_code, row.terminal_reference = code, reference
        checked.append(row)
    return checked


def tender_check(tender: TenderIn) -> Tender:
    """The tender as it would be kept, or the error the post would give."""
    return _tenders_checked([tender])[0]


def _credit_tender_checked(
    spent: Decimal, customer: Customer | None, training: bool, planned: list[_Planned]
) -> None:
    """Credit on account may pay what is owed, up to what the customer holds: checked under a
    lock on the customer's row (which the database's credit trigger takes too)."""
    if training:
        raise PaymentError("Credit on account is live money: it is not spent in training mode.")
    if customer is None:
        raise PaymentError("Credit on account belongs to a customer: add one of their bills.")
    if any(plan.item.credit for plan in planned):
        raise PaymentError("Credit on account pays what is owed: it cannot pay an overpayment too.")
    Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).first()
    held = customer_credit(customer)
    if spent > held:
        raise PaymentError(
            f"{customer.name} holds {format_money(held)} of credit on account; "
            f"{format_money(spent)} of it cannot be applied."
        )
