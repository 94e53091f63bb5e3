"""One cart item worked out under the locks: a bill (penalty -> interest -> principal) or a
fee sale."""

from datetime import date, timedelta
from decimal import Decimal

from billing.errors import BillingError
from billing.liens import good_through_check, lien_terms
from billing.models import Bill, FeeType, Property
from billing.penalties import AmountDue
from billing.selectors import PLATE_RE, fee_price
from cashiering.dates import us_date
from ledger.models import Account
from ledger.money import MAX_AMOUNT, format_money
from ledger.services import Line
from payments.allocation import bill_payment_applied
from payments.errors import PaymentError
from payments.models import Drawer, PaymentItem, PaymentPolicy
from payments.permits import permit_period_end
from payments.selectors import stock_available
from payments.services.common import MAX_QUANTITY, _money
from payments.services.items import BillItem, FeeItem, _Planned
from payments.writer import model_new


def _fee_planned(
    item: FeeItem,
    fee_type: FeeType,
    as_of: date,
    account: Account,
    drawer: Drawer,
    earlier_in_cart: int = 0,
    *,
    lien_fee_type_id: int | None = None,
) -> _Planned:
    name = fee_type.name
    if not fee_type.is_active:
        raise PaymentError(f"{name} is no longer sold.")
    if fee_type.pk == lien_fee_type_id:
        return _lien_search_planned(item, fee_type, as_of, account)
    price = fee_price(fee_type, as_of)
    if price is None:
        raise PaymentError(f"{name} has no price on {us_date(as_of)}; an Admin sets it.")
    quantity = item.quantity
    if not isinstance(quantity, int) or quantity < 1 or quantity > MAX_QUANTITY:
        raise PaymentError(f"{name}: the quantity is a whole number from 1 to {MAX_QUANTITY}.")
    if quantity != 1 and not fee_type.quantity_applies:
        raise PaymentError(f"{name} is sold one at a time.")
    row = PaymentItem(
        kind=PaymentItem.Kind.FEE, fee_type=fee_type, quantity=quantity, unit_price=price
    )
    description = name if quantity == 1 else f"{name} x {quantity}"
    units = quantity
    if fee_type.requires_plate:
        row.plate, row.plate_state = _plate_checked(name, item)
        description += f", plate {row.plate} ({row.plate_state})"
    if fee_type.requires_permit_period:
        start, months = _permit_period_checked(name, item, fee_type, as_of)
        row.period_start, row.period_end = start, permit_period_end(start, months)
        units *= months
        description += (
            f", {months} month{'s' if months > 1 else ''} "
            f"{us_date(row.period_start)} to {us_date(row.period_end)}"
        )
    if fee_type.counted_as_stock:
        left = stock_available(drawer, fee_type) - earlier_in_cart
        if quantity > left:
            raise PaymentError(f"{name}: the drawer holds only {max(left, 0)} more.")
    row.amount = price * units
    if row.amount > MAX_AMOUNT:
        raise PaymentError(f"{name}: that is more than the books can hold.")
    row.description = description[:200]
    return _Planned(item=row, lines=[Line(account, -row.amount, description[:255])])


def _plate_checked(name: str, item: FeeItem) -> tuple[str, str]:
    """The plate (2 to 8 letters and digits, spaces dropped, upper case) and its state (two
    letters, NY when not given) of a fee sold for a vehicle."""
    plate = "".join(item.plate.split()).upper()
    if not PLATE_RE.match(plate):
        raise PaymentError(f"{name}: the plate is 2 to 8 letters and digits.")
    state = (item.plate_state or "NY").strip().upper()
    if len(state) != 2 or not state.isalpha():
        raise PaymentError(f"{name}: the plate's state is two letters.")
    return plate, state


def _permit_period_checked(
    name: str, item: FeeItem, fee_type: FeeType, as_of: date
) -> tuple[date, int]:
    """When a permit starts (a day given, no more than a month before `as_of`) and how many
    months it is sold for (1 to the fee type's most, 12 by default)."""
    months = item.months
    most = fee_type.max_months or 12
    if not isinstance(months, int) or months < 1 or months > most:
        raise PaymentError(f"{name}: sell from 1 to {most} months at once.")
    if item.period_start is None:
        raise PaymentError(f"{name}: say when the permit starts.")
    if item.period_start < as_of - timedelta(days=31):
        raise PaymentError(f"{name}: a permit cannot start more than a month ago.")
    return item.period_start, months


