"""The permission matrix: every URL the resolver knows (the admin's included) opened by every
role (signed out, Trainee, Clerk, Supervisor, Admin) gets the outcome EXPECTED says, and a role
refused a page saves nothing when it posts to it. A URL with no entry fails the matrix."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import get_resolver, reverse

from billing.models import Customer
from cashiering import pdf
from cashiering.roles import Role
from tests.cashiering.matrix_world import NO_SUCH_PK, World, world_build
from tests.cashiering.test_login_required import _walk

ANON, TRAINEE, CLERK, SUPERVISOR, ADMIN = "anon", Role.TRAINEE, Role.CLERK, Role.SUPERVISOR, "Admin"
ROLES = (ANON, TRAINEE, CLERK, SUPERVISOR, ADMIN)

# Outcomes: "ok" 200; "login" sent to our sign-in; "admin_login" sent to the admin's sign-in;
# "denied" 403; "redirect" any other redirect (a counter page with no drawer open sends the
# user to open one); "405" a POST-only address opened with GET; "404" no such object (only for
# the objects of MISSING, and for the admin's catch-all).


def roles(anon="login", trainee="ok", clerk="ok", supervisor="ok", admin="ok") -> dict[str, str]:
    """One row of the matrix: the outcome for each role."""
    return {ANON: anon, TRAINEE: trainee, CLERK: clerk, SUPERVISOR: supervisor, ADMIN: admin}


PUBLIC = roles(anon="ok")
SIGNED_IN = roles()
CLERKS = roles(trainee="denied")
SUPERVISORS = roles(trainee="denied", clerk="denied")
ADMINS = roles(trainee="denied", clerk="denied", supervisor="denied")


def post_only(row: dict[str, str]) -> dict[str, str]:
    """The row of a POST-only address opened with GET: 405 wherever the role gets in."""
    return {role: "405" if outcome == "ok" else outcome for role, outcome in row.items()}


# The counter's own pages: the world's Trainee and Clerk have a drawer open; a Supervisor or
# Admin without one is sent to open one.
AT_A_DRAWER = roles(supervisor="redirect", admin="redirect")


EXPECTED: dict[str, dict[str, str]] = {
    "billing:adjust": SUPERVISORS,
    "billing:appeal": post_only(SUPERVISORS),
    "billing:bill": SIGNED_IN,
    "billing:customer": SIGNED_IN,
    "billing:directory": SIGNED_IN,
    "billing:import": SUPERVISORS,
    "billing:import_errors": SUPERVISORS,
    "billing:import_progress": SUPERVISORS,
    "billing:invoice_new": CLERKS,
    "billing:invoice_pdf": SIGNED_IN,
    "billing:lien_certificate": SIGNED_IN,
    "billing:lien_certificate_pdf": SIGNED_IN,
    "billing:lien_certificates": SIGNED_IN,
    "billing:plan": SIGNED_IN,
    "billing:plan_agreement": SIGNED_IN,
    "billing:plan_cancel": SUPERVISORS,
    "billing:plan_new": SUPERVISORS,
    "billing:plans_at_risk": SUPERVISORS,
    "billing:search": SIGNED_IN,
    "billing:waive": SUPERVISORS,
    "favicon": dict.fromkeys(ROLES, "redirect"),  # to the static icon
    "healthz": PUBLIC,
    "home": SIGNED_IN,
    "ledger:account": SUPERVISORS,
    "ledger:trial_balance": SUPERVISORS,
    "login": PUBLIC,
    "logout": post_only(SIGNED_IN),
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "payments:approval_decide": post_only(SUPERVISORS),
    "payments:approvals": SUPERVISORS,
    "payments:cart_bill_add": post_only(SIGNED_IN),
    "payments:cart_clear": post_only(SIGNED_IN),
    "payments:cart_fee_add": post_only(SIGNED_IN),
    "payments:cart_item_update": post_only(SIGNED_IN),
    "payments:cart_lien_add": post_only(SIGNED_IN),
    "payments:cart_lien_payoff": post_only(SIGNED_IN),
    "payments:cart_plan_add": post_only(SIGNED_IN),
    "payments:cart_post": post_only(SIGNED_IN),
    "payments:cart_tender_add": post_only(SIGNED_IN),
    "payments:cart_tender_remove": post_only(SIGNED_IN),
    "payments:counter": AT_A_DRAWER,
    "payments:credit_refund": SUPERVISORS,
    "payments:credit_refund_pdf": SUPERVISORS,
    "payments:credit_refund_record": SUPERVISORS,
    "payments:drawer": AT_A_DRAWER,
    "payments:drawer_detail": CLERKS,
    "payments:drawer_open": roles(trainee="redirect", clerk="redirect"),  # theirs is open
    "payments:lien_search": post_only(SIGNED_IN),
    "payments:movement_pdf": CLERKS,
    "payments:payment": roles(trainee="404"),  # the Clerk's receipt
    "payments:payment_refund": post_only(SIGNED_IN),
    "payments:payment_review": post_only(SUPERVISORS),
    "payments:payment_void": post_only(SIGNED_IN),
    "payments:pickup": post_only(SUPERVISORS),
    "payments:receipt_pdf": roles(trainee="404"),
    "payments:receipts": SIGNED_IN,
    "payments:remittance_batch": CLERKS,
    "payments:remittance_batches": CLERKS,
    "payments:remittance_cancel": post_only(CLERKS),
    "payments:remittance_exceptions": CLERKS,
    "payments:remittance_import": CLERKS,
    "payments:remittance_import_progress": CLERKS,
    "payments:remittance_item_add": post_only(CLERKS),
    "payments:remittance_item_remove": post_only(CLERKS),
    "payments:remittance_letter_pdf": CLERKS,
    "payments:remittance_post": CLERKS,
    "payments:remittance_report_pdf": CLERKS,
    "payments:remittance_resolve": post_only(SUPERVISORS),
    "payments:returned_check": post_only(SUPERVISORS),
    "payments:search": post_only(SIGNED_IN),
    "reconciliation:change_fund": ADMINS,
    "reconciliation:close_pdf": roles(trainee="404", clerk="404"),  # another clerk's close
    "reconciliation:close_reopen": post_only(SUPERVISORS),
    "reconciliation:close_result": roles(trainee="404", clerk="404"),
    "reconciliation:close_sign_off": post_only(SUPERVISORS),
    "reconciliation:csv_mapping_edit": SUPERVISORS,
    "reconciliation:csv_mappings": SUPERVISORS,
    "reconciliation:custody": SUPERVISORS,
    "reconciliation:daily": SUPERVISORS,
    "reconciliation:daily_csv": SUPERVISORS,
    "reconciliation:daily_pdf": SUPERVISORS,
    "reconciliation:daily_training": SUPERVISORS,
    "reconciliation:day_history": SUPERVISORS,
    "reconciliation:day_reopen": post_only(ADMINS),
    "reconciliation:day_sign_off": post_only(SUPERVISORS),
    "reconciliation:day_signoff_pdf": SUPERVISORS,
    "reconciliation:deposit": SUPERVISORS,
    "reconciliation:deposit_cancel": post_only(SUPERVISORS),
    "reconciliation:deposit_prepare": SUPERVISORS,
    "reconciliation:deposit_slip": SUPERVISORS,
    "reconciliation:deposits": SUPERVISORS,
    "reconciliation:drawer_close": AT_A_DRAWER,
    "reconciliation:drawer_close_for_clerk": SUPERVISORS,
    "reconciliation:drawers_closed": SUPERVISORS,
    "reconciliation:drawers_open": SUPERVISORS,
    "reconciliation:exports": SUPERVISORS,
    "reconciliation:gl_export": SUPERVISORS,
    "reconciliation:month_close": SUPERVISORS,
    "reconciliation:month_end": SUPERVISORS,
    "reconciliation:posting_acknowledge": post_only(SUPERVISORS),
    "reconciliation:posting_download": SUPERVISORS,
    "reconciliation:postings": SUPERVISORS,
    "reconciliation:referral_download": SUPERVISORS,
    "reconciliation:referrals": SUPERVISORS,
    "reconciliation:revenue": SUPERVISORS,
    "reconciliation:safe_count": SUPERVISORS,
    "reconciliation:sign_off_queue": SUPERVISORS,
    "reconciliation:statement_auto_match": post_only(SUPERVISORS),
    "reconciliation:statement_line": SUPERVISORS,
    "reconciliation:statement_line_card": post_only(SUPERVISORS),
    "reconciliation:statement_line_deposit": post_only(SUPERVISORS),
    "reconciliation:statement_line_explain": post_only(SUPERVISORS),
    "reconciliation:statement_line_lockbox": post_only(SUPERVISORS),
    "reconciliation:statement_line_vendor": post_only(SUPERVISORS),
    "reconciliation:statement_matching": SUPERVISORS,
    "reconciliation:statement_progress": SUPERVISORS,
    "reconciliation:statements": SUPERVISORS,
    "reconciliation:vendor_payments": SUPERVISORS,
    "verify": PUBLIC,
    # Issue 13: the audit trail and its CSV (Supervisors and Admins), a customer's contact details
    # shown on request (logged), the idle sign-out's warning, the second factor's pages.
    "audit:trail": SUPERVISORS,
    "audit:trail_csv": SUPERVISORS,
    "billing:customer_contact": post_only(SIGNED_IN),
    "idle_ping": post_only(SIGNED_IN),
    "idle_status": SIGNED_IN,
    # Signed in and verified (or not asked for a code), both pages send the user on.
    "two_factor:enrol": roles("login", *["redirect"] * 4),
    "two_factor:verify": roles("login", *["redirect"] * 4),
}

# Objects too costly to build in the matrix's world: their addresses name a primary key no row
# has, so a role let in gets 404 instead of "ok" (a role refused is refused before the lookup).
MISSING = {
    "payments:credit_refund_record",
    "payments:credit_refund_pdf",
    "reconciliation:day_signoff_pdf",
    "reconciliation:posting_download",
    "reconciliation:posting_acknowledge",
    "reconciliation:referral_download",
}


def admin_row(admin: str, anon: str = "login") -> dict[str, str]:
    """An admin page: only staff (the Admin role) get past the admin's own sign-in. Signed out,
    our sign-in (LoginRequiredMiddleware) or, on the pages the admin leaves open, the admin's."""
    return roles(anon, "admin_login", "admin_login", "admin_login", admin)


