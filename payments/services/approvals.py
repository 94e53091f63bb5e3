"""Supervisors' approval queue, trainee reviews and receipt reprints."""

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ledger.money import format_money
from payments.errors import ApprovalRequired, NoOpenDrawer, NotReversible, PaymentError
from payments.models import ApprovalRequest, Drawer, Payment, PaymentReversal
from payments.services.common import (
    _approval_checked,
    _is_approver,
    _money,
    _reason_checked,
    database_refusal_explained,
    refuse_card_numbers,
)
from payments.services.refunds import payment_refund
from payments.services.reversals import (
    _standing_refused,
    _taken_back,
    _void_asker_refused,
    payment_void,
)


def approval_request(
    *,
    payment: Payment,
    kind: str,
    reason: str,
    by: User,
    refund_drawer: Drawer | None = None,
    amount: Decimal | None = None,
    by_city_check: bool = False,
) -> ApprovalRequest:
    """Put a void or refund in the Supervisors' queue. A refund is paid out of `refund_drawer`,
    or (`by_city_check`) by a city check the deciding Supervisor writes once the customer's
    check has cleared; `amount` refunds a part (None: all that stands). A void is asked for
    only by the clerk whose drawer took the payment (or a Supervisor): NotReversible else."""
    reason = _reason_checked(reason)
    if kind not in (PaymentReversal.Kind.VOID, PaymentReversal.Kind.REFUND):
        raise PaymentError("Only voids and refunds wait for approval.")
    if kind == PaymentReversal.Kind.VOID and (amount is not None or by_city_check):
        raise PaymentError("A void takes back the whole receipt; a part is refunded.")
    if kind == PaymentReversal.Kind.REFUND and refund_drawer is None and not by_city_check:
        raise NoOpenDrawer("Open a drawer first: the refund is paid out of it.")
    if amount is not None:
        amount = _money(amount, "The amount to refund")
    with database_refusal_explained("request"), transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        _standing_refused(locked)
        if kind == PaymentReversal.Kind.VOID:
            _void_asker_refused(locked, by)
        standing = locked.total - _taken_back(locked)
        if amount is not None and amount > standing:
            raise NotReversible(
                f"Only {format_money(standing)} of receipt {locked.receipt_number} stands; "
                f"{format_money(amount)} cannot be refunded."
            )
        pending = ApprovalRequest.objects.filter(
            payment=locked, status=ApprovalRequest.Status.PENDING
        ).first()
        if pending is not None:
            return pending
        return ApprovalRequest.objects.create(
            payment=locked,
            kind=kind,
            reason=reason,
            requested_by=by,
            refund_drawer=None if by_city_check else refund_drawer,
            amount=amount,
            by_city_check=by_city_check,
        )


def approval_decide(
    *,
    request: ApprovalRequest,
    approve: bool,
    by: User,
    note: str = "",
    city_check_number: str = "",
) -> ApprovalRequest:
    """A Supervisor other than the one who asked (dual control, unless the office allows
    self-approval) approves, and the void or refund is done at once, or rejects a request.
    A refund by city check is approved with the city check's number, once the customer's check
    has cleared. Raises ApprovalRequired, NotReversible, PaymentError."""
    if not _is_approver(by):
        raise ApprovalRequired("Only a Supervisor decides approval requests.")
    refuse_card_numbers(note)
    if approve and request.by_city_check and not city_check_number.strip():
        raise PaymentError("Give the number of the city check that pays this refund.")
    with database_refusal_explained("decision"), transaction.atomic():
        # The same lock order as a void or refund at the counter (drawers by id, the payment,
        # then its requests), so that the two never wait on each other in a circle.
        drawer_ids = sorted(
            pk for pk in (request.payment.drawer_id, request.refund_drawer_id) if pk is not None
        )
        list(Drawer.objects.select_for_update().filter(pk__in=drawer_ids).order_by("pk"))
        Payment.objects.select_for_update().get(pk=request.payment_id)
        locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ApprovalRequest.Status.PENDING:
            raise NotReversible("That request has already been decided.")
        if approve:
            _approval_checked(
                locked.requested_by, by, locked.get_kind_display().lower(), locked.payment.office
            )
            if locked.kind == PaymentReversal.Kind.VOID:
                payment_void(
                    payment=locked.payment,
                    reason=locked.reason,
                    by=locked.requested_by,
                    approved_by=by,
                )
            else:
                payment_refund(
                    payment=locked.payment,
                    reason=locked.reason,
                    by=locked.requested_by,
                    approved_by=by,
                    drawer=locked.refund_drawer,
                    amount=locked.amount,
                    city_check_number=city_check_number if locked.by_city_check else "",
                )
        ApprovalRequest.objects.filter(pk=locked.pk).update(
            status=ApprovalRequest.Status.APPROVED if approve else ApprovalRequest.Status.REJECTED,
            decided_by=by,
            decided_at=timezone.now(),
            decision_note=note.strip()[:300],
        )
        locked.refresh_from_db()
        return locked


def payment_review(*, payment: Payment, by: User) -> Payment:
    """A Supervisor has looked at a trainee's payment."""
    if not by.has_perm("payments.review_payment"):
        raise ApprovalRequired("Only a Supervisor reviews trainees' payments.")
    Payment.objects.filter(pk=payment.pk, reviewed_by__isnull=True).update(
        needs_review=False, reviewed_by=by, reviewed_at=timezone.now()
    )
    payment.refresh_from_db()
    return payment


def receipt_reprint_count(*, payment: Payment) -> int:
    """Count a reprint (printed as COPY); returns how many copies have been printed."""
    Payment.objects.filter(pk=payment.pk).update(reprints=F("reprints") + 1)
    return Payment.objects.values_list("reprints", flat=True).get(pk=payment.pk)