def _lien_search_planned(
    item: FeeItem, fee_type: FeeType, as_of: date, account: Account
) -> _Planned:
    """A lien search: one certified list of liens on a parcel, good through a date, sold like
    any fee (Cr its revenue account); payment_record issues the certificate."""
    name = fee_type.name
    price = fee_price(fee_type, as_of)
    if price is None:
        raise PaymentError(f"{name} has no price on {us_date(as_of)}; an Admin sets it.")
    if item.quantity != 1:
        raise PaymentError(f"{name} is sold one certificate at a time.")
    parcel = Property.objects.filter(pk=item.parcel_id).first() if item.parcel_id else None
    if parcel is None or item.good_through is None:
        raise PaymentError(
            f"{name}: sell it from the Lien search form, with the parcel and the good-through date."
        )
    try:
        good_through_check(good_through=item.good_through, issued_on=as_of)
    except BillingError as exc:
        raise PaymentError(f"{name}: {exc}") from None
    description = (
        f"{name}, parcel {parcel.parcel_number}, good through {us_date(item.good_through)}"
    )[:200]
    row = PaymentItem(
        kind=PaymentItem.Kind.FEE,
        fee_type=fee_type,
        quantity=1,
        unit_price=price,
        amount=price,
        description=description,
    )
    return _Planned(
        item=row,
        lines=[Line(account, -price, description[:255])],
        lien_search=(parcel, item.good_through),
    )


def fee_item_check(*, item: FeeItem, as_of: date, drawer: Drawer) -> tuple[str, Decimal]:
    """What a fee item will be described as and cost, or the error the post would give."""
    fee_type = FeeType.objects.select_related("revenue_account").filter(pk=item.fee_type_id).first()
    if fee_type is None:
        raise PaymentError("That fee is not sold here.")
    plan = _fee_planned(
        item,
        fee_type,
        as_of,
        fee_type.revenue_account,
        drawer,
        lien_fee_type_id=lien_terms().fee_type_id,
    )
    return plan.item.description, plan.item.amount


def _bill_policy_breaches(
    bill: Bill,
    due: AmountDue,
    policy: PaymentPolicy | None,
    amount: Decimal,
    pay: Decimal,
    accept_overpayment: bool,
    trainee_overpay_needs_approval: bool,
) -> list[str]:
    """What paying `amount` (of which `pay` goes to the bill) breaches: a part payment or an
    overpayment the policy refuses, a trainee's overpayment. An overpayment not accepted is
    refused outright."""
    breaches = []
    if pay < due.total and policy is not None and not policy.partial_allowed:
        breaches.append(
            f"{policy.get_applies_to_display()} are paid in full: bill {bill.number} owes "
            f"{format_money(due.total)}."
        )
    if amount > pay:
        if not accept_overpayment:
            raise PaymentError(
                f"{format_money(amount)} is more than bill {bill.number} owes "
                f"({format_money(due.total)}). Pay what is owed, or keep the rest as a credit."
            )
        if policy is not None and not policy.overpayment_allowed:
            breaches.append(
                f"Overpayments are not taken on {policy.get_applies_to_display().lower()}."
            )
        if trainee_overpay_needs_approval:
            breaches.append("A trainee's overpayment needs a Supervisor.")
    return breaches


def _bill_planned(
    item: BillItem,
    bill: Bill,
    due,
    policy: PaymentPolicy | None,
    accounts: dict[str, Account],
    training: bool,
    accept_overpayment: bool,
    breaches: list[str],
    *,
    trainee_overpay_needs_approval: bool,
    credit_customer_id: int | None,
) -> _Planned:
    """A bill item worked out against what the bill owes (`due`, as of the payment date): paid
    penalty → interest → principal, the rest an overpayment kept as credit when accepted; the
    policy's breaches are added to `breaches`. Shared with the remittance batches."""
    amount = _money(item.amount, f"The amount to pay on bill {bill.number}")
    pay = min(amount, due.total)
    breaches += _bill_policy_breaches(
        bill, due, policy, amount, pay, accept_overpayment, trainee_overpay_needs_approval
    )
    applied = bill_payment_applied(
        bill,
        due,
        amount,
        accounts,
        bill_ref=None if training else bill.pk,
        credit_customer_id=credit_customer_id,
    )
    row = model_new(PaymentItem, bill_id=bill.pk, **applied.item)
    row._state.fields_cache["bill"] = bill  # the bill as locked, not read again
    return _Planned(
        item=row,
        lines=applied.lines,
        bill_update=applied.bill_update,
        penalty_rules_assessed=due.new_penalty_rules,
    )
