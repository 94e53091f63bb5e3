"""The drawer close's pages: the blind count (nothing expected shows before submitting, "My drawer"
included), the result page and its PDF, sign-off, a Supervisor's close with a witness, reopening,
who may see what, and bad input answered with a message."""

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from payments.models import Drawer
from reconciliation.models import DrawerClose, DrawerReopen
from reconciliation.services import drawer_close_count, drawer_reopen
from tests.reconciliation.conftest import check, fee, issue, new_user, open_drawer, pay

D = Decimal
SUPERVISOR_PASSWORD = "supervisor-demo-2026"
FACTORY_PASSWORD = "correct-horse-battery"


def count_data(**extra) -> dict:
    # The fixture drawer's float: 10 x $20 and 40 quarters.
    return {"token": str(uuid.uuid4()), "count_2": "10", "count_9": "40", **extra}


@pytest.fixture
def paid_drawer(drawer, clerk, dana):
    pay(drawer, clerk, issue(dana, clerk, amount="123.45"), check("123.45", "5150", "Rosa Diaz"))
    pay(drawer, clerk, issue(dana, clerk, amount="67.89"))
    return drawer


def test_the_close_page_is_blind(client, clerk, paid_drawer):
    client.force_login(clerk)

    html = client.get(reverse("reconciliation:drawer_close")).content.decode()

    assert "Check 5150, Rosa Diaz" in html
    for shown in ("123.45", "67.89", "277.89", "210.00"):
        assert shown not in html


def test_my_drawer_hides_what_it_should_hold_from_the_clerk_under_blind_close(
    client, clerk, supervisor, office, paid_drawer
):
    client.force_login(clerk)
    html = client.get(reverse("payments:drawer")).content.decode()
    assert "Cash it should hold now" not in html and "277.89" not in html
    assert reverse("reconciliation:drawer_close") in html

    office.blind_close = False
    office.save()
    html = client.get(reverse("payments:drawer")).content.decode()
    assert "Cash it should hold now" in html and "277.89" in html


def test_a_supervisor_counts_their_own_drawer_blind_too(client, supervisor, office):
    """Review: a Supervisor working a window is that drawer's clerk; seeing what it should hold
    before counting it would make their close not blind (issue 9: "My drawer" included)."""
    open_drawer(supervisor, office, number=3)
    client.force_login(supervisor)
    html = client.get(reverse("payments:drawer")).content.decode()
    assert "Cash it should hold now" not in html and "Blind close" in html

    office.blind_close = False
    office.save()
    assert "Cash it should hold now" in client.get(reverse("payments:drawer")).content.decode()


def test_the_approvals_page_hides_only_the_supervisors_own_drawer(
    client, supervisor, office, paid_drawer
):
    """The Supervisors' open-drawers table shows what other clerks' drawers hold (pickups need
    it) but not the Supervisor's own drawer under blind close."""
    open_drawer(supervisor, office, number=3)
    client.force_login(supervisor)
    html = client.get(reverse("payments:approvals")).content.decode()
    assert "277.89" in html
    assert "Your drawer: counted blind at closing" in html


def test_the_clerk_counts_and_a_supervisor_receives_then_the_result_shows(
    client, clerk, paid_drawer
):
    tender = paid_drawer.payments.order_by("id").first().tenders.get()
    client.force_login(clerk)
    data = count_data(
        count_2="13",  # 260.00 + 10.00 in quarters = 270.00 cash; 277.89 expected: 7.89 short
        **{
            f"check_{tender.pk}": "on",
            "receiver_username": "supervisor",
            "receiver_password": SUPERVISOR_PASSWORD,
        },
    )

    response = client.post(reverse("reconciliation:drawer_close"), data)

    close = DrawerClose.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reconciliation:close_result", args=[close.pk])
    assert close.status == DrawerClose.Status.COUNTED  # $7.89 short: beyond $5.00
    assert close.over_short == D("-7.89")
    page = client.get(response["Location"]).content.decode()
    assert "277.89" in page and "270.00" in page and "-7.89" in page
    assert "Sign off" not in page  # a clerk does not sign off
    pdf = client.get(reverse("reconciliation:close_pdf", args=[close.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_same_count_sent_twice_counts_once(client, clerk, drawer):
    client.force_login(clerk)
    data = count_data()
    first = client.post(reverse("reconciliation:drawer_close"), data)
    again = client.post(reverse("reconciliation:drawer_close"), data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert DrawerClose.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"count_2": "ten"}, "is not a number"),
        ({"count_2": "-1"}, "is not a number"),
        ({"count_2": "1E5"}, "is not a number"),
        ({"count_2": "\u0661\u0662"}, "is not a number"),
        ({"count_2": "2.5"}, ""),
        ({"card_batch_total": "12,50"}, ""),
        ({"extra_0_number": "77"}, "number and its amount"),
        ({"extra_0_amount": "4.00"}, "number and its amount"),
        ({"extra_0_payer": "4111 1111 1111 1111", "extra_0_number": "1"}, "card number"),
        ({"receiver_username": "supervisor", "receiver_password": "wrong"}, "not a Supervisor"),
        ({"receiver_username": "supervisor"}, "name and password"),
        ({"token": "<b>x</b>"}, "one-time code"),
    ],
)
def test_bad_input_is_a_message_not_a_500(client, clerk, drawer, extra, message):
    client.force_login(clerk)

    response = client.post(reverse("reconciliation:drawer_close"), count_data(**extra))

    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not DrawerClose.objects.exists()


