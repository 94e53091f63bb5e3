"""Two-factor sign-in (cashiering.two_factor): Supervisors and Admins type a code from their
authenticator app after the password, on every page and the administration site; Trainees and
Clerks do not. `unverified_client` signs in with the password only (tests/conftest.py)."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cashiering.two_factor.services import DEMO_TOTP_KEY, totp_device_of

VERIFY = reverse("two_factor:verify")
ENROL = reverse("two_factor:enrol")
PAGES = ["/", reverse("ledger:trial_balance"), reverse("payments:receipts"), "/admin/"]


def code_of(device: TOTPDevice) -> str:
    """What the authenticator app shows now, from the device's key (RFC 6238)."""
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(6)


@pytest.mark.parametrize("role", ["trainee", "clerk"])
def test_trainees_and_clerks_are_never_asked_for_a_code(unverified_client, role, request):
    # given a Trainee or Clerk signed in with the password alone
    unverified_client.force_login(request.getfixturevalue(role))

    # when they open the home page, and then the enrol page by hand
    home = unverified_client.get("/")
    enrol = unverified_client.get(ENROL)

    # then the home page opens, and there is nothing for them to enrol
    assert home.status_code == 200
    assert enrol.status_code == 302 and enrol["Location"] == reverse("home")
    assert not TOTPDevice.objects.filter(user=request.getfixturevalue(role)).exists()


@pytest.mark.parametrize("role", ["supervisor", "admin_user"])
@pytest.mark.parametrize("page", PAGES)
def test_a_supervisor_or_admin_with_a_device_is_sent_to_verify_from_every_page(
    unverified_client, role, page, request
):
    # given a Supervisor or Admin (the demo users have a confirmed device) past the password only
    unverified_client.force_login(request.getfixturevalue(role))

    # when they open any page, the administration site included
    response = unverified_client.get(page)

    # then they are sent to type their code first, and come back to that page after
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={page.replace('/', '%2F')}"


@pytest.mark.parametrize("role", ["supervisor", "admin_user"])
def test_a_supervisor_or_admin_without_a_device_is_sent_to_enrol(unverified_client, role, request):
    # given a Supervisor or Admin with no authenticator app yet
    user = request.getfixturevalue(role)
    TOTPDevice.objects.filter(user=user).delete()
    unverified_client.force_login(user)

    # when they open the home page, or the verify page
    home = unverified_client.get("/")
    verify = unverified_client.get(VERIFY)

    # then both send them to set one up
    assert home["Location"] == f"{ENROL}?next=%2F"
    assert verify["Location"] == ENROL


def test_an_unverified_supervisor_still_reaches_sign_out_health_and_static_files(
    unverified_client, supervisor
):
    # given a Supervisor past the password only
    unverified_client.force_login(supervisor)

    # when they ask for the health check, a static file, the verify page, and sign out
    health = unverified_client.get(reverse("healthz"))
    static = unverified_client.get("/static/css/cashiering.css")
    verify = unverified_client.get(VERIFY)
    signed_out = unverified_client.post(reverse("logout"))

    # then each answers without the code
    assert health.status_code == 200
    assert static.status_code == 200
    assert verify.status_code == 200
    assert "Enter the 6-digit code from your authenticator app" in verify.text
    assert signed_out.status_code == 302 and signed_out["Location"] == reverse("login")
    assert "_auth_user_id" not in unverified_client.session


def test_a_superuser_without_a_role_needs_a_code_for_the_administration_site_only(
    unverified_client, db
):
    # given a superuser in no role group, past the password only
    root = User.objects.create_superuser("root", password="x")
    unverified_client.force_login(root)

    # when they open the home page and the administration site
    home = unverified_client.get("/")
    admin_site = unverified_client.get("/admin/")

    # then the home page opens, the administration site wants an enrolled app first
    assert home.status_code == 200
    assert admin_site["Location"] == f"{ENROL}?next=%2Fadmin%2F"