ADMIN_SITE: dict[str, dict[str, str]] = {
    "admin:index": admin_row("ok", anon="admin_login"),
    "admin:login": roles(anon="ok", admin="redirect"),
    "admin:logout": post_only(SIGNED_IN),  # our sign-out (cashiering.urls)
    "admin/logout/": post_only(SIGNED_IN),
    # The admin's password change sends everyone to ours, counted by the lockout.
    "admin/password_change/": roles("login", *["redirect"] * 4),
    "admin:password_change": roles("login", *["redirect"] * 4),
    "admin:password_change_done": admin_row("ok", anon="admin_login"),
    "admin:autocomplete": admin_row("denied", anon="admin_login"),
    "admin:jsi18n": admin_row("ok", anon="admin_login"),
    "admin:view_on_site": admin_row("redirect", anon="admin_login"),
    "admin:app_list": admin_row("ok", anon="admin_login"),
    "admin/(?P<url>.*)$": admin_row("404", anon="admin_login"),
    "admin:auth_user_password_change": admin_row("ok"),
    # A device's key and QR code are never shown again, not even to an Admin.
    "admin:otp_totp_totpdevice_config": admin_row("denied"),
    "admin:otp_totp_totpdevice_qrcode": admin_row("denied"),
}

# Per registered model, what the Admin may do there beyond viewing and changing (its list, an
# object's page and history): "add", "delete". One line per model (cashiering.roles, and each
# ModelAdmin's own refusals: the lien terms are one row, journal entries are posted only).
ADMIN_MODELS: dict[str, set[str]] = {
    "auth.user": {"add"},
    "auth.group": set(),
    "ledger.account": {"add"},
    "ledger.accountingperiod": {"add"},
    "ledger.journalentry": set(),
    "billing.feetype": {"add"},
    "billing.penaltyrule": {"add"},
    "billing.holiday": {"add", "delete"},
    "billing.waterrate": {"add"},
    "billing.meterminimum": {"add"},
    "billing.violationcode": {"add"},
    "billing.chargetype": {"add"},
    "billing.department": {"add"},
    "billing.faqentry": {"add"},
    "billing.customer": set(),
    "billing.bill": set(),
    "billing.importbatch": set(),
    "billing.lienterms": set(),
    "billing.stafftitle": {"add"},
    "payments.office": {"add"},
    "payments.paymentpolicy": {"add"},
    "payments.remittancesource": {"add"},
    # Sign-in lockouts (django-axes): an Admin clears one by deleting the attempt.
    "axes.accessattempt": {"delete"},
    "axes.accesslog": set(),
    "axes.accessfailurelog": set(),
    # Two-factor devices: an Admin removes a lost one; nobody adds one here (users enrol).
    "otp_totp.totpdevice": {"delete"},
}


