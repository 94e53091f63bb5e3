"""Every write at the counter, one module per concern: drawers, the cart and its tenders, the
planning of each item, posting a visit, plans, voids, refunds, returned checks and approvals.
Each action is one transaction and posts through `ledger.services.post`. The names callers
import from `payments.services` are re-exported here unchanged."""

from payments.services.approvals import (
    approval_decide,
    approval_request,
    payment_review,
    receipt_reprint_count,
)
from payments.services.common import (
    MAX_CHANGE,
    MAX_QUANTITY,
    TENDER_ACCOUNTS,
    PaymentSource,
    _accounts,
    _approval_checked,
    _is_approver,
    _is_trainee,
    _money,
    check_writer_refused,
    database_refusal,
    database_refusal_explained,
    refuse_card_numbers,
)
from payments.services.drawers import (
    DEFAULT_POLICIES,
    cash_movement_record,
    counter_setup_seed,
    drawer_open,
)
from payments.services.items import BillItem, FeeItem, PlanItem, TenderIn, _Planned, cart_digest
from payments.services.planning import _bill_planned, fee_item_check
from payments.services.posting import payment_record, receipt_number_next
from payments.services.refunds import credit_refund, payment_refund
from payments.services.returned_checks import returned_check_record
from payments.services.reversals import business_days_after, check_clears_on, payment_void
from payments.services.tenders import _tenders_checked, tender_check

__all__ = [
    "DEFAULT_POLICIES",
    "MAX_CHANGE",
    "MAX_QUANTITY",
    "TENDER_ACCOUNTS",
    "BillItem",
    "FeeItem",
    "PaymentSource",
    "PlanItem",
    "TenderIn",
    "_Planned",
    "_accounts",
    "_approval_checked",
    "_bill_planned",
    "_is_approver",
    "_is_trainee",
    "_money",
    "_tenders_checked",
    "approval_decide",
    "approval_request",
    "business_days_after",
    "cart_digest",
    "cash_movement_record",
    "check_clears_on",
    "check_writer_refused",
    "counter_setup_seed",
    "credit_refund",
    "database_refusal",
    "database_refusal_explained",
    "drawer_open",
    "fee_item_check",
    "payment_record",
    "payment_refund",
    "payment_review",
    "payment_void",
    "receipt_number_next",
    "receipt_reprint_count",
    "refuse_card_numbers",
    "returned_check_record",
    "tender_check",
]
