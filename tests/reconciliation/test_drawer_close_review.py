"""Review of issue 9's drawer close (reviewer RA): faults replayed from POS and accounting bug
reports, each pinned by a test that failed before its fix."""

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from weasyprint import HTML

from payments.errors import NotReversible
from payments.selectors import custody_held
from payments.services import returned_check_record
from reconciliation.errors import CloseError
from reconciliation.models import DrawerClose
from reconciliation.selectors_closing import close_report
from reconciliation.services import (
    ExtraCheck,
    drawer_close_count,
    drawer_close_sign_off,
    drawer_reopen,
)
from tests.reconciliation.conftest import check, issue, new_user, open_drawer, pay

D = Decimal


def close_with(drawer, clerk, supervisor, ticked) -> DrawerClose:
    return drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 10, "Quarters": 40},
        checks=ticked,
        card_batch_total=D("0.00"),
        stock={},
        by=clerk,
        received_by=supervisor,
        token=uuid.uuid4(),
    )


def other_checks_in_the_safe(office, supervisor, dana) -> None:
    """Another clerk's drawer closes with a $200 check: the office's safe holds more checks
    than one drawer's, so PostgreSQL's floor (CU001) alone does not catch a wrong credit."""
    other = new_user("clerk-other")
    till = open_drawer(other, office, number=2)
    paid = pay(till, other, issue(dana, other, amount="200.00"), check("200.00", "9001"))
    close_with(till, other, supervisor, [paid.tenders.get().pk])


def test_a_drawer_whose_check_was_returned_from_the_safe_is_not_reopened(
    drawer, clerk, supervisor, office, dana
):
    """Reopening reverses the close: it would put back into the drawer (1010) a check the bank
    already returned and the safe no longer holds, leaving the drawer a phantom check that no
    receipt lets the clerk tick at the next close."""
    other_checks_in_the_safe(office, supervisor, dana)
    first = pay(drawer, clerk, issue(dana, clerk, amount="80.00"), check("80.00", "3001"))
    second = pay(drawer, clerk, issue(dana, clerk, amount="50.00"), check("50.00", "3002"))
    tenders = [first.tenders.get(), second.tenders.get()]
    close = close_with(drawer, clerk, supervisor, [t.pk for t in tenders])
    assert close.status == DrawerClose.Status.CLOSED
    returned_check_record(payment=first, check=tenders[0], reason="NSF", by=supervisor)
    assert custody_held(office, "1036") == D("250.00")

    with pytest.raises(CloseError, match="3001"):
        drawer_reopen(drawer=drawer, by=supervisor, reason="Recount", token=uuid.uuid4())

    assert custody_held(office, "1036") == D("250.00")
    call_command("ledger_verify")


def test_a_check_missing_at_the_close_is_not_taken_back_from_the_safe(
    drawer, clerk, supervisor, office, dana
):
    """A check the clerk could not find at the close never reached the safe (its amount went to
    over/short): a returned check must not credit the safe (1036) for it, draining other
    drawers' checks on the books."""
    other_checks_in_the_safe(office, supervisor, dana)
    lost = pay(drawer, clerk, issue(dana, clerk, amount="80.00"), check("80.00", "3001"))
    kept = pay(drawer, clerk, issue(dana, clerk, amount="50.00"), check("50.00", "3002"))
    close = drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 10, "Quarters": 40},
        checks=[kept.tenders.get().pk],
        card_batch_total=D("0.00"),
        stock={},
        by=clerk,
        token=uuid.uuid4(),
    )
    assert close.over_short == D("-80.00")
    drawer_close_sign_off(close=close, by=supervisor, reason="Check 3001 lost")
    assert custody_held(office, "1036") == D("250.00")

    with pytest.raises(NotReversible, match="missing"):
        returned_check_record(payment=lost, check=lost.tenders.get(), reason="NSF", by=supervisor)

    assert custody_held(office, "1036") == D("250.00")
    call_command("ledger_verify")


def _right_edge(box) -> float:
    edge = (box.position_x or 0) + (box.width or 0) if hasattr(box, "width") else 0
    return max([edge, *(_right_edge(c) for c in getattr(box, "children", None) or [])])


def test_a_long_payer_name_stays_on_the_close_report_pdf(drawer, clerk, supervisor):
    """Review: a 200-character payer typed without spaces widened the checks table past the
    page, cutting off the amount column of the printed close report."""
    close = close_with(
        drawer, clerk, supervisor, [ExtraCheck("12345678901", "W" * 200, D("1234.56"))]
    )
    html = render_to_string("pdf/drawer_close.html", {"report": close_report(close)})

    page = HTML(string=html).render().pages[0]

    assert _right_edge(page._page_box) <= page.width