def _admin_model_rows(label: str, may: set[str]) -> dict[str, dict[str, str]]:
    app, model = label.split(".")
    name = f"admin:{app}_{model}"
    return {
        f"{name}_changelist": admin_row("ok"),
        f"{name}_add": admin_row("ok" if "add" in may else "denied"),
        f"{name}_change": admin_row("ok"),
        f"{name}_delete": admin_row("ok" if "delete" in may else "denied"),
        f"{name}_history": admin_row("ok"),
        # The admin's short address of an object redirects to its change page.
        f"admin/{app}/{model}/<path:object_id>/": admin_row("redirect"),
    }


for _label, _may in ADMIN_MODELS.items():
    EXPECTED |= _admin_model_rows(_label, _may)
EXPECTED |= ADMIN_SITE


def _key(route: str, name: str) -> str:
    """A named URL's key is its name; an unnamed one's (no name after its namespace) its route."""
    return name if name and not name.endswith(":") else route


# (key, route): a named URL by its name, an unnamed one by its route.
URLS = sorted(
    {_key(route, name): route for route, name in _walk(get_resolver().url_patterns)}.items()
)


def _kwargs(key: str, route: str, world: World) -> dict[str, object]:
    if key in world.kwargs:
        return world.kwargs[key]
    found = re.match(r"admin/(\w+)/(\w+)/", route)
    if ("object_id" in route or "<id>" in route) and key != "admin:view_on_site" and found:
        obj = world.admin_objects.get(f"{found[1]}.{found[2]}")
        return {"object_id": obj.pk if obj else NO_SUCH_PK, "id": obj.pk if obj else NO_SUCH_PK}
    return {
        "app_label": "billing",
        "url": "no-such-page/",
        "content_type_id": ContentType.objects.get_for_model(Customer).pk,
        "object_id": Customer.objects.order_by("pk").first().pk,
    }


