"""A whole office day through the services (issue 9, Tests): three clerks, one a trainee whose
payments a Supervisor reviews; cash, check and card payments, a void, a refund, a returned
check and a cash drop; one drawer over and one short beyond the tolerance (signed off by another
Supervisor, refused without), every drawer closed blind; the safe counted by two people and a
deposit prepared and verified by two Supervisors. Then the custody page accounts for every
dollar, ledger_verify is clean, the daily report agrees with the ledger and the payment records,
the receipt numbers have no gap, the day signs off and PostgreSQL refuses a posting on it."""

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from ledger.errors import DayClosed as LedgerDayClosed
from ledger.models import Account, Book, JournalLine
from ledger.services import Line, post
from payments.models import Drawer, Payment, Tender, TenderKind
from payments.services import payment_refund, payment_review, payment_void, returned_check_record
from reconciliation.errors import DayNotClosable, DepositError, SignOffRequired
from reconciliation.forms_custody import bank_accounts
from reconciliation.models import DrawerClose
from reconciliation.selectors_custody import checks_in_safe, custody_now
from reconciliation.selectors_daily import CUSTODY_SOURCES, TenderTotals, daily_balancing
from reconciliation.services import (
    CheckPick,
    cash_drop_record,
    day_sign_off,
    deposit_prepare,
    deposit_verify,
    drawer_close_count,
    drawer_close_sign_off,
    safe_count_record,
)
from tests.reconciliation.conftest import (
    card,
    cash,
    check,
    issue,
    new_user,
    open_drawer,
    pay,
)

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
CHANGE_FUND = D("20000.00")  # tests.factories.fund_change_fund
FLOAT = D("210.00")  # open_drawer: 10 twenties and 40 quarters
DRAWER_CODES = ("1000", "1010", "1020")
OFFICE_CODES = ("1030", "1035", "1036", "1040")


def count(drawer, by, counts, *, checks=(), card_total="0.00", received_by=None):
    """The clerk's blind count: only what is in the drawer, nothing of what it should hold."""
    return drawer_close_count(
        drawer=drawer,
        counts=counts,
        checks=list(checks),
        card_batch_total=D(card_total),
        stock={},
        by=by,
        token=uuid.uuid4(),
        received_by=received_by,
    )


def custody_ledger(office) -> Decimal:
    """The ledger's custody accounts of the office, summed straight from the journal lines: the
    drawers' cash, checks and card lines, and the change fund, the safe and deposits in transit
    naming the office."""
    drawers = JournalLine.objects.filter(
        entry__book=Book.LIVE,
        account__code__in=DRAWER_CODES,
        drawer_id__in=Drawer.objects.filter(office=office, training=False).values("pk"),
    ).aggregate(total=Sum("amount"))["total"]
    offices = JournalLine.objects.filter(
        entry__book=Book.LIVE, account__code__in=OFFICE_CODES, office_id=office.pk
    ).aggregate(total=Sum("amount"))["total"]
    return (drawers or D(0)) + (offices or D(0))


def ledger_collections(office, day) -> TenderTotals:
    """What the drawers' tender lines of the day hold in the ledger, custody moves left out."""
    rows = (
        JournalLine.objects.filter(
            entry__book=Book.LIVE,
            entry__entry_date=day,
            account__code__in=DRAWER_CODES,
            drawer_id__in=Drawer.objects.filter(office=office, training=False).values("pk"),
        )
        .exclude(entry__source__in=CUSTODY_SOURCES)
        .values("account__code")
        .annotate(total=Sum("amount"))
    )
    by_code = {row["account__code"]: row["total"] for row in rows}
    return TenderTotals(
        cash=by_code.get("1000", D(0)),
        check=by_code.get("1010", D(0)),
        card=by_code.get("1020", D(0)),
    )


def standing_tenders(office, day) -> TenderTotals:
    """What the payment records say stands at the end of the day: tenders of receipts neither
    voided nor refunded nor returned (the refund here gives back a whole cash receipt), cash net
    of change."""
    payments = Payment.objects.filter(office=office, training=False, posted_on=day)
    standing = payments.filter(status=Payment.Status.POSTED, reversals__isnull=True)
    tenders = Tender.objects.filter(payment__in=standing, returned=False)

    def total(kind):
        return tenders.filter(kind=kind).aggregate(t=Sum("amount"))["t"] or D(0)

    change = standing.aggregate(c=Sum("change"))["c"] or D(0)
    return TenderTotals(
        cash=total(TenderKind.CASH) - change,
        check=total(TenderKind.CHECK),
        card=total(TenderKind.CARD),
    )


