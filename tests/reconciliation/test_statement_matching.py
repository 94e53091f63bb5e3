"""Statement matching: auto-match of deposits, card settlements (net of fees) and returned
checks; manual match and explanation; every match leaves ledger_verify clean."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ledger.models import Account, JournalLine
from ledger.selectors import ledger_violations
from payments.models import Tender
from reconciliation.errors import StatementError
from reconciliation.models import CardSettlement, StatementLine
from reconciliation.services import (
    csv_mapping_save,
    statement_auto_match,
    statement_import,
    statement_line_explain,
    statement_line_match_card_day,
    statement_line_match_deposit,
)
from tests.reconciliation.conftest import card, check, issue, pay
from tests.reconciliation.flows import deposit_verified, drawer_closed, statement_ofx

D = Decimal


@pytest.fixture
def bank(reference):
    return Account.objects.get(code="1100")


def balance(code: str, **where) -> Decimal:
    total = JournalLine.objects.filter(account__code=code, **where).aggregate(t=Sum("amount"))["t"]
    return total or D("0")


def import_rows(bank, by, *rows: tuple[int, str, str]):
    """Import a CSV statement of (days after today, amount, description) rows."""
    csv_mapping_save(
        bank_account=bank,
        by=by,
        date_column="Date",
        date_format="%Y-%m-%d",
        amount_column="Amount",
        description_column="Text",
    )
    today = timezone.localdate()
    body = "".join(
        f"{(today + timedelta(days=days)).isoformat()},{amount},{text}\n"
        for days, amount, text in rows
    )
    job = statement_import(
        bank_account=bank,
        file_name="bank.csv",
        data=f"Date,Amount,Text\n{body}".encode(),
        by=by,
    )
    return job.statement


def test_a_deposit_is_matched_to_its_bank_credit(bank, office, supervisor, supervisor2):
    deposit = deposit_verified(
        office=office, preparer=supervisor, verifier=supervisor2, cash="1250.00"
    )
    statement = import_rows(bank, supervisor, (1, "1250.00", "DEPOSIT"), (1, "-15.00", "FEE"))

    result = statement_auto_match(statement=statement, by=supervisor)

    assert (result.deposits, result.left) == (1, 1)
    line = StatementLine.objects.get(amount=D("1250.00"))
    assert line.status == StatementLine.Status.MATCHED
    assert line.deposit == deposit
    assert line.matched_by == supervisor
    amounts = sorted((jl.account.code, jl.amount, jl.office_id) for jl in line.entry.lines.all())
    assert amounts == [("1040", D("-1250.00"), office.pk), ("1100", D("1250.00"), None)]
    assert line.entry.source == "statement_match"
    assert balance("1040", office_id=office.pk) == 0
    assert ledger_violations() == []


def test_a_deposit_outside_the_window_or_of_another_amount_is_left(
    bank, office, supervisor, supervisor2
):
    deposit_verified(office=office, preparer=supervisor, verifier=supervisor2, cash="80.00")
    statement = import_rows(bank, supervisor, (9, "80.00", "LATE"), (1, "80.01", "OTHER"))

    result = statement_auto_match(statement=statement, by=supervisor)

    assert (result.matched, result.left) == (0, 2)


def test_a_card_settlement_posts_net_to_bank_and_fees_to_bank_fees(
    bank, office, drawer, clerk, supervisor, dana
):
    pay(drawer, clerk, issue(dana, supervisor, amount="300.00"), card("300.00"))
    pay(drawer, clerk, issue(dana, supervisor, amount="200.00"), card("200.00"))
    close = drawer_closed(drawer, receiver=supervisor, card_total="500.00")
    bank_before = balance("1100")
    statement = import_rows(bank, supervisor, (1, "488.50", "MERCHANT SETTLEMENT"))

    result = statement_auto_match(statement=statement, by=supervisor)

    assert result.card_settlements == 1
    settlement = CardSettlement.objects.get()
    assert (settlement.gross, settlement.fees, settlement.net) == (
        D("500.00"),
        D("11.50"),
        D("488.50"),
    )
    assert list(settlement.closes.values_list("drawer_close", flat=True)) == [close.pk]
    assert balance("1020") == 0
    assert balance("5100") == D("11.50")
    assert balance("1100") - bank_before == D("488.50")
    assert ledger_violations() == []


def test_a_card_batch_settles_once(bank, office, drawer, clerk, supervisor, dana):
    pay(drawer, clerk, issue(dana, supervisor, amount="100.00"), card("100.00"))
    drawer_closed(drawer, receiver=supervisor, card_total="100.00")
    import_rows(bank, supervisor, (1, "98.00", "SETTLEMENT"), (2, "98.00", "SETTLEMENT"))

    result = statement_auto_match(bank_account=bank, by=supervisor)

    assert (result.card_settlements, result.left) == (1, 1)
    second = StatementLine.objects.get(status=StatementLine.Status.UNMATCHED)
    with pytest.raises(StatementError, match="No closed drawer of"):
        statement_line_match_card_day(line=second, target=timezone.localdate(), by=supervisor)


def test_a_returned_check_opens_the_returned_check_flow(
    bank, office, drawer, clerk, supervisor, supervisor2, dana
):
    bill = issue(dana, supervisor, amount="75.00")
    payment = pay(drawer, clerk, bill, check("75.00", "1234"))
    tender = Tender.objects.get(payment=payment)
    deposit_verified(office=office, preparer=supervisor, verifier=supervisor2, checks=[tender])
    bank_before = balance("1100")
    statement = import_rows(
        bank, supervisor, (1, "75.00", "DEPOSIT"), (3, "-75.00", "RETURNED ITEM NSF CHECK 1234")
    )

    result = statement_auto_match(statement=statement, by=supervisor)

    assert (result.deposits, result.returned_checks, result.left) == (1, 1, 0)
    tender.refresh_from_db()
    assert tender.returned
    bill.refresh_from_db()
    assert bill.balance == D("75.00")
    returned = StatementLine.objects.get(amount=D("-75.00"))
    assert returned.status == StatementLine.Status.MATCHED
    assert returned.entry.source == "returned_check"
    assert balance("1100") == bank_before
    assert ledger_violations() == []


def test_a_return_naming_another_check_number_is_left(
    bank, office, drawer, clerk, supervisor, supervisor2, dana
):
    payment = pay(drawer, clerk, issue(dana, supervisor, amount="75.00"), check("75.00", "1234"))
    tender = Tender.objects.get(payment=payment)
    deposit_verified(office=office, preparer=supervisor, verifier=supervisor2, checks=[tender])
    statement = import_rows(
        bank, supervisor, (1, "75.00", "DEPOSIT"), (3, "-75.00", "RETURN CHECK 9999")
    )

    result = statement_auto_match(statement=statement, by=supervisor)

    assert (result.returned_checks, result.left) == (0, 1)
    tender.refresh_from_db()
    assert not tender.returned


def test_a_manual_match_refuses_a_different_amount(bank, office, supervisor, supervisor2):
    deposit = deposit_verified(
        office=office, preparer=supervisor, verifier=supervisor2, cash="100.00"
    )
    import_rows(bank, supervisor, (1, "99.00", "DEPOSIT"))
    line = StatementLine.objects.get()

    with pytest.raises(StatementError, match=r"holds \$100\.00, the bank line says \$99\.00"):
        statement_line_match_deposit(line=line, target=deposit, by=supervisor)
    assert ledger_violations() == []


def test_a_fee_is_explained_with_a_posting_to_bank_fees(bank, supervisor):
    import_rows(bank, supervisor, (0, "-15.00", "SERVICE CHARGE"))
    line = StatementLine.objects.get()

    explained = statement_line_explain(
        line=line, reason="Monthly service charge", account_code="5100", by=supervisor
    )

    assert explained.status == StatementLine.Status.EXPLAINED
    assert explained.explanation == "Monthly service charge"
    assert balance("5100") == D("15.00")
    assert balance("1100", entry=explained.entry) == D("-15.00")
    assert ledger_violations() == []
    with pytest.raises(StatementError, match="already explained"):
        statement_line_explain(line=line, reason="Something else", by=supervisor)


def test_an_explanation_without_posting_posts_nothing(bank, supervisor):
    import_rows(bank, supervisor, (0, "42.00", "INTEREST"))
    line = StatementLine.objects.get()

    statement_line_explain(line=line, reason="Interest, booked by Finance", by=supervisor)

    line.refresh_from_db()
    assert (line.status, line.entry) == (StatementLine.Status.EXPLAINED, None)
    assert ledger_violations() == []


def test_postgresql_refuses_changing_an_explained_line(bank, supervisor):
    import_rows(bank, supervisor, (0, "42.00", "INTEREST"))
    line = StatementLine.objects.get()
    statement_line_explain(line=line, reason="Interest", by=supervisor)

    with pytest.raises(Exception, match="cannot change"), transaction.atomic():
        StatementLine.objects.filter(pk=line.pk).update(status="unmatched", explanation="")


def test_a_clerk_cannot_match(bank, supervisor, clerk):
    import_rows(bank, supervisor, (0, "42.00", "INTEREST"))

    with pytest.raises(StatementError, match="Only a Supervisor"):
        statement_auto_match(bank_account=bank, by=clerk)


def test_an_ofx_nsf_debit_returns_the_check_it_names(
    bank, office, drawer, clerk, supervisor, supervisor2, dana
):
    payment = pay(drawer, clerk, issue(dana, supervisor, amount="75.00"), check("75.00", "1234"))
    tender = Tender.objects.get(payment=payment)
    deposit_verified(office=office, preparer=supervisor, verifier=supervisor2, checks=[tender])
    today = timezone.localdate()
    data = statement_ofx(
        [
            (today, "75.00", "DEPOSIT"),
            (today + timedelta(days=2), "-75.00", "RETURNED ITEM NSF CHECK 1234"),
        ]
    )
    job = statement_import(bank_account=bank, file_name="bank.qfx", data=data, by=supervisor)

    result = statement_auto_match(statement=job.statement, by=supervisor)

    assert (result.deposits, result.returned_checks, result.left) == (1, 1, 0)
    tender.refresh_from_db()
    assert tender.returned
    assert ledger_violations() == []
