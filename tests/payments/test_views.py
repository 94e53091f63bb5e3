"""The counter's pages through Django's test client: the whole visit, and bad input."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing.models import BillType
from ledger.models import JournalEntry
from payments.forms import PostForm, ReversalForm
from payments.models import Drawer, Payment
from tests.payments.conftest import fee, issue, open_drawer, window

D = Decimal
CARD = "4111 1111 1111 1111"


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def counter_token(client) -> str:
    page = client.get(reverse("payments:counter"))
    assert page.status_code == 200
    html = page.content.decode()
    marker = 'name="token" value="'
    start = html.index(marker) + len(marker)
    return html[start : start + 36]


def test_without_a_drawer_the_counter_sends_the_clerk_to_open_one(clerk_client, office):
    response = clerk_client.get(reverse("payments:counter"))
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:drawer_open")


def test_opening_a_drawer_counts_the_float_and_stock(clerk_client, clerk, office):
    data = {
        "token": str(uuid.uuid4()),
        "workstation": window(office, 2).pk,
        "count_2": "10",  # $20 bills
        "count_9": "40",  # quarters
        f"stock_{fee('tag_sheet').pk}": "25",
    }
    response = clerk_client.post(reverse("payments:drawer_open"), data)
    assert response.status_code == 302
    drawer = Drawer.objects.get(clerk=clerk)
    assert drawer.opening_float == D("210.00")
    assert drawer.stock_counts.get(fee_type=fee("tag_sheet")).quantity == 25
    again = clerk_client.post(reverse("payments:drawer_open"), data)
    assert again.status_code == 302
    assert Drawer.objects.filter(clerk=clerk).count() == 1


def test_a_whole_visit_posts_once_and_prints_its_receipt(clerk_client, drawer, dana, supervisor):
    tax = issue(dana, supervisor, amount="612.50")
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="88.15")
    token = counter_token(clerk_client)
    htmx = {"HTTP_HX_REQUEST": "true"}
    found = clerk_client.post(reverse("payments:search"), {"q": tax.number}, **htmx)
    assert found.status_code == 200
    assert "Added bill" in found.content.decode()
    added = clerk_client.post(reverse("payments:cart_bill_add"), {"bill": water.pk}, **htmx)
    assert "88.15" in added.content.decode()
    clerk_client.post(
        reverse("payments:cart_fee_add"),
        {"fee_type": fee("tag_sheet").pk, "quantity": "2", "plate_state": "NY"},
        **htmx,
    )
    clerk_client.post(
        reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "50.00"}, **htmx
    )
    cart = clerk_client.post(
        reverse("payments:cart_tender_add"),
        {"kind": "check", "amount": "704.65", "check_number": "3321", "check_payer": "Dana"},
        **htmx,
    ).content.decode()
    assert "Change due" in cart
    posted = clerk_client.post(reverse("payments:cart_post"), {"token": token}, **htmx)
    assert posted.status_code == 204
    receipt_url = posted["HX-Redirect"]
    payment = Payment.objects.get()
    assert receipt_url == payment.get_absolute_url()
    assert payment.total == D("754.65")
    # A double-click or a reload of the same form posts nothing more.
    again = clerk_client.post(reverse("payments:cart_post"), {"token": token})
    assert again.status_code == 302 and again["Location"] == receipt_url
    assert Payment.objects.count() == 1

    page = clerk_client.get(receipt_url)
    assert page.status_code == 200
    pdf = clerk_client.get(reverse("payments:receipt_pdf", args=[payment.receipt_number]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(_bytes(pdf)).pages)
    for amount in ("612.50", "88.15", "54.00", "50.00", "704.65", "754.65", "0.00"):
        assert amount in text
    assert payment.receipt_number in text
    assert "COPY" not in text
    copy = clerk_client.get(
        reverse("payments:receipt_pdf", args=[payment.receipt_number]) + "?size=letter"
    )
    assert "COPY" in "".join(p.extract_text() for p in PdfReader(_bytes(copy)).pages)


def _bytes(response):
    import io

    return io.BytesIO(response.content)


BAD_AMOUNTS = [
    *("abc", "-5", "0", "0.00", "1.005", "99999999999999999", "1e5", "NaN", ""),
    *("12,50", "1,2,3", "\u0661\u0662", "\uff11\uff12", "inf", "\x00", "4111111111111111"),
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_bad_tender_amounts_get_a_message_and_save_nothing(clerk_client, drawer, amount):
    response = clerk_client.post(
        reverse("payments:cart_tender_add"),
        {"kind": "cash", "amount": amount},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "alert" in response.content.decode() or "invalid-feedback" in response.content.decode()
    assert clerk_client.session["counter_cart"]["tenders"] == []


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_bad_bill_amounts_get_a_message(clerk_client, drawer, dana, supervisor, amount):
    bill = issue(dana, supervisor, amount="40.00")
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk})
    response = clerk_client.post(
        reverse("payments:cart_item_update", args=[0]), {"amount": amount}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert clerk_client.session["counter_cart"]["items"][0]["amount"] == "40.00"


@pytest.mark.parametrize("last4", ["123", "12345", "abcd", "", CARD])
def test_a_card_last_four_must_be_four_digits(clerk_client, drawer, last4):
    response = clerk_client.post(
        reverse("payments:cart_tender_add"),
        {
            "kind": "card",
            "amount": "10.00",
            "card_brand": "visa",
            "card_last4": last4,
            "authorization_code": "A1",
            "terminal_reference": "T1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert clerk_client.session["counter_cart"]["tenders"] == []


@pytest.mark.parametrize(
    "field", ["check_payer", "check_number", "authorization_code", "terminal_reference"]
)
def test_a_pasted_card_number_is_refused_in_any_tender_field(clerk_client, drawer, field):
    data = {
        "kind": "check",
        "amount": "10.00",
        "check_number": "101",
        "check_payer": "Dana",
        "card_brand": "visa",
        "card_last4": "4242",
        "authorization_code": "A1",
        "terminal_reference": "T1",
        field: CARD,
    }
    response = clerk_client.post(reverse("payments:cart_tender_add"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "card number" in response.content.decode()
    assert clerk_client.session["counter_cart"]["tenders"] == []


def test_a_pasted_card_number_is_refused_as_payer_name(clerk_client, drawer, dana, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    token = counter_token(clerk_client)
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk})
    clerk_client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "40"})
    entries = JournalEntry.objects.count()
    response = clerk_client.post(
        reverse("payments:cart_post"),
        {"token": token, "payer_name": CARD},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "card number" in response.content.decode()
    assert Payment.objects.count() == 0
    assert JournalEntry.objects.count() == entries


def test_garbage_posts_never_give_a_server_error(clerk_client, drawer):
    for name, data in [
        ("payments:cart_bill_add", {"bill": "x"}),
        ("payments:cart_bill_add", {"bill": "99999999999999999999999"}),
        ("payments:cart_fee_add", {"fee_type": "abc", "quantity": "-1"}),
        ("payments:cart_fee_add", {"fee_type": fee("permit_green").pk, "quantity": "1"}),
        ("payments:cart_tender_add", {"kind": "bitcoin", "amount": "5"}),
        ("payments:cart_post", {"token": "not-a-uuid"}),
        ("payments:cart_post", {"token": str(uuid.uuid4())}),
    ]:
        response = clerk_client.post(reverse(name), data, HTTP_HX_REQUEST="true")
        assert response.status_code < 500, (name, data)
    assert Payment.objects.count() == 0


def test_trainees_need_a_supervisor_to_void(client, trainee, office, dana, supervisor):
    drawer = open_drawer(trainee, office, number=3)
    client.force_login(trainee)
    bill = issue(dana, supervisor, amount="40.00")
    token = counter_token(client)
    client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk})
    client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "40"})
    client.post(reverse("payments:cart_post"), {"token": token})
    payment = Payment.objects.get(drawer=drawer)
    assert payment.needs_review
    url = reverse("payments:payment_void", args=[payment.receipt_number])
    client.post(url, {"void-reason": "Wrong bill"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED
    client.post(
        url,
        {
            "void-reason": "Wrong bill",
            "void-supervisor_username": "supervisor",
            "void-supervisor_password": "supervisor-demo-2026",
        },
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
    assert payment.reversals.get().approved_by == supervisor


def _paid(client, clerk_drawer, dana, supervisor, amount="40.00"):
    bill = issue(dana, supervisor, amount=amount)
    token = counter_token(client)
    client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk})
    client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": amount})
    client.post(reverse("payments:cart_post"), {"token": token})
    return Payment.objects.get(drawer=clerk_drawer, token=token)


def test_a_wrong_supervisor_sign_in_says_the_same_whoever_it_names(
    client, trainee, office, dana, supervisor, clerk
):
    drawer = open_drawer(trainee, office, number=3)
    client.force_login(trainee)
    payment = _paid(client, drawer, dana, supervisor)
    url = reverse("payments:payment_void", args=[payment.receipt_number])
    answers = []
    for username, password in [
        ("clerk", "clerk-demo-2026"),  # right password, but not a Supervisor
        ("clerk", "wrong"),
        ("nobody", "wrong"),
    ]:
        page = client.post(
            url,
            {
                "void-reason": "Wrong bill",
                "void-supervisor_username": username,
                "void-supervisor_password": password,
            },
            follow=True,
        )
        answers.append([str(m) for m in page.context["messages"]][-1])
    assert answers == ["That is not a Supervisor's name and password."] * 3


def test_after_five_wrong_supervisor_sign_ins_the_counter_stops_trying(
    client, trainee, office, dana, supervisor
):
    drawer = open_drawer(trainee, office, number=3)
    client.force_login(trainee)
    payment = _paid(client, drawer, dana, supervisor)
    url = reverse("payments:payment_void", args=[payment.receipt_number])
    data = {"void-reason": "Wrong bill", "void-supervisor_username": "supervisor"}
    for _ in range(5):
        client.post(url, {**data, "void-supervisor_password": "guess"})
    page = client.post(
        url, {**data, "void-supervisor_password": "supervisor-demo-2026"}, follow=True
    )
    # The lock is axes', counted in the database (tests/cashiering/test_sign_in_lockout.py).
    assert "This sign-in is paused after too many wrong passwords" in page.content.decode()
    assert page.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED


def test_another_clerk_cannot_void_a_receipt_from_my_drawer(
    client, clerk, office, dana, supervisor
):
    from tests.payments.conftest import new_user

    drawer = open_drawer(clerk, office)
    client.force_login(clerk)
    payment = _paid(client, drawer, dana, supervisor)
    other = new_user("clerk2")
    open_drawer(other, office, number=2)
    client.force_login(other)
    page = client.post(
        reverse("payments:payment_void", args=[payment.receipt_number]),
        {
            "void-reason": "Wrong bill",
            "void-supervisor_username": "supervisor",
            "void-supervisor_password": "supervisor-demo-2026",
        },
        follow=True,
    )
    assert "Only the clerk whose drawer took it voids it" in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED


@pytest.mark.parametrize("last4", ["١٢٣٤", "\uff14\uff12\uff14\uff12"])
def test_non_ascii_digits_are_not_a_last_four(clerk_client, drawer, last4):
    response = clerk_client.post(
        reverse("payments:cart_tender_add"),
        {
            "kind": "card",
            "amount": "10.00",
            "card_brand": "visa",
            "card_last4": last4,
            "authorization_code": "A1",
            "terminal_reference": "T1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "exactly 4" in response.content.decode()
    assert clerk_client.session["counter_cart"]["tenders"] == []


def test_a_search_from_elsewhere_does_not_change_the_cart(clerk_client, drawer, dana, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    clerk_client.post(reverse("payments:search"), {"q": bill.number})  # not htmx
    assert clerk_client.session["counter_cart"]["items"] == []


def test_the_counter_search_refuses_a_query_string(clerk_client, drawer, dana, supervisor):
    # What is typed in the search (or lands there by mistake) must never travel in a URL,
    # where access logs, proxies and the browser's history keep it.
    bill = issue(dana, supervisor, amount="40.00")
    page = clerk_client.get(reverse("payments:counter")).content.decode()
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = clerk_client.get(reverse("payments:search"), {"q": bill.number}, **htmx)
    assert response.status_code == 405
    assert clerk_client.session["counter_cart"]["items"] == []
    search_form = page[page.index('id="counter-search"') - 10 : page.index('name="q"')]
    assert 'method="post"' in search_form and 'hx-post="' in search_form
    assert "hx-get" not in search_form


def test_a_search_by_post_finds_and_adds_the_bill(clerk_client, drawer, dana, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    response = clerk_client.post(
        reverse("payments:search"), {"q": bill.number}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f"Added bill {bill.number}: $40.00." in response.content.decode()
    assert [row["bill_id"] for row in clerk_client.session["counter_cart"]["items"]] == [bill.pk]


def test_supervisor_sign_in_fields_are_marked_sensitive():
    # The counter's scanner detector leaves alone what is typed into a field so marked.
    for form in (ReversalForm(prefix="void"), PostForm()):
        for name in ("supervisor_username", "supervisor_password"):
            assert " data-sensitive" in str(form[name]), (form, name)
    assert " data-sensitive" not in str(PostForm()["payer_name"])


def test_a_pickup_token_used_for_one_drawer_is_refused_for_another(
    client, clerk, office, supervisor
):
    from tests.payments.conftest import new_user

    first = open_drawer(clerk, office)
    second = open_drawer(new_user("clerk2"), office, number=2)
    client.force_login(supervisor)
    token = str(uuid.uuid4())
    client.post(reverse("payments:pickup", args=[first.pk]), {"token": token, "amount": "10"})
    page = client.post(
        reverse("payments:pickup", args=[second.pk]), {"token": token, "amount": "50"}, follow=True
    )
    assert "already used" in page.content.decode()
    assert first.movements.get().amount == D("10.00")
    assert not second.movements.exists()


def test_every_counter_page_shows_for_its_role(client, clerk, trainee, office, dana, supervisor):
    drawer = open_drawer(clerk, office)
    client.force_login(clerk)
    payment = _paid(client, drawer, dana, supervisor)
    drop = client.post(
        reverse("payments:drawer"),
        {
            "token": str(uuid.uuid4()),
            "amount": "20.00",
            "supervisor_username": "supervisor",
            "supervisor_password": "supervisor-demo-2026",
        },
        follow=True,
    )
    assert "Cash drop of $20.00 recorded" in drop.content.decode()
    movement = drawer.movements.get()
    for name, args in [
        ("payments:counter", []),
        ("payments:drawer", []),
        ("payments:receipts", []),
        ("payments:payment", [payment.receipt_number]),
        ("payments:movement_pdf", [movement.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    receipt_page = client.get(reverse("payments:payment", args=[payment.receipt_number]))
    assert "Void this receipt" in receipt_page.content.decode()  # today's, drawer open
    found = client.get(reverse("payments:receipts"), {"q": payment.receipt_number})
    assert payment.receipt_number in found.content.decode()
    assert client.get(reverse("payments:approvals")).status_code == 403

    client.force_login(supervisor)
    page = client.get(reverse("payments:approvals"))
    assert page.status_code == 200
    assert "Casey Clerk" in page.content.decode() or clerk.username in page.content.decode()

    client.force_login(trainee)
    assert client.get(reverse("payments:drawer_open")).status_code == 200
    assert client.get(reverse("payments:movement_pdf", args=[movement.pk])).status_code == 403