def _url(key: str, route: str, world: World) -> str:
    """The route with its arguments filled in from the world."""
    kwargs = _kwargs(key, route, world)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m[1]]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), path)
    return "/" + path.lstrip("^").rstrip("$").replace("^", "")


def _outcome(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(f"{reverse('login')}?next="):
            return "login"
        if location.startswith(f"{reverse('admin:login')}?next="):
            return "admin_login"
        return "redirect"
    return {200: "ok", 403: "denied"}.get(response.status_code, str(response.status_code))


def _rows_written() -> int:
    """Rows inserted, updated or deleted so far in this transaction, sessions aside."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_user_tables WHERE relname <> 'django_session'"
        )
        return int(cursor.fetchone()[0])


class _UndrawnPdf:
    """Stands in for WeasyPrint's HTML in this module: the matrix asks who may open a PDF, not
    how it looks (each PDF's own tests draw it), and drawing every report's PDF for each role
    let in took most of this module's time. The template is still rendered (render_pdf calls
    render_to_string first), so a page that fails to build still fails here."""

    def __init__(self, **kwargs: object) -> None:
        pass

    def render(self, **kwargs: object) -> "_UndrawnPdf":
        self.pages: list[object] = []
        return self

    def write_pdf(self) -> bytes:
        return b"%PDF-1.7\n% drawn only by the PDF's own tests\n%%EOF\n"


@pytest.fixture(scope="module", autouse=True)
def _pdfs_not_drawn():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "HTML", _UndrawnPdf)
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once for the module in a transaction rolled back at its end; each test
    runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
            ):
                built = world_build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def _client(role: str, world: World) -> Client:
    client = Client()
    if role != ANON:
        client.force_login(world.users[role])
    return client


def test_every_url_has_an_entry_and_every_entry_a_url():
    keys = {key for key, _ in URLS}
    missing = sorted(keys - set(EXPECTED))
    stale = sorted(set(EXPECTED) - keys)
    assert not missing, f"URLs with no entry in EXPECTED (say who may open them): {missing}"
    assert not stale, f"EXPECTED names URLs that no longer exist: {stale}"


@pytest.mark.parametrize(("key", "route"), URLS, ids=[key for key, _ in URLS])
def test_each_role_gets_what_the_matrix_says(world, db, key, route):
    # given the address, filled in with the world's objects
    url = _url(key, route, world)

    # when each role opens it
    got = {role: _outcome(_client(role, world).get(url)) for role in ROLES}

    # then each gets what the matrix says
    expected = EXPECTED.get(key)
    if key in MISSING and expected:
        expected = {
            role: "404" if outcome == "ok" else outcome for role, outcome in expected.items()
        }
    assert got == expected, url


@pytest.mark.parametrize(
    ("key", "route"),
    [(key, route) for key, route in URLS if not key.startswith("admin")],
    ids=[key for key, _ in URLS if not key.startswith("admin")],
)
def test_a_refused_role_posting_saves_nothing(world, db, key, route):
    url = _url(key, route, world)
    for role in ROLES:
        expected = EXPECTED.get(key, {}).get(role)
        if expected not in ("login", "denied"):
            continue
        # given a role the matrix refuses
        client = _client(role, world)
        before = _rows_written()

        # when it posts to the address
        response = client.post(url, {"amount": "100.00", "reason": "Matrix", "token": ""})

        # then it is refused the same way, and nothing was written
        assert _outcome(response) == expected, (role, url)
        assert _rows_written() == before, (role, url)


def test_the_write_count_sees_a_row_written(world, db):
    # The refusal test above trusts PostgreSQL's count of rows this transaction wrote.
    before = _rows_written()

    Customer.objects.create(name="Counted Once")

    # (a customer's row, and what its triggers write beside it)
    assert _rows_written() > before
