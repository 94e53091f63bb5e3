"""Supervisors see every drawer (issue 10 §6): payments.views.receipts_view lists all of today's
receipts across drawers for a Supervisor, filtered by clerk, window, tender and status (bad
filter values answered with a message), and drawer_detail_view shows each drawer read-only;
clerks still see only their own drawer's receipts and only their own drawer."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.models import Payment
from payments.selectors import receipts_of_day
from payments.services import BillItem, payment_record, payment_void
from tests.payments.conftest import card, cash, check, issue, new_user, open_drawer

D = Decimal
ALL_TODAY = "Today's receipts, every drawer"


def _pay(drawer, by, bill, amount, tenders) -> Payment:
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=tenders,
        token=uuid.uuid4(),
        by=by,
    )


@pytest.fixture
def two_windows(office, clerk, dana, supervisor):
    """The clerk at Window 1 took $40.00 cash and $25.00 by card; a second clerk at Window 2
    took $60.00 by check, and a voided $10.00 in cash."""
    other = new_user("robin")
    first = open_drawer(clerk, office, number=1)
    second = open_drawer(other, office, number=2)
    receipts = {
        "cash": _pay(
            first, clerk, issue(dana, supervisor, amount="40.00"), "40.00", [cash("40.00")]
        ),
        "card": _pay(
            first, clerk, issue(dana, supervisor, amount="25.00"), "25.00", [card("25.00")]
        ),
        "check": _pay(
            second, other, issue(dana, supervisor, amount="60.00"), "60.00", [check("60.00")]
        ),
        "voided": _pay(
            second, other, issue(dana, supervisor, amount="10.00"), "10.00", [cash("10.00")]
        ),
    }
    payment_void(payment=receipts["voided"], reason="Wrong bill", by=other, approved_by=supervisor)
    return first, second, other, receipts


def _listed(page, receipts) -> set[str]:
    html = page.content.decode()
    section = html.split(ALL_TODAY, 1)[1] if ALL_TODAY in html else ""
    return {name for name, p in receipts.items() if p.receipt_number in section}


def test_a_supervisor_sees_every_drawers_receipts_today(client, supervisor, two_windows):
    first, second, _, receipts = two_windows
    client.force_login(supervisor)

    page = client.get(reverse("payments:receipts"))

    assert page.status_code == 200
    assert _listed(page, receipts) == {"cash", "card", "check", "voided"}
    html = page.content.decode()
    for drawer in (first, second):
        assert reverse("payments:drawer_detail", args=[drawer.pk]) in html


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"tender": "cash"}, {"cash", "voided"}),
        ({"tender": "check"}, {"check"}),
        ({"tender": "card"}, {"card"}),
        ({"status": "voided"}, {"voided"}),
        ({"status": "posted", "tender": "cash"}, {"cash"}),
    ],
)
def test_a_supervisor_filters_by_tender_and_status(
    client, supervisor, two_windows, filters, expected
):
    *_, receipts = two_windows
    client.force_login(supervisor)
    page = client.get(reverse("payments:receipts"), filters)
    assert page.status_code == 200
    assert _listed(page, receipts) == expected


def test_a_supervisor_filters_by_clerk_and_window(client, supervisor, clerk, two_windows):
    first, _, other, receipts = two_windows
    client.force_login(supervisor)

    by_clerk = client.get(reverse("payments:receipts"), {"clerk": other.pk})
    by_window = client.get(reverse("payments:receipts"), {"window": first.workstation_id})

    assert _listed(by_clerk, receipts) == {"check", "voided"}
    assert _listed(by_window, receipts) == {"cash", "card"}


@pytest.mark.parametrize(
    "filters",
    [
        {"clerk": "abc"},
        {"clerk": "999999999"},
        {"clerk": str(2**70)},
        {"window": "-1"},
        {"window": "1.5"},
        {"tender": "bitcoin"},
        {"status": "'; DROP TABLE payments_payment; --"},
        {"tender": "\x00"},
    ],
)
def test_bad_filter_values_get_a_message_not_a_500(client, supervisor, two_windows, filters):
    *_, receipts = two_windows
    client.force_login(supervisor)

    page = client.get(reverse("payments:receipts"), filters)

    assert page.status_code == 200
    html = page.content.decode()
    assert "A filter was not one of its choices" in html
    assert "Select a valid choice" in html
    # all of today's receipts are listed instead
    assert _listed(page, receipts) == {"cash", "card", "check", "voided"}


def test_a_clerk_sees_only_their_own_drawers_receipts(client, clerk, two_windows):
    *_, receipts = two_windows
    client.force_login(clerk)

    page = client.get(reverse("payments:receipts"), {"tender": "check"})

    html = page.content.decode()
    assert page.status_code == 200
    assert ALL_TODAY not in html
    assert receipts["cash"].receipt_number in html and receipts["card"].receipt_number in html
    assert receipts["check"].receipt_number not in html
    assert receipts["voided"].receipt_number not in html


def test_a_trainee_without_a_drawer_sees_no_ones_receipts(client, trainee, two_windows):
    *_, receipts = two_windows
    client.force_login(trainee)
    html = client.get(reverse("payments:receipts")).content.decode()
    assert ALL_TODAY not in html
    assert not any(p.receipt_number in html for p in receipts.values())


def test_receipts_of_day_lists_each_receipt_once_in_few_queries(
    two_windows, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        found = list(receipts_of_day(timezone.localdate()))
        tenders = [[t.kind for t in p.tenders.all()] for p in found]
        clerks = [p.drawer.clerk.username for p in found]
    assert len(found) == len({p.pk for p in found}) == 4
    assert len(tenders) == len(clerks) == 4


# A drawer's page


def test_a_supervisor_opens_another_clerks_drawer_and_sees_what_it_should_hold(
    client, supervisor, two_windows
):
    first, _, _, receipts = two_windows
    client.force_login(supervisor)

    page = client.get(reverse("payments:drawer_detail", args=[first.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert first.office.blind_close
    assert "Cash it should hold now" in html
    assert "250.00" in html  # the $210.00 float and $40.00 cash
    assert receipts["cash"].receipt_number in html and receipts["card"].receipt_number in html
    assert receipts["check"].receipt_number not in html
    assert "My drawer" not in html.split("<main", 1)[-1].split("Read-only", 1)[0]
    # read-only: no form posts anything from it
    assert 'method="post"' not in html.split("<main", 1)[-1]


def test_the_drawers_own_clerk_sees_no_expected_totals_under_blind_close(
    client, clerk, two_windows
):
    first, *_ = two_windows
    client.force_login(clerk)

    html = client.get(reverse("payments:drawer_detail", args=[first.pk])).content.decode()

    assert "Cash it should hold now" not in html and "250.00" not in html
    assert "Blind close" in html

    first.office.blind_close = False
    first.office.save()
    html = client.get(reverse("payments:drawer_detail", args=[first.pk])).content.decode()
    assert "Cash it should hold now" in html and "250.00" in html


def test_a_supervisor_working_a_window_counts_their_own_drawer_blind(
    client, supervisor, office, two_windows
):
    own = open_drawer(supervisor, office, number=3)
    client.force_login(supervisor)
    html = client.get(reverse("payments:drawer_detail", args=[own.pk])).content.decode()
    assert "Cash it should hold now" not in html


@pytest.mark.parametrize("role", ["Clerk", "Trainee"])
def test_a_clerk_or_trainee_cannot_open_another_clerks_drawer(client, users, two_windows, role):
    _, second, *_ = two_windows
    client.force_login(users[role])
    assert client.get(reverse("payments:drawer_detail", args=[second.pk])).status_code == 403


def test_a_drawer_page_needs_a_sign_in_and_an_existing_drawer(client, supervisor, two_windows):
    first, *_ = two_windows
    url = reverse("payments:drawer_detail", args=[first.pk])
    assert client.get(url).status_code == 302
    client.force_login(supervisor)
    assert client.get("/counter/drawers/99999999/").status_code == 404
    assert client.get(f"/counter/drawers/{2**70}/").status_code == 404


def test_my_drawer_is_only_ever_the_users_own(client, clerk, supervisor, two_windows):
    *_, receipts = two_windows
    # the clerk's "My drawer" is their drawer, not the other clerk's
    client.force_login(clerk)
    html = client.get(reverse("payments:drawer")).content.decode()
    assert "My drawer" in html and receipts["cash"].receipt_number in html
    assert receipts["check"].receipt_number not in html
    # a Supervisor with no drawer is sent to open one, not shown someone else's
    client.force_login(supervisor)
    page = client.get(reverse("payments:drawer"))
    assert page.status_code == 302 and page["Location"] == reverse("payments:drawer_open")


def test_the_approvals_page_links_each_open_drawer_to_its_page(client, supervisor, two_windows):
    # Given two open drawers.
    first, second, _, _ = two_windows
    client.force_login(supervisor)

    # When the Supervisor opens the approvals queue.
    html = client.get(reverse("payments:approvals")).content.decode()

    # Then each open drawer links to its read-only page, which opens.
    for drawer in (first, second):
        url = reverse("payments:drawer_detail", args=[drawer.pk])
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200
    assert f'aria-label="Drawer at {second.workstation}, ' in html


def test_a_supervisors_home_page_leads_to_todays_receipts_across_drawers(client, supervisor, clerk):
    # Given a Supervisor and a clerk.
    entry = f'href="{reverse("payments:receipts")}#today-h"'

    # When each opens the home page.
    client.force_login(supervisor)
    supervisors = client.get(reverse("home")).content.decode()
    client.force_login(clerk)
    clerks = client.get(reverse("home")).content.decode()

    # Then only the Supervisor is offered today's receipts of every drawer.
    assert entry in supervisors and "receipts, every drawer" in supervisors
    assert entry not in clerks and "receipts, every drawer" not in clerks