def test_a_refused_count_is_a_message(client, clerk, drawer, supervisor):
    client.force_login(clerk)
    data = count_data(receiver_username="clerk", receiver_password="x")
    response = client.post(reverse("reconciliation:drawer_close"), data)
    assert "someone else than you" in response.content.decode()


def test_sign_off_from_the_queue_by_another_supervisor(client, clerk, supervisor, drawer):
    client.force_login(clerk)
    client.post(reverse("reconciliation:drawer_close"), count_data(count_2="8"))  # $40 short
    close = DrawerClose.objects.get()
    client.force_login(supervisor)

    queue = client.get(reverse("reconciliation:sign_off_queue")).content.decode()
    assert reverse("reconciliation:close_result", args=[close.pk]) in queue
    url = reverse("reconciliation:close_sign_off", args=[close.pk])
    refused = client.post(url, {"token": str(uuid.uuid4()), "reason": ""})
    assert refused.status_code == 200 and "say why" in refused.content.decode()

    done = client.post(url, {"token": str(uuid.uuid4()), "reason": "Two twenties missing"})

    assert done.status_code == 302
    close.refresh_from_db()
    assert close.status == DrawerClose.Status.CLOSED
    assert close.signed_off_by == supervisor
    call_command("ledger_verify")


def test_a_supervisor_closes_a_drawer_left_open_with_a_witness(
    client, supervisor, supervisor2, drawer
):
    client.force_login(supervisor)
    listing = client.get(reverse("reconciliation:drawers_open")).content.decode()
    url = reverse("reconciliation:drawer_close_for_clerk", args=[drawer.pk])
    assert url in listing

    no_witness = client.post(url, count_data())
    assert no_witness.status_code == 200 and "witness signs in" in no_witness.content.decode()

    data = count_data(witness_username=supervisor2.username, witness_password=FACTORY_PASSWORD)
    response = client.post(url, data)

    assert response.status_code == 302
    close = DrawerClose.objects.get()
    assert (close.counted_by, close.witness, close.status) == (
        supervisor,
        supervisor2,
        DrawerClose.Status.CLOSED,
    )


def test_reopen_from_the_closed_drawers_page(client, clerk, supervisor, drawer):
    client.force_login(clerk)
    client.post(
        reverse("reconciliation:drawer_close"),
        count_data(receiver_username="supervisor", receiver_password=SUPERVISOR_PASSWORD),
    )
    close = DrawerClose.objects.get(status=DrawerClose.Status.CLOSED)
    client.force_login(supervisor)
    page = client.get(reverse("reconciliation:drawers_closed")).content.decode()
    url = reverse("reconciliation:close_reopen", args=[close.pk])
    assert url in page

    empty = client.post(url, {"token": str(uuid.uuid4()), "reason": ""}, follow=True)
    assert "required" in empty.content.decode()
    response = client.post(url, {"token": str(uuid.uuid4()), "reason": "Miscounted"}, follow=True)

    assert "is open again" in response.content.decode()
    assert Drawer.objects.get(pk=drawer.pk).status == Drawer.Status.OPEN
    assert DrawerReopen.objects.get().reason == "Miscounted"


def test_the_supervisor_pages_refuse_a_clerk(client, clerk, drawer, supervisor):
    client.force_login(clerk)
    client.post(reverse("reconciliation:drawer_close"), count_data(count_2="8"))
    close = DrawerClose.objects.get()
    token = {"token": str(uuid.uuid4()), "reason": "x"}

    assert client.get(reverse("reconciliation:sign_off_queue")).status_code == 403
    assert client.get(reverse("reconciliation:drawers_open")).status_code == 403
    assert client.get(reverse("reconciliation:drawers_closed")).status_code == 403
    url = reverse("reconciliation:drawer_close_for_clerk", args=[drawer.pk])
    assert client.get(url).status_code == 403
    sign = client.post(reverse("reconciliation:close_sign_off", args=[close.pk]), token)
    assert sign.status_code == 403
    reopen = client.post(reverse("reconciliation:close_reopen", args=[close.pk]), token)
    assert reopen.status_code == 403
    assert DrawerClose.objects.get().status == DrawerClose.Status.COUNTED


def test_another_clerk_cannot_see_someone_elses_close(client, clerk, drawer):
    close_url = None
    client.force_login(clerk)
    client.post(reverse("reconciliation:drawer_close"), count_data())
    close_url = reverse("reconciliation:close_result", args=[DrawerClose.objects.get().pk])
    client.force_login(new_user("nosy-clerk"))
    assert client.get(close_url).status_code == 404
    pdf_url = close_url.rstrip("/") + ".pdf"
    assert client.get(pdf_url).status_code == 404


