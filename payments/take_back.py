"""The order in which refunds, voids and returned checks take back what a payment applied: one
definition for the reversals that post it (payments.services) and for the reads that tell what
is left of a sale (payments.selectors: is a lien certificate's fee refunded)."""

from collections.abc import Sequence
from decimal import Decimal

from payments.models import PaymentItem


def take_back_order(items: Sequence[PaymentItem]) -> list[tuple[PaymentItem, str, Decimal]]:
    """What a payment applied, last applied first: overpayment credits (what was left after
    everything else), then each item from the last: a fee sale's amount, or a bill's
    principal, interest and penalty (the reverse of penalty → interest → principal)."""
    order = [(item, "credit", item.credit) for item in reversed(items) if item.bill_id]
    for item in reversed(items):
        if item.fee_type_id is not None:
            order.append((item, "amount", item.amount))
        else:
            order += [
                (item, part, getattr(item, part))
                for part in ("principal_paid", "interest_paid", "penalty_paid")
            ]
    return [(item, part, amount) for item, part, amount in order if amount > 0]
