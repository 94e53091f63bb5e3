"""The deposit pages: list, prepare, verify (the verifier's own count), cancel, the slip PDF;
who may use them, and bad input answered with a message, never a 500."""

import io
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing.models import Customer
from cashiering.forms import FRESH_FORM_MESSAGE
from ledger.models import Account
from ledger.selectors import ledger_violations
from reconciliation.models import Deposit
from reconciliation.selectors_custody import checks_in_safe
from reconciliation.services import CheckPick, deposit_prepare
from tests.payments.conftest import cash, check, issue
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import drawer_closed

D = Decimal
LONG_PAYER = "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh Cholmondeley " * 3


@pytest.fixture
def safe(office, drawer, clerk, supervisor):
    dana = Customer.objects.create(name="Dana Whitfield")
    pay(drawer, clerk, issue(dana, supervisor, amount="120.00"), cash("120.00"))
    pay(
        drawer,
        clerk,
        issue(dana, supervisor, amount="80.00"),
        check("80.00", "2001", LONG_PAYER[:200]),
    )
    drawer_closed(drawer, receiver=supervisor)
    return office


def refs(office):
    return [c.ref for c in checks_in_safe(office)]


def prepare_data(office, **extra):
    return {
        "token": str(uuid.uuid4()),
        "office": office.pk,
        "bank_account": Account.objects.get(code="1100").pk,
        "bag_number": "BAG-77",
        "count_0": "1",  # one $100 bill
        "count_2": "1",  # one $20 bill
        "checks": refs(office),
        **extra,
    }


def prepared(office, by):
    return deposit_prepare(
        office=office,
        bank_account=Account.objects.get(code="1100"),
        bag_number="BAG-1",
        counts={"$100 bills": 1, "$20 bills": 1},
        checks=[CheckPick(tender_id=c.tender_id) for c in checks_in_safe(office)],
        by=by,
        token=uuid.uuid4(),
    )


def test_a_supervisor_prepares_a_bag_from_the_page(client, safe, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("reconciliation:deposit_prepare"), {"office": safe.pk})
    assert page.status_code == 200
    assert "$120.00</strong> of collections cash" in page.text
    assert 'for="id_bag_number"' in page.text
    response = client.post(reverse("reconciliation:deposit_prepare"), prepare_data(safe))
    deposit = Deposit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reconciliation:deposit", args=[deposit.pk])
    assert (deposit.cash_total, deposit.checks_total) == (D("120.00"), D("80.00"))
    listing = client.get(reverse("reconciliation:deposits"), {"office": safe.pk})
    assert "BAG-77" in listing.text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"count_0": "lots"}, "Enter a whole number"),
        ({"count_0": "-2"}, "greater than or equal to 0"),
        ({"checks": ["t999999"]}, "no longer in the list"),
        ({"bag_number": "4111 1111 1111 1111"}, "card number"),
        ({"bag_number": ""}, "This field is required"),
        ({"count_0": "9"}, "a deposit of $920.00 in cash cannot come out of it"),
        ({"bank_account": "999999"}, "Select a valid choice"),
        ({"token": "not-a-token"}, FRESH_FORM_MESSAGE.replace("'", "&#x27;")),
    ],
)
def test_bad_input_on_the_prepare_form_is_a_message(client, safe, supervisor, extra, message):
    client.force_login(supervisor)
    response = client.post(reverse("reconciliation:deposit_prepare"), prepare_data(safe, **extra))
    assert response.status_code == 200
    assert message in response.text
    assert not Deposit.objects.exists()