def test_the_right_code_verifies_the_session_and_goes_on_to_next(unverified_client, supervisor):
    # given a Supervisor at the verify page, on the way to the trial balance
    unverified_client.force_login(supervisor)
    device = totp_device_of(supervisor)
    trial_balance = reverse("ledger:trial_balance")

    # when they type the code their app shows
    response = unverified_client.post(VERIFY, {"code": code_of(device), "next": trial_balance})

    # then they go on to the trial balance, and every page opens for the rest of the session
    assert response.status_code == 302 and response["Location"] == trial_balance
    for page in PAGES[:3]:
        assert unverified_client.get(page).status_code == 200


def test_a_wrong_code_is_refused_with_a_message_and_counted(unverified_client, supervisor):
    # given a Supervisor at the verify page
    unverified_client.force_login(supervisor)
    device = totp_device_of(supervisor)
    wrong = str((int(code_of(device)) + 1) % 1_000_000).zfill(6)

    # when they type a wrong code
    response = unverified_client.post(VERIFY, {"code": wrong})

    # then the field says so, the failure is counted, and pages still want the code
    assert response.status_code == 200
    assert "That code is not right" in response.text
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert unverified_client.get("/")["Location"].startswith(VERIFY)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required."),
        ("12345", "A code is 6 digits"),
        ("١٢٣٤٥٦", "A code is 6 digits"),  # Arabic-Indic digits
        ("12345x", "A code is 6 digits"),
        ("1" * 21, "at most 20 characters"),
    ],
)
def test_a_code_that_is_not_six_digits_is_explained_and_not_counted(
    unverified_client, supervisor, typed, message
):
    # given a Supervisor at the verify page
    unverified_client.force_login(supervisor)

    # when they type something that is not six digits
    response = unverified_client.post(VERIFY, {"code": typed})

    # then the field explains, and it does not count as a wrong code
    assert response.status_code == 200
    assert message in response.text
    assert totp_device_of(supervisor).throttling_failure_count == 0


def test_after_a_wrong_code_even_the_right_one_waits_its_turn(
    unverified_client, supervisor, settings
):
    # given django-otp's throttling at one minute after the first wrong code
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    unverified_client.force_login(supervisor)
    device = totp_device_of(supervisor)
    wrong = str((int(code_of(device)) + 1) % 1_000_000).zfill(6)
    unverified_client.post(VERIFY, {"code": wrong})

    # when they then type the right code at once
    response = unverified_client.post(VERIFY, {"code": code_of(device)})

    # then it is refused, saying how long to wait, and the session is not verified
    assert response.status_code == 200
    assert "Too many wrong codes; wait" in response.text
    assert "seconds" in response.text
    assert unverified_client.get("/")["Location"].startswith(VERIFY)


def test_a_code_is_good_once(client, unverified_client, supervisor):
    # given a code the Supervisor already used in one session
    unverified_client.force_login(supervisor)
    device = totp_device_of(supervisor)
    code = code_of(device)
    assert unverified_client.post(VERIFY, {"code": code}).status_code == 302

    # when the same code is typed again in another session
    unverified_client.post(reverse("logout"))
    unverified_client.force_login(supervisor)
    response = unverified_client.post(VERIFY, {"code": code})

    # then it is refused
    assert "That code is not right" in response.text


@pytest.mark.parametrize(
    "next_page",
    ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/", "javascript:x"],
)
def test_next_never_leaves_the_site(unverified_client, supervisor, next_page):
    # given a Supervisor who followed a link whose `next` points elsewhere
    unverified_client.force_login(supervisor)
    device = totp_device_of(supervisor)

    # when they type the right code
    response = unverified_client.post(VERIFY, {"code": code_of(device), "next": next_page})

    # then they land on the home page
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_enrolment_shows_a_qr_code_and_the_key_and_a_code_confirms_it(
    unverified_client, admin_user
):
    # given an Admin without a device, sent to enrol on the way to the administration site
    TOTPDevice.objects.filter(user=admin_user).delete()
    unverified_client.force_login(admin_user)

    # when they open the enrol page
    page = unverified_client.get(ENROL, {"next": "/admin/"})

    # then it shows a QR code (inline SVG, no style attribute) and the key in base32, for a new
    # unconfirmed device
    device = TOTPDevice.objects.get(user=admin_user)
    assert not device.confirmed
    assert "<svg" in page.text and "style=" not in page.text.split("<svg")[1].split("</svg>")[0]
    assert "otpauth" not in page.text  # the QR code holds it; the page shows the key itself
    key = page.context["secret"].replace(" ", "")
    assert len(key) == 32 and set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    # when they type the code the app shows after scanning it
    response = unverified_client.post(ENROL, {"code": code_of(device), "next": "/admin/"})

    # then the device is confirmed, the session verified, and they go on
    device.refresh_from_db()
    assert device.confirmed
    assert response["Location"] == "/admin/"
    assert unverified_client.get("/admin/").status_code == 200
    assert unverified_client.get(ENROL)["Location"] == VERIFY  # enrolled: nothing more to set up


