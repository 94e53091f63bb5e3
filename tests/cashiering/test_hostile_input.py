"""Fuzz-style: hostile values posted to every form as every role (issue 8, §14). No page may fail
with a server error (the test client re-raises one), and a refused value saves nothing."""

import uuid
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from billing.models import BillType, FeeType, ImportBatch
from cashiering.roles import Role
from ledger.models import Account, AccountingPeriod
from payments.services import counter_setup_seed
from tests.factories import fund_change_fund
from tests.payments.conftest import issue, open_drawer

CARD = "4111 1111 1111 1111"
# Values every field must refuse: nothing may be saved when one of them is sent.
REFUSED_EVERYWHERE = ["\x00", "a\x00b", CARD, "4111111111111111"]
HOSTILE = [
    *REFUSED_EVERYWHERE,
    *("1E5", "1e999999999", "-1", "NaN", "Infinity", "12,50", "1,2,3"),
    *("\u0661\u0662\u0663", "\uff11\uff12\uff13", "0001-01-01", "9999-12-31", "2026-02-29"),
    *("9" * 40, "x" * 1000, "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd"),
]
# Fields of amounts, quantities and dates refuse every one of SHARP ("1E5" was $100,000.00).
STRICT = ("amount", "unit_price", "quantity", "due_date", "as_of", "date_from", "date_to")
# Tried one field at a time, and in the admin: what each kind of field must refuse.
SHARP = [*REFUSED_EVERYWHERE, "1E5", "12,50", "\u0661\u0662", "0001-01-01", "9999-12-31", "-1"]


WATCHED = [
    "billing.bill",
    "billing.billline",
    "billing.customer",
    "billing.penaltywaiver",
    "billing.ticketappeal",
    "billing.department",
    "billing.feetype",
    "billing.violationcode",
    "billing.waterrate",
    "ledger.account",
    "ledger.journalentry",
    "ledger.accountingperiod",
    "payments.payment",
    "payments.tender",
    "payments.cashmovement",
    "payments.approvalrequest",
    "payments.office",
    "reconciliation.drawerclose",
    "reconciliation.custodytransfer",
    "reconciliation.safecount",
    "reconciliation.deposit",
    "reconciliation.statementline",
    "reconciliation.daysignoff",
    "reconciliation.postingexport",
    "auth.user",
    "auth.group",
]


def _counts() -> tuple[int, ...]:
    """Rows in the tables a refused request may not change, in one query. (A customer page's
    view log and rejected import batches record the attempt, not what was asked.)"""
    tables = [apps.get_model(label)._meta.db_table for label in WATCHED]
    counts = ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    done = "(SELECT count(*) FROM billing_importbatch WHERE status = 'done')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}, {done}")
        return tuple(cursor.fetchone())


@pytest.fixture
def world(reference, users, dana, supervisor):
    """A bill, a parking ticket, a customer and an open drawer for every role."""
    office = counter_setup_seed(office_code="CH", office_name="Chamberlain's Office", windows=4)
    fund_change_fund(office)
    for number, role in enumerate((Role.TRAINEE, Role.CLERK, Role.SUPERVISOR, Role.ADMIN), 1):
        open_drawer(users[role], office, number=number)
    return {
        "bill": issue(dana, supervisor, amount="100.00"),
        "ticket": issue(dana, supervisor, bill_type=BillType.PARKING, amount="30.00"),
        "customer": dana,
        "revenue": Account.objects.get(code="4390"),
        "fee": FeeType.objects.filter(is_active=True, quantity_applies=True).first(),
        "office": office,
        "period": AccountingPeriod.objects.create(
            name="2026-01", start_date=date(2026, 1, 1), end_date=date(2026, 1, 31)
        ),
    }


def _forms(world) -> list[tuple[str, str, dict]]:
    """(method, url, valid data) of every form the app's own pages take."""
    bill, ticket, customer = world["bill"], world["ticket"], world["customer"]
    office = world["office"]
    soon = (timezone.localdate() + timedelta(days=5)).isoformat()
    today = timezone.localdate().isoformat()
    return [
        ("get", reverse("billing:search"), {"q": "Dana", "as_of": soon}),
        ("get", reverse("billing:bill", args=[bill.number]), {"as_of": soon}),
        ("get", reverse("billing:customer", args=[customer.pk]), {"as_of": soon}),
        ("get", reverse("ledger:trial_balance"), {"book": "live", "as_of": soon}),
        (
            "get",
            reverse("ledger:account", args=["1200"]),
            {"book": "live", "date_from": "2026-01-01", "date_to": soon, "page": "1"},
        ),
        ("get", reverse("payments:search"), {"q": "Dana"}),
        ("get", reverse("payments:receipts"), {"q": "Dana"}),
        (
            "post",
            reverse("billing:waive", args=[bill.number]),
            {"token": str(uuid.uuid4()), "reason": "In hospital all month"},
        ),
        (
            "post",
            reverse("billing:appeal", args=[ticket.number]),
            {"action": "open", "note": "Hearing on the 5th"},
        ),
        (
            "post",
            reverse("billing:invoice_new", args=[customer.pk]),
            {
                "token": str(uuid.uuid4()),
                "memo": "Copies",
                "due_date": soon,
                "line-TOTAL_FORMS": "1",
                "line-INITIAL_FORMS": "0",
                "line-0-description": "Copies",
                "line-0-revenue_account": str(world["revenue"].pk),
                "line-0-quantity": "2",
                "line-0-unit_price": "0.25",
            },
        ),
        ("post", reverse("payments:cart_bill_add"), {"bill": str(bill.pk)}),
        ("post", reverse("payments:cart_item_update", args=[0]), {"amount": "10.00"}),
        (
            "post",
            reverse("payments:cart_fee_add"),
            {"fee_type": str(world["fee"].pk), "quantity": "1"},
        ),
        ("post", reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "10.00"}),
        (
            "post",
            reverse("payments:cart_post"),
            {"token": str(uuid.uuid4()), "payer_name": "Dana", "supervisor_username": ""},
        ),
        # Reconciliation's pages (issue 9)
        ("get", reverse("reconciliation:daily"), {"office": office.pk, "day": today}),
        ("get", reverse("reconciliation:custody"), {"office": office.pk, "day": today}),
        ("get", reverse("reconciliation:month_end"), {"period": world["period"].pk}),
        ("get", reverse("reconciliation:gl_export"), {"date_from": "2026-01-01", "date_to": today}),
        ("get", reverse("reconciliation:revenue"), {"date_from": "2026-01-01", "date_to": today}),
        (
            "post",
            reverse("reconciliation:day_reopen"),
            {"office": office.pk, "day": today, "reason": "Late check found"},
        ),
        ("post", reverse("reconciliation:postings"), {"system": "tax"}),
        ("post", reverse("reconciliation:referrals"), {"days_past_due": "90"}),
    ]