def test_the_stock_count_is_on_the_form_and_in_the_result(client, clerk, drawer):
    sheet = fee("tag_sheet")
    client.force_login(clerk)
    page = client.get(reverse("reconciliation:drawer_close")).content.decode()
    assert f'name="stock_{sheet.pk}"' in page

    client.post(reverse("reconciliation:drawer_close"), count_data(**{f"stock_{sheet.pk}": "47"}))

    close = DrawerClose.objects.get()
    result = client.get(reverse("reconciliation:close_result", args=[close.pk])).content.decode()
    assert sheet.stock_label in result and ">-3<" in result


def test_every_closing_form_with_a_token_is_covered():
    from cashiering.forms import OneTimeTokenForm
    from reconciliation import forms_closing as forms

    with_tokens = {
        name
        for name, form in vars(forms).items()
        if isinstance(form, type)
        and form.__module__ == forms.__name__
        and "token" in getattr(form, "base_fields", {})
    }
    assert with_tokens == {"DrawerCloseForm", "SignOffForm", "ReopenForm"}
    for name in with_tokens:
        assert issubclass(getattr(forms, name), OneTimeTokenForm), name


def test_a_stale_reopen_form_does_not_reopen_the_drawers_next_close(
    client, clerk, supervisor, drawer
):
    """Review (two tabs): a reopen form of a close already reopened, sent after the drawer was
    closed again, must not reopen the new close, which nobody asked to reopen."""
    received = {"receiver_username": "supervisor", "receiver_password": SUPERVISOR_PASSWORD}
    client.force_login(clerk)
    client.post(reverse("reconciliation:drawer_close"), count_data(**received))
    first = DrawerClose.objects.get(status=DrawerClose.Status.CLOSED)
    client.force_login(supervisor)
    url = reverse("reconciliation:close_reopen", args=[first.pk])
    client.post(url, {"token": str(uuid.uuid4()), "reason": "Miscounted"})
    client.force_login(clerk)
    client.post(reverse("reconciliation:drawer_close"), count_data(**received))
    second = DrawerClose.objects.get(status=DrawerClose.Status.CLOSED)

    client.force_login(supervisor)
    stale = client.post(url, {"token": str(uuid.uuid4()), "reason": "Miscounted"}, follow=True)

    assert "already reopened" in stale.content.decode()
    assert DrawerClose.objects.get(pk=second.pk).status == DrawerClose.Status.CLOSED
    assert Drawer.objects.get(pk=drawer.pk).status == Drawer.Status.CLOSED
    assert DrawerReopen.objects.count() == 1


def test_the_count_page_takes_the_keyboard_to_what_to_fix(client, clerk, supervisor, drawer):
    """Review (keyboard alone): after a refused submit the focus goes to the first field in
    error, which says it is invalid and names its message; a refusal of the whole count puts
    the focus on its message."""
    client.force_login(clerk)
    html = client.post(
        reverse("reconciliation:drawer_close"), count_data(count_2="ten", count_5="x")
    ).content.decode()
    field = html[html.index('name="count_2"') - 300 : html.index('name="count_2"') + 300]
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_count_2-error"' in field
    assert "autofocus" in field
    assert 'id="id_count_2-error"' in html
    assert html.count("autofocus") == 1

    refused = client.post(
        reverse("reconciliation:drawer_close"),
        count_data(receiver_username=clerk.username, receiver_password="x"),
    ).content.decode()
    alert = refused[refused.index('class="alert alert-danger"') :][:200]
    assert "autofocus" in alert and refused.count("autofocus") == 1


def test_count_inputs_are_styled_like_every_other_input(client, clerk, drawer):
    """Review: "form-control-sm" contains "form-control", so the count and stock inputs were
    left without Bootstrap's form-control class (unstyled, no visible focus ring)."""
    client.force_login(clerk)
    html = client.get(reverse("reconciliation:drawer_close")).content.decode()
    start = html.index('name="count_2"')
    tag = html[html.rindex("<input", 0, start) : html.index(">", start)]
    assert "form-control " in tag or 'form-control"' in tag


def test_a_reopened_count_stays_hidden_from_its_clerk_until_the_next_count(
    client, clerk, supervisor, office, drawer
):
    first = drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 10, "Quarters": 40},
        checks=[],
        card_batch_total=D("0.00"),
        stock={},
        by=clerk,
        received_by=supervisor,
        token=uuid.uuid4(),
    )
    drawer_reopen(drawer=drawer, by=supervisor, reason="Clerk found a receipt", token=uuid.uuid4())
    client.force_login(clerk)

    for name in ("reconciliation:close_result", "reconciliation:close_pdf"):
        response = client.get(reverse(name, args=[first.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("payments:drawer")
    assert "shows again after you count" in client.get(reverse("payments:drawer")).content.decode()

    client.force_login(supervisor)
    assert client.get(reverse("reconciliation:close_result", args=[first.pk])).status_code == 200

    office.blind_close = False
    office.save(update_fields=["blind_close"])
    client.force_login(clerk)
    assert client.get(reverse("reconciliation:close_result", args=[first.pk])).status_code == 200