def test_the_verifier_counts_blind_and_verifies(client, safe, supervisor, supervisor2):
    deposit = prepared(safe, supervisor)
    client.force_login(supervisor2)
    page = client.get(reverse("reconciliation:deposit", args=[deposit.pk]))
    assert "count the bag yourself" in page.text
    assert "$120.00" not in page.text  # the preparer's cash count is not shown
    assert "2001" in page.text  # the checks are listed to tick
    wrong = client.post(
        reverse("reconciliation:deposit", args=[deposit.pk]),
        {"token": str(uuid.uuid4()), "count_0": "1", "checks": refs(safe)},
    )
    assert wrong.status_code == 200
    assert "$20 bills: prepared 1, you counted 0" in wrong.text
    done = client.post(
        reverse("reconciliation:deposit", args=[deposit.pk]),
        {"token": str(uuid.uuid4()), "count_0": "1", "count_2": "1", "checks": refs(safe)},
    )
    assert done.status_code == 302
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.VERIFIED
    assert ledger_violations() == []


def test_the_preparer_is_not_offered_the_verify_form_and_is_refused(client, safe, supervisor):
    deposit = prepared(safe, supervisor)
    client.force_login(supervisor)
    page = client.get(reverse("reconciliation:deposit", args=[deposit.pk]))
    assert "count the bag yourself" not in page.text
    response = client.post(
        reverse("reconciliation:deposit", args=[deposit.pk]),
        {"token": str(uuid.uuid4()), "count_0": "1", "count_2": "1", "checks": refs(safe)},
    )
    assert "other than the one who prepared it" in response.text
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.PREPARED


def test_cancel_from_the_page(client, safe, supervisor):
    deposit = prepared(safe, supervisor)
    client.force_login(supervisor)
    url = reverse("reconciliation:deposit_cancel", args=[deposit.pk])
    client.post(url, {"reason": ""})
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.PREPARED
    response = client.post(url, {"reason": "Bag torn"}, follow=True)
    assert "cancelled; its checks are free" in response.text
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.CANCELLED


def test_the_slip_pdf_lists_everything_and_long_names_fit(client, safe, supervisor):
    deposit = prepared(safe, supervisor)
    client.force_login(supervisor)
    response = client.get(reverse("reconciliation:deposit_slip", args=[deposit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1
    for expected in (
        "BAG-1",
        "Bank - operating account",
        "$100 bills",
        "$120.00",
        "2001",
        "$80.00",
        "$200.00",
        "Wolfeschlegel",
        "Prepared by",
        "not yet verified",
    ):
        assert expected in text, expected
    # the long payer wraps inside the page: every word of it is there
    assert text.count("Featherstonehaugh") == 3


def test_a_clerk_sees_no_deposit_page(client, safe, clerk, supervisor):
    deposit = prepared(safe, supervisor)
    client.force_login(clerk)
    for url in (
        reverse("reconciliation:deposits"),
        reverse("reconciliation:deposit_prepare"),
        reverse("reconciliation:deposit", args=[deposit.pk]),
        reverse("reconciliation:deposit_slip", args=[deposit.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("reconciliation:deposit_cancel", args=[deposit.pk])).status_code == 403
    )


def test_an_unknown_deposit_is_a_404(client, office, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("reconciliation:deposit", args=[999999])).status_code == 404


def test_the_verifier_cannot_print_the_preparers_slip_before_verifying(
    client, safe, supervisor, supervisor2
):
    """Dual control: the slip shows the preparer's count, which the verifier must not see."""
    deposit = prepared(safe, supervisor)
    client.force_login(supervisor2)
    slip = reverse("reconciliation:deposit_slip", args=[deposit.pk])

    response = client.get(slip, follow=True)

    assert response["Content-Type"].startswith("text/html")
    assert "only the preparer prints it before the bag is verified" in response.text
    assert slip not in response.text
    listing = client.get(reverse("reconciliation:deposits"), {"office": deposit.office_id})
    assert slip not in listing.text
    assert "after verifying" in listing.text


def test_the_slip_prints_for_anyone_once_the_bag_is_cancelled(
    client, safe, supervisor, supervisor2
):
    deposit = prepared(safe, supervisor)
    client.force_login(supervisor)
    client.post(reverse("reconciliation:deposit_cancel", args=[deposit.pk]), {"reason": "Torn bag"})
    client.force_login(supervisor2)

    response = client.get(reverse("reconciliation:deposit_slip", args=[deposit.pk]))

    assert response["Content-Type"] == "application/pdf"