def _send(client, method: str, url: str, data: dict):
    response = getattr(client, method)(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code < 500, (url, data)
    return response


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.CLERK, Role.SUPERVISOR, Role.ADMIN])
def test_every_form_as_every_role_survives_hostile_values(client, users, world, role):
    client.force_login(users[role])
    # something in the cart, so that its amount and the post can be tried
    client.post(reverse("payments:cart_bill_add"), {"bill": str(world["bill"].pk)})
    before = _counts()
    for method, url, valid in _forms(world):
        for value in HOSTILE:
            # every field hostile at once: a POST form always has a field that refuses it
            _send(client, method, url, dict.fromkeys(valid, value) | _management(valid))
            if method == "post":
                assert _counts() == before, (url, value)


def test_each_field_alone_survives_hostile_values(client, users, world):
    # One field hostile, the others valid, so that the value reaches the service. As a
    # Supervisor: every one of these pages is open to that role.
    client.force_login(users[Role.SUPERVISOR])
    client.post(reverse("payments:cart_bill_add"), {"bill": str(world["bill"].pk)})
    for method, url, valid in _forms(world):
        for name in valid:
            if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS")):
                continue
            for value in SHARP:
                before = _counts()
                data = {**valid, name: value}
                if "token" in valid and name != "token":
                    data["token"] = str(uuid.uuid4())  # a new form each time, not a resubmit
                _send(client, method, url, data)
                if value in REFUSED_EVERYWHERE or name.endswith(STRICT):
                    assert _counts() == before, (url, name, value)


def _management(valid: dict) -> dict:
    return {k: v for k, v in valid.items() if k.endswith(("TOTAL_FORMS", "INITIAL_FORMS"))}


@pytest.mark.parametrize("value", [CARD, "4111111111111111", "x" * 1000, "1E5", "0001-01-01"])
def test_the_import_page_survives_hostile_file_names_and_cells(client, world, supervisor, value):
    client.force_login(supervisor)
    tax = "bill_number,parcel_number,street_address,owner_name,owner_address,owner_city,"
    tax += "owner_state,owner_zip,tax_year,city_tax,relevied_water,relevied_sewer\n"
    row = ["T1", "71.-2-14", "1 Main St", "Dana", "", "Ithaca", "NY", "14850", "2027", "5.00"]
    for index in range(len(row)):
        cells = [*row[:index], value, *row[index + 1 :], "", ""]
        content = (tax + ",".join(f'"{c}"' for c in cells) + "\n").encode()
        for name in (f"{value[:100]}.csv", "tax.csv"):
            before = _counts()
            response = client.post(
                reverse("billing:import"),
                {
                    "source": "tax",
                    "file": SimpleUploadedFile(name, content, content_type="text/csv"),
                    "token": str(uuid.uuid4()),
                },
            )
            assert response.status_code < 500
            if value in REFUSED_EVERYWHERE:
                assert _counts() == before
    stored = "".join(str(b.errors) + b.filename for b in ImportBatch.objects.all())
    assert "4111" not in stored


def _admin_add_pages(user: User):
    request = RequestFactory().get("/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_add_permission(request):
            continue
        form = model_admin.get_form(request)
        data = dict.fromkeys(form.base_fields, "")
        for inline in model_admin.get_inline_instances(request):
            formset = inline.get_formset(request)
            prefix = formset.get_default_prefix()
            data |= {f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"}
            data |= {f"{prefix}-0-{name}": "" for name in formset.form.base_fields}
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), data


@pytest.mark.parametrize("who", ["admin", "superuser"])
def test_every_admin_form_survives_hostile_values(client, world, users, who):
    user = (
        User.objects.create_superuser("root", "root@example.org", "x")
        if who == "superuser"
        else users[Role.ADMIN]
    )
    client.force_login(user)
    pages = list(_admin_add_pages(user))
    assert len(pages) >= 10
    for url, fields in pages:
        for value in SHARP:
            before = _counts()
            data = {
                name: ("1" if name.endswith("TOTAL_FORMS") else "0")
                if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS"))
                else value
                for name in fields
            }
            response = client.post(url, data)
            assert response.status_code < 500, (url, value)
            if value in REFUSED_EVERYWHERE:
                assert _counts() == before, (url, value)
    for query in ({"q": "\x00"}, {"q": "x" * 1000}, {"o": "99"}, {"p": "-1"}, {"e": "1"}):
        for url, _ in pages:
            changelist = url.removesuffix("add/")
            assert client.get(changelist, query).status_code < 500, (changelist, query)
