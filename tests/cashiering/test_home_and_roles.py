"""Sign-in, sign-out, password change, and a home page that shows each role what it may do."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cashiering.demo import DEMO_LOGINS
from cashiering.roles import ROLE_PERMISSIONS, Role, roles_sync
from cashiering.two_factor.services import ROLES_WITH_TWO_FACTOR, totp_code_now, totp_device_of


def test_groups_have_exactly_their_permissions(db):
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert granted == set(names), role


def test_roles_sync_is_idempotent_and_restores_a_stripped_group(db):
    Group.objects.get(name=Role.SUPERVISOR).permissions.clear()
    roles_sync()
    roles_sync()
    assert Group.objects.filter(name__in=ROLE_PERMISSIONS).count() == 4
    assert (
        Group.objects.get(name=Role.SUPERVISOR)
        .permissions.filter(codename="view_trial_balance")
        .exists()
    )


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login.role)
def test_each_demo_login_signs_in_and_sees_its_role(client, users, login):
    response = client.post(
        reverse("login"), {"username": login.username, "password": login.password}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == login.username
    if login.role in ROLES_WITH_TWO_FACTOR:
        # Supervisors and Admins then type the code their authenticator app shows
        assert "Enter the 6-digit code from your authenticator app" in response.text
        code = totp_code_now(totp_device_of(response.context["user"]))
        response = client.post(reverse("two_factor:verify"), {"code": code}, follow=True)
    article = "an" if login.role == "Admin" else "a"
    assert f"You are signed in as {article} <strong>{login.role}</strong>" in response.text


def test_wrong_password_says_so_and_signs_no_one_in(client, users):
    response = client.post(reverse("login"), {"username": "clerk", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert "_auth_user_id" not in client.session


def test_clerk_home_offers_no_supervisor_pages(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("home")).text
    assert "Change my password" in page
    assert "Trial balance" not in page
    assert "Administration" not in page


def test_supervisor_home_offers_the_trial_balance(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("home")).text
    assert reverse("ledger:trial_balance") in page
    assert "Administration" not in page


def test_admin_home_offers_administration(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("home")).text
    assert reverse("admin:index") in page
    assert client.get(reverse("admin:index")).status_code == 200


def test_clerk_is_refused_the_admin_site(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_sign_out_is_a_post_and_ends_the_session(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change_checks_the_old_password(client, clerk):
    client.force_login(clerk)
    url = reverse("password_change")
    response = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": "a-much-better-passphrase",
            "new_password2": "a-much-better-passphrase",
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text
    response = client.post(
        url,
        {
            "old_password": "clerk-demo-2026",
            "new_password1": "a-much-better-passphrase",
            "new_password2": "a-much-better-passphrase",
        },
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("a-much-better-passphrase")
