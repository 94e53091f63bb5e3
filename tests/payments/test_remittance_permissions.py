"""Who may reach each remittance address (payments.views_remittance, and reconciliation's
lockbox and vendor matching): signed out, the sign-in; a Trainee, 403; a Clerk works batches and
sees the exceptions but does not resolve them nor match the bank's lines; a Supervisor does all.
And whose batch a Clerk may change: only one they opened (a Supervisor, any open batch)."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cashiering.roles import Role
from payments.errors import RemittanceError
from payments.models import RemittanceBatch, RemittanceItem
from payments.services.remittance import (
    Resolution,
    remittance_batch_cancel,
    remittance_batch_post,
    remittance_exception_resolve,
    remittance_item_add,
    remittance_item_remove,
    remittance_sources_seed,
)
from tests.payments.conftest import new_user
from tests.payments.test_remittance_views import add, bills, open_batch
from tests.reconciliation.flows import statement_imported

D = Decimal
__all__ = ["bills"]  # the fixture, used by name

LOGIN, FORBIDDEN, ALLOWED = "login", 403, "allowed"
ANON, TRAINEE, CLERK, SUPERVISOR = "anonymous", Role.TRAINEE, Role.CLERK, Role.SUPERVISOR
ROLES = (ANON, TRAINEE, CLERK, SUPERVISOR)

# (name, method, what it needs, who may) for every remittance address.
WORKERS = {CLERK, SUPERVISOR}
ADDRESSES = [
    ("payments:remittance_batches", "get", None, WORKERS),
    ("payments:remittance_batches", "post", None, WORKERS),
    ("payments:remittance_batch", "get", "open", WORKERS),
    ("payments:remittance_item_add", "post", "open", WORKERS),
    ("payments:remittance_item_remove", "post", "open_item", WORKERS),
    ("payments:remittance_post", "get", "open", WORKERS),
    ("payments:remittance_post", "post", "open", WORKERS),
    ("payments:remittance_cancel", "post", "open", WORKERS),
    ("payments:remittance_report_pdf", "get", "posted", WORKERS),
    ("payments:remittance_exceptions", "get", None, WORKERS),
    ("payments:remittance_resolve", "post", "exception", {SUPERVISOR}),
    ("payments:remittance_letter_pdf", "get", "returned", WORKERS),
    ("payments:remittance_import", "get", None, WORKERS),
    ("payments:remittance_import", "post", None, WORKERS),
    ("payments:remittance_import_progress", "get", "token", WORKERS),
    ("reconciliation:statement_line_lockbox", "post", "line", {SUPERVISOR}),
    ("reconciliation:statement_line_vendor", "post", "line", {SUPERVISOR}),
]


@pytest.fixture
def world(office, clerk, supervisor, trainee, bills):
    """An open batch with one item, a posted batch with an exception and a returned check (all
    the Clerk's), the demo's sources, and a bank statement line to match."""
    remittance_sources_seed(office=office)
    batch = open_batch(office, clerk, "1000.00", 1)
    item = add(batch, clerk, bills[0].number, "1000.00")
    posted = open_batch(office, clerk, "300.00", 2)
    add(posted, clerk, "NO-SUCH-BILL", "100.00", "3001", "Alex Unknown")
    add(posted, clerk, "ALSO-UNKNOWN", "200.00", "3002", "Sam Unknown")
    remittance_batch_post(batch=posted, by=clerk, token=uuid.uuid4())
    waiting, to_return = posted.items.order_by("sequence")
    remittance_exception_resolve(
        item=to_return,
        action=Resolution.RETURN,
        amount=None,
        note="No such bill",
        by=supervisor,
        token=uuid.uuid4(),
    )
    [line] = statement_imported(by=supervisor, lines=[(timezone.localdate(), D("10.00"), "X")])
    return {
        "open": [batch.pk],
        "open_item": [batch.pk, item.pk],
        "posted": [posted.pk],
        "exception": [waiting.pk],
        "returned": [to_return.pk],
        "token": [uuid.uuid4()],
        "line": [line.pk],
        None: [],
    }


def _user(role, clerk, supervisor, trainee):
    return {ANON: None, TRAINEE: trainee, CLERK: clerk, SUPERVISOR: supervisor}[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "needs", "who"), ADDRESSES)
def test_every_remittance_address_by_role(
    client, world, clerk, supervisor, trainee, role, name, method, needs, who
):
    # given a user of the role (or nobody signed in)
    user = _user(role, clerk, supervisor, trainee)
    if user is not None:
        client.force_login(user)
    url = reverse(name, args=world[needs])

    # when the address is opened (a form sent empty: it must say what is missing)
    response = getattr(client, method)(url)

    # then signed out goes to the sign-in, a role without the right gets 403, others get in
    expected = LOGIN if user is None else ALLOWED if role in who else FORBIDDEN
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif expected == FORBIDDEN:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("login"))


# Whose batch


@pytest.fixture
def other_clerk(db):
    return new_user("second_clerk", Role.CLERK)


def test_a_clerk_changes_only_a_batch_they_opened(office, clerk, other_clerk, supervisor, bills):
    # given a batch the first clerk opened, with one check
    batch = open_batch(office, clerk, "1250.00", 2)
    item = add(batch, clerk, bills[0].number, "1000.00")
    refused = f"Batch {batch.number} was opened by"

    # when another clerk adds, removes, cancels or posts: refused, nothing saved
    with pytest.raises(RemittanceError, match=refused):
        add(batch, other_clerk, bills[1].number, "250.00")
    with pytest.raises(RemittanceError, match=refused):
        remittance_item_remove(item=item, by=other_clerk)
    with pytest.raises(RemittanceError, match=refused):
        remittance_batch_cancel(batch=batch, by=other_clerk, reason="Mine now")
    add(batch, clerk, bills[1].number, "250.00")
    with pytest.raises(RemittanceError, match=refused):
        remittance_batch_post(batch=batch, by=other_clerk, token=uuid.uuid4())
    batch.refresh_from_db()
    assert batch.status == RemittanceBatch.Status.OPEN
    assert batch.items.count() == 2

    # then a Supervisor may work it: remove, add back and post
    remittance_item_remove(item=item, by=supervisor)
    add(batch, supervisor, bills[0].number, "1000.00")
    posted = remittance_batch_post(batch=batch, by=supervisor, token=uuid.uuid4())
    assert posted.status == RemittanceBatch.Status.POSTED


def test_another_clerk_is_told_on_the_page_and_nothing_is_saved(
    client, office, clerk, other_clerk, bills
):
    # given the first clerk's batch, totals agreeing
    batch = open_batch(office, clerk, "1000.00", 1)
    item = add(batch, clerk, bills[0].number, "1000.00")
    client.force_login(other_clerk)
    said = f"Batch {batch.number} was opened by"

    # when the second clerk adds a check, removes one, cancels and posts through the pages
    added = client.post(
        reverse("payments:remittance_item_add", args=[batch.pk]),
        {
            "token": uuid.uuid4(),
            "scanline": bills[1].number,
            "amount": "250.00",
            "check_number": "5",
        },
    )
    removed = client.post(
        reverse("payments:remittance_item_remove", args=[batch.pk, item.pk]), follow=True
    )
    cancelled = client.post(
        reverse("payments:remittance_cancel", args=[batch.pk]), {"reason": "Not mine"}
    )
    posted = client.post(
        reverse("payments:remittance_post", args=[batch.pk]),
        {"token": uuid.uuid4(), "confirm": "on"},
    )

    # then each page says why (never a 500) and the batch is as the first clerk left it
    for response in (added, removed, cancelled, posted):
        assert response.status_code == 200
        assert said in response.text
    batch.refresh_from_db()
    assert batch.status == RemittanceBatch.Status.OPEN
    assert list(batch.items.values_list("pk", "state")) == [(item.pk, RemittanceItem.State.CLEAN)]


def test_the_same_clerk_still_works_their_own_batch(office, clerk, bills):
    batch = open_batch(office, clerk, "1000.00", 1)
    remittance_item_add(
        batch=batch,
        scanline=bills[0].number,
        amount=D("1000.00"),
        check_number="7",
        postmark=None,
        by=clerk,
        token=uuid.uuid4(),
    )
    assert remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4()).status == "posted"


def test_another_clerks_open_batch_shows_no_forms_to_work_it(
    client, office, clerk, other_clerk, supervisor, bills
):
    # given the first clerk's open batch
    batch = open_batch(office, clerk, "1000.00", 1)
    add(batch, clerk, bills[0].number, "1000.00")
    page = reverse("payments:remittance_batch", args=[batch.pk])
    forms = (
        reverse("payments:remittance_item_add", args=[batch.pk]),
        reverse("payments:remittance_cancel", args=[batch.pk]),
        reverse("payments:remittance_post", args=[batch.pk]),
    )

    # when another clerk opens its page
    client.force_login(other_clerk)
    seen = client.get(page).text

    # then it says whose batch it is and offers no form that would be refused
    assert f"Batch {batch.number} was opened by" in seen
    assert not any(f'action="{url}"' in seen for url in forms)

    # while its own clerk and a Supervisor get the forms
    for worker in (clerk, supervisor):
        client.force_login(worker)
        seen = client.get(page).text
        assert all(f'action="{url}"' in seen for url in forms)
        assert "was opened by" not in seen
