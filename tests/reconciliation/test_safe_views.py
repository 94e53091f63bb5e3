"""The custody page (every dollar accounted for), the safe count page (two people, sign-off),
the change fund page; permissions, the forms' one-time tokens, card numbers refused."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Customer
from cashiering.forms import FRESH_FORM_MESSAGE, OneTimeTokenForm
from ledger.models import Account
from ledger.selectors import ledger_violations
from payments.selectors import custody_held
from reconciliation import forms_custody
from reconciliation.models import CustodyTransfer, SafeCount
from reconciliation.selectors_custody import checks_in_safe, custody_now
from reconciliation.services import CheckPick, deposit_prepare, deposit_verify
from tests.payments.conftest import card, cash, check, issue, open_drawer
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import deposit_at_bank, drawer_closed

D = Decimal
SUPERVISOR_PASSWORD = "supervisor-demo-2026"
CLERK_PASSWORD = "clerk-demo-2026"
FACTORY_PASSWORD = "correct-horse-battery"


@pytest.fixture
def day(office, drawer, clerk, supervisor, supervisor2):
    """A day: two drawers took cash, checks and card; one closed into the safe, one is still
    open; one bag is in transit and one at the bank; a cash drop went to the safe."""
    from tests.payments.conftest import new_user

    dana = Customer.objects.create(name="Dana Whitfield")
    pay(drawer, clerk, issue(dana, supervisor, amount="300.00"), cash("300.00"))
    pay(drawer, clerk, issue(dana, supervisor, amount="90.00"), check("90.00", "11"))
    pay(drawer, clerk, issue(dana, supervisor, amount="45.00"), check("45.00", "12"))
    pay(drawer, clerk, issue(dana, supervisor, amount="60.00"), card("60.00"))
    drawer_closed(drawer, receiver=supervisor)
    other = new_user("clerk-two")
    second = open_drawer(other, office, number=2)
    pay(second, other, issue(dana, supervisor, amount="25.00"), cash("25.00"))
    pay(second, other, issue(dana, supervisor, amount="35.00"), check("35.00", "21"))
    bank = Account.objects.get(code="1100")
    checks = {c.check_number: c for c in checks_in_safe(office)}
    for bag, numbers, hundreds in (("T-1", ["11"], 1), ("B-1", ["12"], 1)):
        deposit = deposit_prepare(
            office=office,
            bank_account=bank,
            bag_number=bag,
            counts={"$100 bills": hundreds},
            checks=[CheckPick(tender_id=checks[n].tender_id) for n in numbers],
            by=supervisor,
            token=uuid.uuid4(),
        )
        deposit = deposit_verify(
            deposit=deposit,
            by=supervisor2,
            counts={"$100 bills": hundreds},
            checks=[CheckPick(tender_id=checks[n].tender_id) for n in numbers],
        )
        if bag == "B-1":
            deposit_at_bank(deposit, supervisor)
    return office


def test_the_custody_page_accounts_for_every_dollar(client, day, supervisor):
    from django.utils import timezone

    custody = custody_now(day, timezone.localdate())
    # the open drawer: its float ($210.00) + $25.00 cash, a $35.00 check
    (held,) = custody.drawers
    assert (held.cash, held.checks, held.card) == (D("235.00"), D("35.00"), D("0.00"))
    # the safe: the change fund, $100.00 of cash left, no check (one in transit, one at the bank)
    assert custody.safe_cash == D("100.00")
    assert custody.safe_checks == []
    assert [d.bag_number for d in custody.in_transit] == ["T-1"]
    assert custody.in_transit_total == D("190.00")
    assert [d.bag_number for d in custody.at_bank] == ["B-1"]
    assert custody.difference == 0
    assert custody.ledger_total == custody.places_total
    assert custody.ledger_by_account["1040"] == D("190.00")

    client.force_login(supervisor)
    page = client.get(reverse("reconciliation:custody"), {"office": day.pk})
    assert page.status_code == 200
    assert "every dollar is accounted for" in page.text
    assert "T-1" in page.text
    assert "Drawer to safe (close)" in page.text
    assert ledger_violations() == []


def test_a_difference_shows_in_red(client, day, supervisor):
    from django.utils import timezone

    from ledger.services import Line, post

    # a line on 1035 that no place accounts for (as if a posting bypassed the services)
    post(
        entry_date=timezone.localdate(),
        memo="Unexplained",
        source="test",
        by=supervisor,
        lines=[
            Line(Account.objects.get(code="1035"), D("7.00"), "x", office_id=day.pk),
            Line(Account.objects.get(code="1100"), D("-7.00"), "x"),
        ],
    )
    custody = custody_now(day, timezone.localdate())
    assert custody.difference == 0  # safe cash comes from the ledger itself...
    # ...but a check missing from the safe's list does not: 1036 without a check
    post(
        entry_date=timezone.localdate(),
        memo="Unexplained check",
        source="test",
        by=supervisor,
        lines=[
            Line(Account.objects.get(code="1036"), D("9.00"), "x", office_id=day.pk),
            Line(Account.objects.get(code="1100"), D("-9.00"), "x"),
        ],
    )
    assert custody_now(day, timezone.localdate()).difference == D("9.00")
    client.force_login(supervisor)
    page = client.get(reverse("reconciliation:custody"), {"office": day.pk})
    assert "table-danger" in page.text
    assert "$9.00" in page.text
    assert any("1036" in v.detail for v in ledger_violations())


def safe_count_data(office, **extra):
    return {
        "token": str(uuid.uuid4()),
        "office": office.pk,
        "count_0": "3",  # $300.00
        "fund_0": "200",  # $20,000.00
        "checks": [c.ref for c in checks_in_safe(office)],
        "witness_username": "clerk",
        "witness_password": CLERK_PASSWORD,
        **extra,
    }


@pytest.fixture
def closed_safe(office, drawer, clerk, supervisor):
    dana = Customer.objects.create(name="Dana Whitfield")
    pay(drawer, clerk, issue(dana, supervisor, amount="300.00"), cash("300.00"))
    pay(drawer, clerk, issue(dana, supervisor, amount="50.00"), check("50.00", "31"))
    drawer_closed(drawer, receiver=supervisor)
    return office


def test_the_safe_is_counted_from_the_page_with_a_second_person(client, closed_safe, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("reconciliation:safe_count"), {"office": closed_safe.pk})
    assert page.status_code == 200
    assert 'for="id_witness_password"' in page.text
    response = client.post(reverse("reconciliation:safe_count"), safe_count_data(closed_safe))
    assert response.status_code == 302
    count = SafeCount.objects.get()
    assert count.witness.username == "clerk"
    assert count.difference == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"witness_password": "wrong"}, "do not match someone who may do this"),
        ({"witness_username": "supervisor"}, "another person, not you"),
        ({"witness_username": ""}, "This field is required"),
        ({"count_0": "1"}, "beyond the office&#x27;s tolerance"),
        ({"checks": []}, "not ticked: 31"),
        ({"checks": ["x99"]}, "no longer in the list"),
        ({"count_3": "many"}, "Enter a whole number"),
        ({"reason": "4111 1111 1111 1111"}, "card number"),
        ({"token": ""}, FRESH_FORM_MESSAGE.replace("'", "&#x27;")),
    ],
)
def test_a_bad_safe_count_is_a_message(client, closed_safe, supervisor, extra, message):
    client.force_login(supervisor)
    response = client.post(
        reverse("reconciliation:safe_count"), safe_count_data(closed_safe, **extra)
    )
    assert response.status_code == 200
    assert message in response.text
    assert not SafeCount.objects.exists()


def test_a_variance_is_signed_off_on_the_page_by_a_third_person(
    client, closed_safe, supervisor, supervisor2
):
    client.force_login(supervisor)
    data = safe_count_data(
        closed_safe,
        count_0="2",
        signer_username=supervisor2.username,
        signer_password=FACTORY_PASSWORD,
        reason="A $100 note went to the bank by mistake",
    )
    response = client.post(reverse("reconciliation:safe_count"), data)
    assert response.status_code == 302
    count = SafeCount.objects.get()
    assert count.signed_off_by == supervisor2
    assert custody_held(closed_safe, "1035") == D("200.00")
    assert ledger_violations() == []


def test_the_change_fund_page_needs_a_second_person_and_counts_once(client, office, admin_user):
    client.force_login(admin_user)
    before = custody_held(office, "1030")
    data = {
        "token": str(uuid.uuid4()),
        "office": office.pk,
        "direction": "add",
        "amount": "500.00",
        "receiver_username": "supervisor",
        "receiver_password": "wrong",
    }
    refused = client.post(reverse("reconciliation:change_fund"), data)
    assert refused.status_code == 200
    assert "do not match" in refused.text
    data["receiver_password"] = SUPERVISOR_PASSWORD
    assert client.post(reverse("reconciliation:change_fund"), data).status_code == 302
    assert client.post(reverse("reconciliation:change_fund"), data).status_code == 302
    assert custody_held(office, "1030") == before + D("500.00")
    assert CustodyTransfer.objects.filter(token=data["token"]).count() == 1
    data.update(token=str(uuid.uuid4()), direction="return", amount="99999.00")
    too_much = client.post(reverse("reconciliation:change_fund"), data)
    assert "below zero" in too_much.text or "less than nothing" in too_much.text


def test_who_may_use_which_page(client, office, clerk, supervisor):
    client.force_login(clerk)
    for name in ("custody", "safe_count", "change_fund"):
        assert client.get(reverse(f"reconciliation:{name}")).status_code == 403, name
    client.force_login(supervisor)
    assert client.get(reverse("reconciliation:custody")).status_code == 200
    assert client.get(reverse("reconciliation:change_fund")).status_code == 403
    assert (
        client.get(reverse("reconciliation:custody"), {"office": "x", "day": "soon"}).status_code
        == 200
    )


def test_every_custody_form_with_a_token_takes_the_shared_field():
    with_tokens = {
        name
        for name, form in vars(forms_custody).items()
        if isinstance(form, type)
        and form.__module__ == forms_custody.__name__
        and "token" in getattr(form, "base_fields", {})
    }
    assert with_tokens == {
        "DepositPrepareForm",
        "DepositVerifyForm",
        "SafeCountForm",
        "ChangeFundForm",
    }
    for name in with_tokens:
        assert issubclass(getattr(forms_custody, name), OneTimeTokenForm), name
