"""Links a person follows through the end of the day (found by the browser journey): the
deposits page ("Safe and deposits" on the home page) leads to the safe count too, and links
repeated on every row say which row they are for (a screen reader lists them out of the table)."""

import uuid
from decimal import Decimal

from django.urls import reverse

from ledger.models import Account
from reconciliation.services import deposit_prepare, drawer_close_count
from tests.reconciliation.conftest import issue, pay


def test_the_deposits_page_links_to_the_safe_count_and_a_new_deposit(client, office, supervisor):
    client.force_login(supervisor)

    page = client.get(reverse("reconciliation:deposits"), {"office": office.pk})

    assert page.status_code == 200
    html = page.content.decode()
    assert (
        f'href="{reverse("reconciliation:safe_count")}?office={office.pk}">Count the safe' in html
    )
    assert (
        f'href="{reverse("reconciliation:deposit_prepare")}?office={office.pk}">Prepare a deposit'
        in html
    )


def test_a_supervisor_who_may_not_count_the_safe_sees_no_link_to_it(client, office, supervisor):
    from django.contrib.auth.models import Permission

    supervisor.user_permissions.add(Permission.objects.get(codename="prepare_deposit"))
    supervisor.groups.clear()
    client.force_login(supervisor)

    html = client.get(reverse("reconciliation:deposits"), {"office": office.pk}).content.decode()

    assert "Prepare a deposit" in html
    assert "Count the safe" not in html


def test_each_deposit_slip_link_names_its_bag(client, office, drawer, clerk, supervisor, dana):
    pay(drawer, clerk, issue(dana, supervisor, amount="100.00"))
    drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 15, "Quarters": 40},
        checks=[],
        card_batch_total=Decimal("0.00"),
        stock={},
        by=clerk,
        received_by=supervisor,
        token=uuid.uuid4(),
    )
    deposit_prepare(
        office=office,
        bank_account=Account.objects.get(code="1100"),
        bag_number="B-9",
        counts={"$20 bills": 5},
        checks=[],
        by=supervisor,
        token=uuid.uuid4(),
    )
    client.force_login(supervisor)

    html = client.get(reverse("reconciliation:deposits"), {"office": office.pk}).content.decode()

    assert 'PDF<span class="visually-hidden"> slip of bag B-9</span></a>' in html


def test_each_sign_off_link_names_its_drawer(client, drawer, clerk, supervisor):
    drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 9},
        checks=[],
        card_batch_total=Decimal("0.00"),
        stock={},
        by=clerk,
        token=uuid.uuid4(),
    )
    client.force_login(supervisor)

    html = client.get(reverse("reconciliation:sign_off_queue")).content.decode()

    assert (
        f'Review and sign off<span class="visually-hidden"> drawer {drawer.pk}</span></a>' in html
    )