def test_enrolment_with_a_wrong_code_confirms_nothing(unverified_client, supervisor):
    # given a Supervisor at the enrol page
    TOTPDevice.objects.filter(user=supervisor).delete()
    unverified_client.force_login(supervisor)
    unverified_client.get(ENROL)
    device = TOTPDevice.objects.get(user=supervisor)
    wrong = str((int(code_of(device)) + 1) % 1_000_000).zfill(6)

    # when they type a wrong code
    response = unverified_client.post(ENROL, {"code": wrong})

    # then the field says so and the device stays unconfirmed, the same one on the next visit
    assert "That code is not right" in response.text
    device.refresh_from_db()
    assert not device.confirmed
    unverified_client.get(ENROL)
    assert list(TOTPDevice.objects.filter(user=supervisor)) == [device]


def test_an_htmx_request_is_sent_to_verify_as_a_whole_page(unverified_client, supervisor):
    # given a Supervisor past the password only
    unverified_client.force_login(supervisor)

    # when a fragment of a page asks the server
    response = unverified_client.get("/", headers={"HX-Request": "true"})

    # then htmx is told to load the verify page in place of the whole page
    assert response.status_code == 204 and response["HX-Redirect"] == VERIFY


def test_demo_otp_code_prints_a_code_the_verify_page_accepts(unverified_client, supervisor):
    # given the demo Supervisor, whose device has the documented demo key
    assert totp_device_of(supervisor).key == DEMO_TOTP_KEY
    unverified_client.force_login(supervisor)

    # when the command prints the code, and it is typed
    out = StringIO()
    call_command("demo_otp_code", "supervisor", stdout=out)
    response = unverified_client.post(VERIFY, {"code": out.getvalue().strip()})

    # then the page accepts it; and the command prints the next step's code once this one is used
    assert response.status_code == 302 and response["Location"] == reverse("home")
    again = StringIO()
    call_command("demo_otp_code", "supervisor", stdout=again)
    assert again.getvalue().strip() != out.getvalue().strip()


def test_demo_otp_code_refuses_a_user_without_a_device(clerk):
    with pytest.raises(CommandError, match="'clerk' has no demo authenticator device"):
        call_command("demo_otp_code", "clerk")
    with pytest.raises(CommandError, match="'nobody' is not a user"):
        call_command("demo_otp_code", "nobody")


def test_an_admin_sees_and_removes_devices_but_no_key(client, admin_user, supervisor):
    # given a verified Admin in the administration site
    client.force_login(admin_user)
    device = totp_device_of(supervisor)
    changelist = reverse("admin:otp_totp_totpdevice_changelist")

    # when they list the devices and remove the Supervisor's
    listing = client.get(changelist)
    removed = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )

    # then the list shows no key, and the Supervisor will enrol again at the next sign-in
    assert listing.status_code == 200 and DEMO_TOTP_KEY not in listing.text
    assert removed.status_code == 302
    assert totp_device_of(supervisor) is None
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403


def test_the_test_client_signs_supervisors_in_verified(client, supervisor):
    # tests/conftest.py: a test's force_login of a Supervisor includes the code step
    client.force_login(supervisor)
    assert client.get(reverse("ledger:trial_balance")).status_code == 200
