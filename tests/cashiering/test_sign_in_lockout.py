"""Sign-in lockout (django-axes, counted in the database): the sign-in page and the Supervisor's
credentials typed at the counter share one count per name; an Admin clears a lock."""

import logging

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from payments.models import Payment
from tests.payments.conftest import open_drawer
from tests.payments.test_views import _paid

LOGIN = "/accounts/login/"
LOCKED = "This sign-in is paused after too many wrong passwords"


def sign_in(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_five_wrong_passwords_lock_the_name_even_with_the_right_one(client, supervisor):
    # Given four wrong passwords, each answered on the sign-in form
    answers = [sign_in(client, "supervisor", "guess").status_code for _ in range(4)]

    # When a fifth is wrong, and then the right one is typed
    fifth = sign_in(client, "supervisor", "guess")
    right = sign_in(client, "supervisor", "supervisor-demo-2026")

    # Then the form answered the first four; then the name is paused, even for the right password
    assert answers == [200] * 4
    assert fifth.status_code == right.status_code == 429
    assert LOCKED in right.text and "Try again in 15 minutes" in right.text
    assert "_auth_user_id" not in client.session
    # ... and the count is a row in the database, seen by every server and worker
    attempt = AccessAttempt.objects.get(username="supervisor")
    assert attempt.failures_since_start == 5


def test_the_lock_holds_for_another_browser_and_reveals_nothing(client, supervisor):
    for _ in range(5):
        sign_in(client, "supervisor", "guess")
    for _ in range(5):
        sign_in(client, "nobody-of-that-name", "guess")

    # When the Supervisor tries from another browser (another session)
    elsewhere = sign_in(Client(), "supervisor", "supervisor-demo-2026")
    nobody = sign_in(Client(), "nobody-of-that-name", "guess")

    # Then both are paused with the same words: the page does not say whether a name exists
    assert elsewhere.status_code == nobody.status_code == 429
    assert LOCKED in elsewhere.text and LOCKED in nobody.text
    assert "nobody-of-that-name" not in nobody.text


def test_clerks_sharing_the_office_address_are_not_locked_by_one_name(client, clerk, supervisor):
    # Given one name locked from the office's one public address
    for _ in range(5):
        sign_in(client, "supervisor", "guess", REMOTE_ADDR="198.51.100.7")

    # When a clerk signs in from the same address
    page = sign_in(Client(), "clerk", "clerk-demo-2026", REMOTE_ADDR="198.51.100.7")

    # Then the clerk is in: the lock is by name, not by address
    assert page.status_code == 302


def test_behind_a_proxy_the_address_recorded_is_the_one_the_proxy_saw(client, users, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    sign_in(client, "clerk", "guess", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    assert AccessAttempt.objects.get(username="clerk").ip_address == "203.0.113.9"


def test_a_successful_sign_in_clears_the_earlier_failures(client, clerk):
    for _ in range(4):
        sign_in(client, "clerk", "guess")
    assert sign_in(client, "clerk", "clerk-demo-2026").status_code == 302
    assert not AccessAttempt.objects.filter(username="clerk").exists()


def test_wrong_supervisor_passwords_at_the_counter_lock_the_sign_in_page_too(
    client, trainee, office, dana, supervisor
):
    # Given a trainee's void that five wrong Supervisor passwords were typed into
    drawer = open_drawer(trainee, office, number=3)
    client.force_login(trainee)
    payment = _paid(client, drawer, dana, supervisor)
    url = reverse("payments:payment_void", args=[payment.receipt_number])
    data = {"void-reason": "Wrong bill", "void-supervisor_username": "supervisor"}
    for _ in range(5):
        client.post(url, {**data, "void-supervisor_password": "guess"})

    # When the right password is typed at the counter, and at the sign-in page elsewhere
    counter = client.post(
        url, {**data, "void-supervisor_password": "supervisor-demo-2026"}, follow=True
    )
    page = sign_in(Client(), "supervisor", "supervisor-demo-2026")

    # Then the counter says so on its own page (not a 500, not the sign-in page) and voids
    # nothing; the sign-in page refuses the name too: one count, in the database
    assert counter.status_code == 200
    assert LOCKED in counter.text
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED
    assert page.status_code == 429


def test_a_name_locked_at_sign_in_is_refused_at_the_counter(
    client, trainee, office, dana, supervisor
):
    drawer = open_drawer(trainee, office, number=3)
    client.force_login(trainee)
    payment = _paid(client, drawer, dana, supervisor)
    for _ in range(5):
        sign_in(Client(), "supervisor", "guess")

    page = client.post(
        reverse("payments:payment_void", args=[payment.receipt_number]),
        {
            "void-reason": "Wrong bill",
            "void-supervisor_username": "supervisor",
            "void-supervisor_password": "supervisor-demo-2026",
        },
        follow=True,
    )

    assert LOCKED in page.text
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED


def test_an_admin_sees_and_clears_a_lock(client, admin_user, supervisor):
    # Given a locked Supervisor
    for _ in range(5):
        sign_in(Client(), "supervisor", "guess")
    attempt = AccessAttempt.objects.get(username="supervisor")

    # When an Admin opens the lockouts and deletes the row
    client.force_login(admin_user)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    cleared = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    # Then the lock was listed, is gone, and the Supervisor signs in again
    assert listing.status_code == 200 and "supervisor" in listing.text
    assert "Locked Out" in listing.text
    assert cleared.status_code == 302
    assert sign_in(Client(), "supervisor", "supervisor-demo-2026").status_code == 302


@pytest.mark.parametrize("role", ["supervisor", "clerk"])
def test_the_administration_site_is_for_admins_only(client, users, role, request):
    # Given someone who is not an Admin, even with staff status ticked on their account
    user = request.getfixturevalue(role)
    user.is_staff = True
    user.save()
    client.force_login(user)

    page = client.get(reverse("admin:axes_accessattempt_changelist"))

    # Then the administration site sends them to its own sign-in
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("admin:login"))


def test_no_password_reaches_a_log_or_the_stored_attempt(
    client, trainee, office, dana, supervisor, caplog
):
    # Given every logger at DEBUG
    caplog.set_level(logging.DEBUG)
    drawer = open_drawer(trainee, office, number=3)
    client.force_login(trainee)
    payment = _paid(client, drawer, dana, supervisor)

    # When a sign-in fails and a counter approval fails
    sign_in(Client(), "supervisor", "Sign-in-Secret-771")
    client.post(
        reverse("payments:payment_void", args=[payment.receipt_number]),
        {
            "void-reason": "Wrong bill",
            "void-supervisor_username": "supervisor",
            "void-supervisor_password": "Counter-Secret-772",
        },
    )

    # Then neither password is in any log record nor in what axes stored of the request
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "AXES" in logged  # axes did log the failures
    stored = "\n".join(AccessAttempt.objects.values_list("post_data", flat=True))
    for secret in ("Sign-in-Secret-771", "Counter-Secret-772"):
        assert secret not in logged
        assert secret not in stored


def test_wrong_old_passwords_on_the_password_change_page_count_towards_the_lock(client, clerk):
    # Given a clerk's session left open, and someone guessing its password on the change page
    client.force_login(clerk)
    url = reverse("password_change")
    new = {"new_password1": "a-much-better-passphrase", "new_password2": "a-much-better-passphrase"}
    guesses = [client.post(url, {"old_password": f"guess{n}", **new}) for n in range(5)]

    # When the right old password is then typed
    right = client.post(url, {"old_password": "clerk-demo-2026", **new})

    # Then each guess was refused on the field, the name is locked as at sign-in, and the
    # right password changes nothing while it is
    assert all("Your old password was entered incorrectly" in g.text for g in guesses[:4])
    assert AccessAttempt.objects.get(username="clerk").failures_since_start == 5
    assert right.status_code == 200 and LOCKED in right.text
    clerk.refresh_from_db()
    assert clerk.check_password("clerk-demo-2026")
    assert sign_in(Client(), "clerk", "clerk-demo-2026").status_code == 429


def test_the_admin_password_change_is_the_counted_page(client, admin_user):
    # Given an Admin at the administration site
    client.force_login(admin_user)

    # When they open the admin's "Change password"
    response = client.get("/admin/password_change/")

    # Then it is the app's page, whose wrong old passwords count towards the lock
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
    client.post(response["Location"], {"old_password": "wrong", "new_password1": "x"})
    assert AccessAttempt.objects.get(username=admin_user.username).failures_since_start == 1