def test_a_simulated_day_balances_closes_and_is_sealed(
    office, clerk, trainee, supervisor, supervisor2, admin_user, dana
):
    day = timezone.localdate()
    casey, terry = clerk, trainee
    jo = new_user("clerk-jo")
    assert office.blind_close and office.over_short_tolerance == D("5.00")

    # Morning: three drawers open with $210 each out of the change fund.
    one = open_drawer(casey, office, number=1)
    two = open_drawer(jo, office, number=2)
    three = open_drawer(terry, office, number=3)

    # Window 1 (Casey): cash, check, card; a void and a cash refund, each approved by a
    # Supervisor; a $100 drop into the safe received by a Supervisor.
    pay(one, casey, issue(dana, supervisor, amount="100.00"), cash("100.00"))
    pay(one, casey, issue(dana, supervisor, amount="250.00"), check("250.00", number="501"))
    pay(one, casey, issue(dana, supervisor, amount="80.00"), card("80.00"))
    mistaken = pay(one, casey, issue(dana, supervisor, amount="40.00"), cash("40.00"))
    payment_void(payment=mistaken, reason="Wrong bill", by=casey, approved_by=supervisor)
    refunded = pay(one, casey, issue(dana, supervisor, amount="60.00"), cash("60.00"))
    payment_refund(
        payment=refunded, reason="Paid twice", by=casey, approved_by=supervisor, drawer=one
    )
    cash_drop_record(drawer=one, amount=D("100.00"), by=casey, received_by=supervisor)

    # Window 2 (Jo): cash, check, card.
    pay(two, jo, issue(dana, supervisor, amount="300.00"), cash("300.00"))
    bounced = pay(two, jo, issue(dana, supervisor, amount="120.00"), check("120.00", number="602"))
    pay(two, jo, issue(dana, supervisor, amount="75.00"), card("75.00", last4="1881"))

    # Window 3 (Terry, a trainee): every payment waits for a Supervisor's review.
    trainee_payments = [
        pay(three, terry, issue(dana, supervisor, amount="45.00"), cash("45.00")),
        pay(three, terry, issue(dana, supervisor, amount="30.00"), check("30.00", number="703")),
    ]
    assert all(p.needs_review for p in trainee_payments)
    for payment in trainee_payments:
        payment_review(payment=payment, by=supervisor2)

    # The bank calls: Jo's check 602 bounced while still in the drawer; it is taken back from
    # the drawer's checks (1010), and Dana's checks are refused from now on.
    returned_check_record(payment=bounced, reason="NSF", by=supervisor)

    # The day cannot close while drawers are open.
    with pytest.raises(DayNotClosable, match="is open: close it first"):
        day_sign_off(office=office, day=day, by=supervisor, token=uuid.uuid4())

    # Evening: every drawer is counted blind.
    # Window 1 should hold $210 cash (100 taken, 40 voided, 60 refunded, 100 dropped), check
    # 501 and $80 of card; Casey counts $220: $10 over, beyond the $5.00 tolerance.
    [check_501] = [t.pk for t in Tender.objects.filter(payment__drawer=one, kind="check")]
    over = count(
        one,
        casey,
        {"$20 bills": 10, "$10 bills": 1, "Quarters": 40},
        checks=[check_501],
        card_total="80.00",
        received_by=supervisor,
    )
    assert over.status == DrawerClose.Status.COUNTED and over.over_short == D("10.00")
    # Window 2 should hold $510 cash and no check (602 was returned); Jo counts $490: short $20.
    short = count(
        two, jo, {"$20 bills": 24, "Quarters": 40}, card_total="75.00", received_by=supervisor
    )
    assert short.status == DrawerClose.Status.COUNTED and short.over_short == D("-20.00")
    # Window 3 is right to the cent: closes at once, its money received by a Supervisor.
    [check_703] = [t.pk for t in Tender.objects.filter(payment__drawer=three, kind="check")]
    exact = count(
        three, terry, {"$20 bills": 12, "Quarters": 60}, checks=[check_703], received_by=supervisor
    )
    assert exact.status == DrawerClose.Status.CLOSED and exact.over_short == 0

    # Beyond the tolerance the close waits for a sign-off: refused without a reason, refused to
    # the clerk, done by a Supervisor with a reason.
    with pytest.raises(SignOffRequired, match=r"beyond the office's tolerance of \$5\.00"):
        drawer_close_sign_off(close=over, by=supervisor, reason="")
    with pytest.raises(SignOffRequired, match="Only a Supervisor signs off"):
        drawer_close_sign_off(close=short, by=jo, reason="I miscounted")
    assert Drawer.objects.get(pk=one.pk).status == Drawer.Status.CLOSING
    with pytest.raises(DayNotClosable, match=f"Drawer {one.pk} .* is counted, awaiting sign-off"):
        day_sign_off(office=office, day=day, by=supervisor, token=uuid.uuid4())
    drawer_close_sign_off(close=over, by=supervisor, reason="Customer left change on the counter")
    drawer_close_sign_off(close=short, by=supervisor2, reason="Short change given; clerk told")
    assert set(Drawer.objects.filter(office=office).values_list("status", flat=True)) == {
        Drawer.Status.CLOSED
    }

    # The safe holds the drop and each drawer's cash beyond its float ($100 + $10 + $280 + $45
    # = $435), checks 501 and 703 ($280), and the change fund is whole again.
    with pytest.raises(DayNotClosable, match="The safe was not counted"):
        day_sign_off(office=office, day=day, by=supervisor, token=uuid.uuid4())
    in_safe = checks_in_safe(office)
    assert sorted(c.check_number for c in in_safe) == ["501", "703"]
    picks = [CheckPick(tender_id=c.tender_id, close_check_id=c.close_check_id) for c in in_safe]
    safe_cash = {"$100 bills": 4, "$20 bills": 1, "$10 bills": 1, "$5 bills": 1}
    safe = safe_count_record(
        office=office,
        business_date=day,
        counts=safe_cash,
        change_fund_counts={"$100 bills": 200},
        checks=picks,
        counted_by=supervisor,
        witness=supervisor2,
        token=uuid.uuid4(),
    )
    assert (safe.cash_counted, safe.cash_expected) == (D("435.00"), D("435.00"))
    assert (safe.change_fund_counted, safe.checks_counted) == (CHANGE_FUND, D("280.00"))
    assert safe.entry_id is None  # nothing over or short

    # The deposit: prepared by one Supervisor, refused to the same one, verified by another.
    bag = deposit_prepare(
        office=office,
        bank_account=bank_accounts().first(),
        bag_number="B-1001",
        counts=safe_cash,
        checks=picks,
        by=supervisor,
        token=uuid.uuid4(),
    )
    with pytest.raises(DepositError, match="other than the one who prepared it"):
        deposit_verify(deposit=bag, by=supervisor, counts=safe_cash, checks=picks)
    bag = deposit_verify(deposit=bag, by=supervisor2, counts=safe_cash, checks=picks)
    assert bag.total == D("715.00")

    # The custody page accounts for every dollar: the ledger's custody accounts equal the
    # places (no drawer open, the change fund in the safe, the bag in transit).
    custody = custody_now(office, day)
    assert custody.drawers == [] and custody.closed_drawers_holding == 0
    assert (custody.change_fund, custody.safe_cash, custody.safe_checks) == (CHANGE_FUND, 0, [])
    assert custody.in_transit_total == D("715.00")
    assert custody.places_total == CHANGE_FUND + D("715.00")
    assert custody.ledger_total == custody_ledger(office) == custody.places_total
    assert custody.difference == 0
    call_command("ledger_verify")  # raises SystemExit on any violation

    # The daily report: the ledger, the drawers and the payment records agree to the cent.
    report = daily_balancing(office=office, day=day)
    collected = TenderTotals(cash=D("445.00"), check=D("280.00"), card=D("155.00"))
    assert report.agreement.agrees, report.agreement
    assert report.tenders == collected
    assert ledger_collections(office, day) == collected
    assert standing_tenders(office, day) == collected
    assert report.agreement.payments == report.agreement.ledger == collected
    by_clerk = {row.label: row.amount for row in report.by_clerk}
    assert by_clerk == {
        "Casey Clerk": D("430.00"),
        jo.get_full_name(): D("375.00"),
        "Terry Trainee": D("75.00"),
    }
    assert sum((row.amount for row in report.by_account), D(0)) == collected.total
    # Receipts 1 to 10 of the year, none missing.
    [series] = report.receipt_ranges
    assert (series.first, series.last, series.count) == (1, 10, 10)
    assert not report.has_gap and series.missing == []
    assert report.receipts == 10
    exceptions = {(e.kind, e.requested_by, e.approved_by) for e in report.exceptions}
    assert exceptions == {
        ("Void", "Casey Clerk", "Sam Supervisor"),
        ("Refund", "Casey Clerk", "Sam Supervisor"),
        ("Returned check (NSF)", "Sam Supervisor", "Sam Supervisor"),
    }
    assert (report.trainee_count, report.trainee_unreviewed) == (2, 0)
    assert {r.reviewed_by for r in report.trainee_rows} == {supervisor2.get_full_name()}
    assert {c.drawer_id: c.over_short for c in report.closes} == {
        one.pk: D("10.00"),
        two.pk: D("-20.00"),
        three.pk: D("0.00"),
    }
    assert report.over_short_total == D("-10.00")
    assert [d.bag_number for d in report.deposits] == ["B-1001"]

    # The day signs off; from then on PostgreSQL refuses a posting dated that office-day.
    signoff = day_sign_off(office=office, day=day, by=supervisor, token=uuid.uuid4())
    assert signoff.version == 1 and signoff.line_count > 0
    chart = {a.code: a for a in Account.objects.filter(code__in=["1030", "1100"])}
    with pytest.raises(LedgerDayClosed, match="signed off"):
        post(
            entry_date=day,
            memo="Late cash into the change fund",
            source="change_fund",
            by=admin_user,
            lines=[
                Line(chart["1030"], D("10.00"), office_id=office.pk),
                Line(chart["1100"], D("-10.00")),
            ],
        )
    entry_id = JournalLine.objects.filter(office_id=office.pk).values("entry_id").first()
    with (
        pytest.raises(DatabaseError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO ledger_journalline (entry_id, account_id, amount, memo, office_id) "
            "VALUES (%s, %s, 1, 'behind the services', %s)",
            [entry_id["entry_id"], chart["1030"].pk, office.pk],
        )
    assert refused.value.__cause__.pgcode == "DC001"
    call_command("ledger_verify")
