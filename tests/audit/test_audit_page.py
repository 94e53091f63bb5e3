"""The audit page (audit.views): Supervisors and Admins only, filtered by user, object, days
and kind, each change with its changed fields, and a CSV of the same rows (itself logged, its
cells safe from spreadsheet formulas)."""

import csv
import io

import pghistory
import pytest
from django.urls import reverse

from audit.models import AccessEvent
from audit.services import access_record
from billing.models import Holiday

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(admin_user, clerk, dana, client):
    """A closure renamed by the Admin, and the clerk's look at Dana's page."""
    with pghistory.context(user=admin_user.pk, url="/admin/holiday/", method="POST", ip="10.0.0.1"):
        day = Holiday.objects.create(date="2026-02-03", name="Snow day")
        Holiday.objects.filter(pk=day.pk).update(name='=HYPERLINK("http://x")')
    client.force_login(clerk)
    client.get(reverse("billing:customer", args=[dana.pk]))
    client.logout()
    return day


def test_the_page_is_for_supervisors_and_admins(client, trainee, clerk, supervisor, admin_user):
    url = reverse("audit:trail")
    for user, status in ((trainee, 403), (clerk, 403), (supervisor, 200), (admin_user, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    # and the navigation links it for them
    assert 'href="/audit/"' in client.get(reverse("home")).content.decode()
    client.force_login(clerk)
    assert 'href="/audit/"' not in client.get(reverse("home")).content.decode()


def test_a_change_shows_who_and_the_fields_it_changed(client, supervisor, history):
    # given a Supervisor
    client.force_login(supervisor)
    # when they filter on the holiday's changes
    page = client.get(
        reverse("audit:trail"),
        {"object_type": "billing.Holiday", "object_text": str(history.pk), "kind": "change"},
    ).content.decode()
    # then they see both events, the Admin, the request and the changed name
    assert "2 rows." in page
    assert "Snow day" in page and "→" in page and "POST /admin/holiday/" in page
    assert "Customer page" not in page


def test_filter_by_user_and_kind(client, supervisor, clerk, admin_user, history, dana):
    client.force_login(supervisor)
    url = reverse("audit:trail")
    by_clerk = client.get(url, {"user": clerk.pk}).content.decode()
    assert "Customer page: Dana Whitfield" in by_clerk and "Snow day" not in by_clerk
    views = client.get(url, {"kind": "view", "object_text": str(dana.pk)}).content.decode()
    assert "1 row." in views
    by_admin = client.get(url, {"user": admin_user.pk, "kind": "change"}).content.decode()
    assert "2 rows." in by_admin


def test_bad_filters_give_a_message_not_an_error(client, supervisor):
    client.force_login(supervisor)
    response = client.get(
        reverse("audit:trail"),
        {"date_from": "2026-02-10", "date_to": "2026-02-01", "user": "nobody", "page": "x"},
    )
    assert response.status_code == 200
    assert "The last day comes on or after the first." in response.content.decode()


def test_the_csv_holds_the_filtered_rows_is_formula_safe_and_is_logged(
    client, rf, supervisor, history
):
    # given an access row whose text a spreadsheet would run as a formula
    request = rf.get("/x/")
    request.user = supervisor
    access_record(kind=AccessEvent.Kind.EXPORT, what="=2+3", request=request)
    client.force_login(supervisor)
    # when a Supervisor exports the holiday's changes, then the exports
    changes = client.get(
        reverse("audit:trail_csv"), {"object_type": "billing.Holiday", "kind": "change"}
    )
    exports = client.get(reverse("audit:trail_csv"), {"kind": "export"})
    # then the first CSV has a row per change, with the changed field
    rows = list(csv.reader(io.StringIO(changes.content.decode())))
    assert rows[0][:3] == ["when", "who", "kind"]
    assert len(rows) == 3
    assert "name: 'Snow day' -> '=HYPERLINK" in rows[1][6] + rows[2][6]
    # and in the second the formula is neutralised (a leading quote, as every CSV we write)
    cells = [cell for row in csv.reader(io.StringIO(exports.content.decode())) for cell in row]
    assert "'=2+3" in cells and "=2+3" not in cells
    # and each export is itself logged
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.EXPORT, user=supervisor).count() == 3


def test_a_role_without_the_export_permission_gets_no_csv(client, supervisor):
    # given someone who may see the audit page but not export personal data
    from django.contrib.auth.models import Permission

    from tests.payments.conftest import new_user

    auditor = new_user("auditor")
    auditor.groups.clear()
    auditor.user_permissions.add(Permission.objects.get(codename="view_audit"))
    client.force_login(auditor)
    # then the page opens but the CSV is refused
    assert client.get(reverse("audit:trail")).status_code == 200
    assert client.get(reverse("audit:trail_csv")).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"date_to": "9999-12-31"},  # the day after it is past datetime's last day
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"object_text": "²"},  # str.isdigit() says yes, int() says no
        {"object_text": "١٢"},  # Arabic-Indic digits: words, not an id
        {"object_text": "99999999999999999999999"},
    ],
)
def test_odd_filters_give_a_page_not_an_error(client, supervisor, query):
    # given a Supervisor
    client.force_login(supervisor)
    # when they filter (and export) with the far ends of the calendar or odd digits
    page = client.get(reverse("audit:trail"), query)
    export = client.get(reverse("audit:trail_csv"), query)
    # then both answer, with no server error (a date out of the books' range is refused)
    assert page.status_code == 200
    assert export.status_code in (200, 400)
    if "date_to" in query:
        assert "is outside the dates the books use" in page.content.decode()
