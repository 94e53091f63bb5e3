"""STUB FOR THE DAY-CLOSE TESTS ONLY, until helper A's drawer close and helper B's safe count
services land: switch `drawer_close_stub` to reconciliation.services.drawer_close (and its
sign-off) and `safe_count_stub` to the safe count service at merge.

`drawer_close_stub` posts the same kind of entry the close service posts (source
'drawer_close'): what the drawer's ledger lines hold on 1000/1010/1020 leaves it, the counted
cash goes to the safe (1035) less the float back to the change fund (1030), checks to 1036, the
card batch to office-level card clearing, the difference to 5000; then it records a DrawerClose
and marks the drawer closed. `safe_count_stub` records a SafeCount that finds what the ledger
says."""

import uuid
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from ledger.models import Account, JournalLine
from ledger.money import ZERO
from ledger.services import Line, post
from payments.models import Drawer
from reconciliation.models import DrawerClose, SafeCount


def _held(drawer: Drawer, code: str) -> Decimal:
    total = JournalLine.objects.filter(drawer_id=drawer.pk, account__code=code).aggregate(
        t=Sum("amount")
    )["t"]
    return total or ZERO


def drawer_close_stub(
    drawer: Drawer,
    *,
    by,
    counted_cash: Decimal | None = None,
    day: date | None = None,
) -> DrawerClose:
    """Close `drawer` (live) as counted: `counted_cash` defaults to what the drawer holds."""
    day = day or timezone.localdate()
    codes = {
        a.code: a
        for a in Account.objects.filter(
            code__in=["1000", "1010", "1020", "1030", "1035", "1036", "5000"]
        )
    }
    cash, checks, card = _held(drawer, "1000"), _held(drawer, "1010"), _held(drawer, "1020")
    counted = cash if counted_cash is None else counted_cash
    float_back = min(drawer.opening_float, counted)
    over_short = counted - cash
    office = drawer.office_id
    candidates = [
        Line(codes["1000"], -cash, "Drawer closed", drawer_id=drawer.pk),
        Line(codes["1010"], -checks, "Drawer closed", drawer_id=drawer.pk),
        Line(codes["1020"], -card, "Drawer closed", drawer_id=drawer.pk),
        Line(codes["1020"], card, "Card batch"),
        Line(codes["1030"], float_back, "Float back", office_id=office),
        Line(codes["1035"], counted - float_back, "Cash to safe", office_id=office),
        Line(codes["1036"], checks, "Checks to safe", office_id=office),
        Line(codes["5000"], -over_short, "Over/short"),
    ]
    lines = [line for line in candidates if line.amount]
    entry = None
    if lines:
        entry = post(
            entry_date=day,
            memo=f"Drawer {drawer.pk} closed (test stub)",
            source="drawer_close",
            by=by,
            lines=lines,
        )
    close = DrawerClose.objects.create(
        drawer=drawer,
        status=DrawerClose.Status.CLOSED,
        counted_by=by,
        counted_cash=counted,
        counted_checks=checks,
        card_batch_total=card,
        expected_cash=cash,
        expected_checks=checks,
        expected_card=card,
        float_returned=float_back,
        entry=entry,
        closed_at=timezone.now(),
        business_date=day,
        token=uuid.uuid4(),
    )
    Drawer.objects.filter(pk=drawer.pk).update(
        status=Drawer.Status.CLOSED, closed_at=timezone.now()
    )
    drawer.refresh_from_db()
    return close


def safe_count_stub(office, *, by, witness, day: date | None = None) -> SafeCount:
    """A safe count that finds what the ledger says the office's safe holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.code, coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.office_id = %s AND a.code IN ('1030', '1035', '1036')
                GROUP BY a.code""",
            [office.pk],
        )
        held = dict(cursor.fetchall())
    return SafeCount.objects.create(
        office=office,
        business_date=day or timezone.localdate(),
        counted_by=by,
        witness=witness,
        cash_counted=held.get("1035", ZERO),
        cash_expected=held.get("1035", ZERO),
        change_fund_counted=held.get("1030", ZERO),
        change_fund_expected=held.get("1030", ZERO),
        checks_counted=held.get("1036", ZERO),
        checks_expected=held.get("1036", ZERO),
        token=uuid.uuid4(),
    )
