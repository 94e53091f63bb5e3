"""cashiering.admin: Admins give people one of the four roles; only a superuser makes a superuser
or grants a single permission (issue 8, §14)."""

import pytest
from django import forms
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from cashiering.roles import Role


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "correct-horse-battery")


def _posted(form) -> dict:
    """What the browser would send back for `form` unchanged."""
    data: dict = {}
    for bound in form:
        field, value = bound.field, bound.value()
        if field.disabled or value is None or value is False:
            continue
        if isinstance(field.widget, forms.MultiWidget):
            for suffix, part in zip(
                field.widget.widgets_names, field.widget.decompress(value), strict=True
            ):
                data[bound.html_name + suffix] = "" if part is None else str(part)
        elif value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(value)
    return data


def _change(client, user: User, **changes):
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = {**_posted(client.get(url).context["adminform"].form), **changes}
    return client.post(url, data)


@pytest.mark.parametrize("target", ["clerk", "itself"])
def test_an_admin_cannot_make_anyone_a_superuser_or_grant_a_permission(
    client, admin_user, clerk, target
):
    user = admin_user if target == "itself" else clerk
    client.force_login(admin_user)
    form = client.get(reverse("admin:auth_user_change", args=[user.pk])).context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
    permission = Permission.objects.get(codename="delete_user")
    response = _change(client, user, is_superuser="on", user_permissions=[str(permission.pk)])
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_superuser
    assert not user.user_permissions.exists()
    assert not user.has_perm("auth.delete_user")


def test_an_admin_assigns_one_of_the_four_roles(client, admin_user, clerk):
    auditors = Group.objects.create(name="Auditors")
    auditors.permissions.add(Permission.objects.get(codename="delete_user"))
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    choices = client.get(url).context["adminform"].form.fields["groups"].queryset
    assert sorted(choices.values_list("name", flat=True)) == sorted(
        [Role.ADMIN, Role.CLERK, Role.SUPERVISOR, Role.TRAINEE]
    )
    supervisor = Group.objects.get(name=Role.SUPERVISOR)
    assert _change(client, clerk, groups=[str(supervisor.pk)]).status_code == 302
    assert list(clerk.groups.values_list("name", flat=True)) == [Role.SUPERVISOR]
    page = _change(client, clerk, groups=[str(auditors.pk)])
    assert page.status_code == 200
    assert "Select a valid choice." in page.text
    assert list(clerk.groups.values_list("name", flat=True)) == [Role.SUPERVISOR]


def test_an_admin_cannot_change_a_superusers_account(client, admin_user, superuser):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[superuser.pk])
    assert client.post(url, {"username": "root", "is_active": ""}).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.post(password, {"password1": "x" * 20, "password2": "x" * 20}).status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_active and superuser.check_password("correct-horse-battery")


def test_a_superuser_may_still_grant_superuser_status(client, superuser, clerk):
    client.force_login(superuser)
    assert _change(client, clerk, is_superuser="on").status_code == 302
    clerk.refresh_from_db()
    assert clerk.is_superuser


def test_a_card_number_in_a_users_name_is_refused(client, admin_user, clerk):
    client.force_login(admin_user)
    page = _change(client, clerk, first_name="4111 1111 1111 1111")
    assert page.status_code == 200
    assert "This looks like a full card number." in page.text
    clerk.refresh_from_db()
    assert clerk.first_name != "4111 1111 1111 1111"
