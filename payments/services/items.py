"""What a visit's cart holds (bills, fees, plans, tenders) and what identifies it."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from billing.models import Customer, PlanCharge, PlanPayment, Property
from ledger.services import Line
from payments.models import Drawer, PaymentItem


@dataclass(frozen=True)
class BillItem:
    """Pay `amount` on a bill. `expected_due` is what the clerk was shown it owed: if it owes
    something else now, nothing is posted and the clerk sees the new amount."""

    bill_id: int
    amount: Decimal
    expected_due: Decimal | None = None


@dataclass(frozen=True)
class FeeItem:
    """Sell a fee type: `quantity` of it, or for a permit a plate and `months` from a start, or
    for the lien search (LienTerms.fee_type) the parcel and the date the certified list of liens
    it issues is good through."""

    fee_type_id: int
    quantity: int = 1
    plate: str = ""
    plate_state: str = ""
    period_start: date | None = None
    months: int | None = None
    parcel_id: int | None = None
    good_through: date | None = None


@dataclass(frozen=True)
class PlanItem:
    """Pay `amount` dollars on a payment plan (RPTL 1184): applied to its bills oldest first,
    after the late interest and charges due. `expected_due` is what the clerk was shown as due
    now: if that changed, nothing is posted."""

    plan_id: int
    amount: Decimal
    expected_due: Decimal | None = None


@dataclass(frozen=True)
class TenderIn:
    kind: str
    amount: Decimal
    check_number: str = ""
    check_payer: str = ""
    card_brand: str = ""
    card_last4: str = ""
    authorization_code: str = ""
    terminal_reference: str = ""


@dataclass
class _Planned:
    """One item worked out under the locks, ready to save."""

    item: PaymentItem
    lines: list[Line] = field(default_factory=list)
    bill_update: dict | None = None
    penalty_rules_assessed: frozenset[int] = frozenset()  # the rules whose events it assesses
    lien_search: tuple[Property, date] | None = None  # the certificate to issue: parcel, date
    # A payment plan's late charges it assesses and what it applies to the plan's bill.
    plan_charges: list[PlanCharge] = field(default_factory=list)
    plan_payment: PlanPayment | None = None


def cart_digest(
    *,
    drawer: Drawer,
    items: Sequence[BillItem | FeeItem | PlanItem],
    tenders: Sequence[TenderIn],
    customer: Customer | None,
    accept_overpayment: bool,
) -> str:
    """What identifies a cart, so the same token with another cart can be told apart."""

    def plain(obj) -> dict:
        data = {k: v for k, v in asdict(obj).items() if k != "expected_due"}
        return {"type": type(obj).__name__, **{k: str(v) for k, v in data.items()}}

    body = {
        "drawer": drawer.pk,
        "customer": customer.pk if customer else None,
        "overpayment": accept_overpayment,
        "items": [plain(item) for item in items],
        "tenders": [plain(tender) for tender in tenders],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
