"""How a payment on a bill is applied: the one rule the counter (payments.services.planning)
and the remittance batches (payments.services.remittance) both use, so a bill paid at the
window and the same bill paid by mail come out the same to the cent.

The order of application is the office's, for every bill type (docs/payments.md): penalty first,
then interest, then principal; what is paid beyond what the bill owes is an overpayment kept
as the customer's credit (2100 Customer credits) when the caller accepts it. The penalty and
interest that are due as of the payment date but not yet on the books are assessed in the
same entry (Dr the bill's receivable, Cr 4900 Penalties and interest), as the counter has
always done (billing.penalties.compute_amount_due gives them)."""

from dataclasses import dataclass
from decimal import Decimal

from billing.models import Bill, BillType
from billing.penalties import AmountDue
from billing.services import PENALTY_INTEREST_ACCOUNT_CODE
from ledger.chart import CUSTOMER_CREDITS
from ledger.models import Account
from ledger.services import Line
from payments.models import PaymentItem

# The bill types' labels, read once: a choices display per item was a tenth of a batch's time.
_TYPE_LABELS: dict[str, str] = {value: str(label) for value, label in BillType.choices}


@dataclass(frozen=True, slots=True)
class BillApplied:
    """One payment applied to one bill.

    - `item`: the PaymentItem's values by attname (kind, description, amount, what was
      assessed and paid of each part, credit, balance_after, the counts before); the caller
      adds the bill and the payment.
    - `lines`: the bill's ledger lines (the assessment, the payment, the overpayment).
    - `bill_update`: the bill's new principal, penalty, interest and total balances and its
      interest months assessed (payments.writer.bills_update's columns).

    Amounts are Decimal dollars."""

    item: dict
    lines: list[Line]
    bill_update: dict
    pay: Decimal  # what goes to the bill (the rest of the amount is `item['credit']`)


def bill_payment_applied(
    bill: Bill,
    due: AmountDue,
    amount: Decimal,
    accounts: dict[str, Account],
    *,
    bill_ref: int | None,
    credit_customer_id: int | None,
) -> BillApplied:
    """Apply `amount` (Decimal dollars, positive, whole cents: the caller has checked it) to
    `bill`, which owes `due` as of the payment date: penalty, then interest, then principal;
    anything over what is owed is a credit to `credit_customer_id` (the caller decides first
    whether an overpayment is taken at all). `accounts` holds 4900 and 2100 by code;
    `bill_ref` is the bill id the receivable lines name (None in the training book).
    Raises nothing: every refusal is the caller's, before this."""
    pay = amount if amount < due.total else due.total
    credit = amount - pay
    penalty_paid = pay if pay < due.penalty else due.penalty
    rest = pay - penalty_paid
    interest_paid = rest if rest < due.interest else due.interest
    principal_paid = rest - interest_paid
    number = bill.number
    receivable = bill.receivable_account
    lines: list[Line] = []
    assessed = due.new_penalty + due.new_interest
    if assessed:
        memo = f"Penalty and interest assessed on bill {number}"
        lines += [
            Line(receivable, assessed, memo, bill_ref),
            Line(accounts[PENALTY_INTEREST_ACCOUNT_CODE], -assessed, memo),
        ]
    if pay:
        lines.append(Line(receivable, -pay, f"Paid on bill {number}", bill_ref))
    if credit:
        lines.append(
            Line(
                accounts[CUSTOMER_CREDITS],
                -credit,
                f"Overpayment of bill {number}",
                customer_id=credit_customer_id,
            )
        )
    label = _TYPE_LABELS.get(bill.bill_type, bill.bill_type)
    balance_after = due.total - pay
    item = {
        "kind": PaymentItem.Kind.BILL,
        "description": f"{label} {number}: {bill.description}"[:200],
        "amount": amount,
        "penalty_assessed": due.new_penalty,
        "interest_assessed": due.new_interest,
        "penalty_paid": penalty_paid,
        "interest_paid": interest_paid,
        "principal_paid": principal_paid,
        "credit": credit,
        "balance_after": balance_after,
        "penalty_events_before": len(due.penalty_rules - due.new_penalty_rules),
        "interest_months_before": bill.interest_months_assessed,
    }
    update = {
        "principal_balance": due.principal - principal_paid,
        "penalty_balance": due.penalty - penalty_paid,
        "interest_balance": due.interest - interest_paid,
        "balance": balance_after,
        "interest_months_assessed": due.interest_months,
    }
    return BillApplied(item=item, lines=lines, bill_update=update, pay=pay)
