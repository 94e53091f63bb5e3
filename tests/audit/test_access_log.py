"""The access log (audit.AccessEvent): each view of a customer's page, each reveal of contact
details in a list, and each export holding personal data names who, which customer or file,
and the request; exports need billing.export_personal_data."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AccessEvent
from billing.models import ImportBatch
from reconciliation.models import ReferralFile
from tests.payments.conftest import new_user

pytestmark = pytest.mark.django_db


def test_opening_a_customers_page_is_logged(client, clerk, dana):
    # given a clerk
    client.force_login(clerk)
    # when they open Dana's page
    response = client.get(reverse("billing:customer", args=[dana.pk]), REMOTE_ADDR="10.1.2.3")
    # then the page shows her details in full and the view is logged
    assert response.status_code == 200
    assert "212 N Aurora St" in response.content.decode()
    row = AccessEvent.objects.get()
    assert (row.kind, row.user, row.customer_ids) == (AccessEvent.Kind.VIEW, clerk, [dana.pk])
    assert row.what == "Customer page: Dana Whitfield"
    assert (row.method, row.url, row.ip) == ("GET", f"/billing/customers/{dana.pk}/", "10.1.2.3")


def test_show_reveals_one_customers_contact_details_and_is_logged(client, trainee, dana):
    # given a trainee at the counter's search
    dana.phone, dana.email = "(607) 555-6580", "dana@example.com"
    dana.save()
    client.force_login(trainee)
    url = reverse("billing:customer_contact", args=[dana.pk])
    # when they press Show (htmx)
    response = client.post(url, HTTP_HX_REQUEST="true")
    # then the fragment holds her details in full, and the reveal is logged
    page = response.content.decode()
    assert "(607) 555-6580" in page and "dana@example.com" in page and "212 N Aurora St" in page
    row = AccessEvent.objects.get()
    assert (row.kind, row.user, row.customer_ids) == (AccessEvent.Kind.REVEAL, trainee, [dana.pk])
    # and a GET reveals nothing
    assert client.get(url).status_code == 405
    assert AccessEvent.objects.count() == 1


def _referral_file(by) -> ReferralFile:
    return ReferralFile.objects.create(
        created_by=by,
        days_past_due=60,
        file_name="referral-1.csv",
        content="ticket,name\nP-1,Dana Whitfield\n",
        file_sha256="0" * 64,
        row_count=1,
        total="25.00",
    )


def test_downloading_a_referral_file_is_logged(client, supervisor):
    # given a referral file for the collection vendor (names and mailing addresses)
    made = _referral_file(supervisor)
    client.force_login(supervisor)
    # when a Supervisor downloads it
    response = client.get(reverse("reconciliation:referral_download", args=[made.pk]))
    # then they get it, and the export is logged
    assert response.status_code == 200
    row = AccessEvent.objects.get()
    assert (row.kind, row.user) == (AccessEvent.Kind.EXPORT, supervisor)
    assert (row.object_type, row.object_id) == ("reconciliation.ReferralFile", str(made.pk))
    assert row.what == "Referral file referral-1.csv"


def test_a_role_without_the_export_permission_is_refused_the_file(client, supervisor):
    # given someone who may refer tickets but not export personal data
    made = _referral_file(supervisor)
    referrer = new_user("referrer")
    referrer.groups.clear()
    referrer.user_permissions.add(
        Permission.objects.get(codename="refer_tickets", content_type__app_label="reconciliation")
    )
    client.force_login(referrer)
    # when they ask for the file, then they are refused and nothing is logged
    response = client.get(reverse("reconciliation:referral_download", args=[made.pk]))
    assert response.status_code == 403
    assert not AccessEvent.objects.exists()


def test_import_errors_csv_needs_the_export_permission_and_is_logged(client, supervisor):
    # given an import with errors (they quote what the file said: names, addresses)
    batch = ImportBatch.objects.create(
        source="tax", filename="roll.csv", sha256="1" * 64, errors=[], uploaded_by=supervisor
    )
    url = reverse("billing:import_errors", args=[batch.pk])
    # when someone who may import but not export asks for it, they are refused
    importer = new_user("importer")
    importer.groups.clear()
    importer.user_permissions.add(Permission.objects.get(codename="import_bills"))
    client.force_login(importer)
    assert client.get(url).status_code == 403
    # and a Supervisor gets it, logged
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    row = AccessEvent.objects.get()
    assert (row.kind, row.object_type, row.object_id) == (
        AccessEvent.Kind.EXPORT,
        "billing.ImportBatch",
        str(batch.pk),
    )


def test_only_supervisors_and_admins_may_export_personal_data(users):
    # given the roles
    from cashiering.roles import Role

    # then the export permission is the Supervisor's and the Admin's only
    may = {
        role: users[role].has_perm("billing.export_personal_data")
        for role in (Role.TRAINEE, Role.CLERK, Role.SUPERVISOR, Role.ADMIN)
    }
    assert may == {Role.TRAINEE: False, Role.CLERK: False, Role.SUPERVISOR: True, Role.ADMIN: True}


def test_opening_a_customer_in_the_admin_is_logged(client, admin_user, dana):
    # given an Admin
    client.force_login(admin_user)
    # when they open Dana in the admin
    response = client.get(reverse("admin:billing_customer_change", args=[dana.pk]))
    # then the view is logged
    assert response.status_code == 200
    row = AccessEvent.objects.get()
    assert (row.kind, row.user, row.customer_ids) == (AccessEvent.Kind.VIEW, admin_user, [dana.pk])
