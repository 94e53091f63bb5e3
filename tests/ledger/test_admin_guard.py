"""ledger.admin_guard: every admin page refuses card numbers, reads money and dates strictly, keeps
no card number in its change log and explains a selection its bulk actions cannot use."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse

from billing.models import Department, ViolationCode, WaterRate
from ledger.admin_guard import GuardedAdminMixin
from ledger.cards import CARD_NUMBER_MASK, CARD_NUMBER_MESSAGE
from ledger.models import Account, AccountingPeriod
from tests.factories import AccountingPeriodFactory

CARD = "4111 1111 1111 1111"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "correct-horse-battery")


def _admin_forms(superuser):
    """Every form the admin site can show: each ModelAdmin's and each of its inlines'."""
    request = RequestFactory().get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        yield f"{model.__name__}", model_admin.get_form(request)
        for inline in model_admin.get_inline_instances(request):
            yield f"{model.__name__}/{type(inline).__name__}", inline.get_formset(request).form


def test_every_registered_admin_and_inline_is_guarded():
    unguarded = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, GuardedAdminMixin)
    ] + [
        inline.__name__
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if not issubclass(inline, GuardedAdminMixin)
    ]
    assert unguarded == []


def test_a_card_number_in_any_text_field_of_any_admin_form_is_refused(superuser):
    # A field added tomorrow is covered too: this walks every form the site has.
    walked = 0
    for name, form_class in _admin_forms(superuser):
        texts = [
            field_name
            for field_name, field in form_class.base_fields.items()
            if isinstance(field, forms.CharField)
            and not field.disabled
            and not isinstance(field.widget, forms.PasswordInput)
        ]
        if not texts:
            continue  # a read-only inline (journal lines, bill lines)
        form = form_class(data={field_name: CARD for field_name in texts})
        assert not form.is_valid()
        missed = [field_name for field_name in texts if field_name not in form.errors]
        assert missed == [], name
        walked += len(texts)
    assert walked > 30


def test_the_card_message_is_given_on_a_plain_text_field(client, admin_user):
    client.force_login(admin_user)
    page = client.post(
        reverse("admin:billing_department_add"),
        {
            "name": "Parks",
            "phone": "607-274-6570",
            "location": f"Card {CARD}",
            "hours": "9-5",
            "handles": "picnic shelters",
            "faqs-TOTAL_FORMS": "1",
            "faqs-INITIAL_FORMS": "0",
            "faqs-0-question": "Can I pay by card?",
            "faqs-0-answer": f"Use {CARD}",
        },
    )
    assert page.status_code == 200
    assert page.text.count(CARD_NUMBER_MESSAGE.split(".")[0]) == 2  # the field and the inline
    assert not Department.objects.exists()
    assert not LogEntry.objects.exists()


def test_the_change_log_never_keeps_a_card_number(client, superuser, reference):
    # A name stored before the guard existed: deleting it must not copy it into the log.
    department = Department.objects.create(name=f"Old {CARD}", phone="1", location="x", hours="x")
    client.force_login(superuser)
    page = client.post(
        reverse("admin:billing_department_delete", args=[department.pk]), {"post": "yes"}
    )
    assert page.status_code == 302
    entry = LogEntry.objects.get()
    assert entry.object_repr == f"Old {CARD_NUMBER_MASK}"
    assert "1111" not in json.dumps([entry.object_repr, entry.change_message])


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1E5", "“1E5” is not an amount: write digits with a point, as in 1,234.56."),
        ("12,50", "“12,50” is not an amount: a comma may only separate thousands"),
        ("-20", "“-20” is not an amount"),
        ("١٢", "“١٢” is not an amount"),
        ("12.505", "“12.505” has more than two decimal places (whole cents)."),
        (
            "9999999999999",
            "“9999999999999” is more than the books can hold (at most $999,999,999,999.99).",
        ),
    ],
)
def test_admin_amounts_are_read_by_the_one_parser(client, admin_user, reference, typed, message):
    client.force_login(admin_user)
    data = {
        "code": "999",
        "description": "Test",
        "fine_first": typed,
        "fine_second": "30.00",
        "fine_third": "75.00",
        "is_active": "on",
    }
    page = client.post(reverse("admin:billing_violationcode_add"), data)
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors["fine_first"]
    assert len(errors) == 1 and errors[0].startswith(message)
    assert not ViolationCode.objects.filter(code="999").exists()
    data["fine_first"] = "$1,234.56"
    assert client.post(reverse("admin:billing_violationcode_add"), data).status_code == 302
    assert ViolationCode.objects.get(code="999").fine_first == Decimal("1234.56")


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31"])
def test_admin_dates_at_the_ends_of_the_calendar_are_refused(client, admin_user, reference, typed):
    client.force_login(admin_user)
    rates = WaterRate.objects.count()
    page = client.post(
        reverse("admin:billing_waterrate_add"),
        {"effective_from": typed, "water_per_unit": "9.73", "sewer_per_unit": "6.03"},
    )
    assert page.status_code == 200
    assert page.context["adminform"].form.errors["effective_from"] == [
        f"The date {_written(typed)} is outside the dates the books use (01/01/1900 to 12/31/2199)."
    ]
    assert WaterRate.objects.count() == rates


def test_a_rate_with_four_decimals_is_read_strictly_too(client, admin_user, reference):
    client.force_login(admin_user)
    page = client.post(
        reverse("admin:billing_waterrate_add"),
        {"effective_from": "2030-01-01", "water_per_unit": "1e1", "sewer_per_unit": "6.03001"},
    )
    errors = page.context["adminform"].form.errors
    assert errors["water_per_unit"] == [
        "“1e1” is not a number: write digits with a point, as in 1,234.56."
    ]
    assert errors["sewer_per_unit"] == ["“6.03001” has more than 4 decimals."]


# An account code with "/" broke the trial balance for everyone.


def test_the_admin_refuses_an_account_code_with_a_slash(client, admin_user, chart):
    client.force_login(admin_user)
    page = client.post(
        reverse("admin:ledger_account_add"),
        {"code": "12/34", "name": "Broken", "type": "asset", "fund": "General", "is_active": "on"},
    )
    assert page.status_code == 200
    assert "An account code is letters, digits, dots and hyphens" in page.text
    assert not Account.objects.filter(code="12/34").exists()
    assert client.get(reverse("ledger:trial_balance")).status_code == 200


@pytest.mark.parametrize("code", ["12/34", "a b", "", "-12", "12?", "1\t2"])
def test_the_database_refuses_an_account_code_that_is_not_url_safe(chart, code):
    with pytest.raises(IntegrityError, match="account_code_url_safe"), transaction.atomic():
        Account.objects.create(code=code, name="Broken", type="asset")


@pytest.mark.parametrize("code", ["9000", "4390.01", "AR-TAX", "x_1"])
def test_ordinary_account_codes_are_accepted(chart, code):
    Account.objects.create(code=code, name="Fine", type="asset")


# Bulk actions with a selection they cannot use.


@pytest.mark.parametrize(
    ("selected", "message"),
    [
        ([], "Items must be selected in order to perform actions on them."),
        (["\x00"], "The selection was not understood; nothing was changed."),
        (["1\x00"], "The selection was not understood; nothing was changed."),
        (["abc"], "The selection was not understood; nothing was changed."),
        (["-1"], "The selection was not understood; nothing was changed."),
        (["9" * 30], "The selection was not understood; nothing was changed."),
        (["987654"], "Some of the selected rows no longer exist or may not be changed here"),
    ],
)
def test_a_bulk_action_on_a_bad_selection_says_so(client, admin_user, chart, selected, message):
    period = AccountingPeriodFactory(start_date=date(2020, 1, 1), end_date=date(2020, 1, 31))
    client.force_login(admin_user)
    page = client.post(
        reverse("admin:ledger_accountingperiod_changelist"),
        {"action": "close_periods", "index": "0", "_selected_action": selected, "confirmed": "yes"},
        follow=True,
    )
    assert page.status_code == 200
    assert message in page.text
    assert AccountingPeriod.objects.get(pk=period.pk).state == "open"


def test_an_admin_registered_without_the_mixin_is_guarded_when_the_app_starts(superuser):
    # What cashiering's AppConfig.ready does for an admin a later change registers plainly.
    from django.contrib.admin import AdminSite, ModelAdmin, StackedInline

    from billing.models import FaqEntry
    from ledger.admin_guard import guard_admin_site

    class PlainFaqInline(StackedInline):
        model = FaqEntry

    class PlainDepartmentAdmin(ModelAdmin):
        inlines = [PlainFaqInline]

    site = AdminSite(name="plain")
    site.register(Department, PlainDepartmentAdmin)
    guard_admin_site(site)
    guarded = site._registry[Department]
    assert isinstance(guarded, GuardedAdminMixin)
    assert isinstance(guarded, PlainDepartmentAdmin)
    assert all(issubclass(inline, GuardedAdminMixin) for inline in type(guarded).inlines)
    request = RequestFactory().get("/")
    request.user = superuser
    form = guarded.get_form(request)(data={"name": CARD, "phone": "1", "location": "x"})
    assert form.errors["name"] == [CARD_NUMBER_MESSAGE]


def _written(iso: str) -> str:
    """An ISO date as a message writes it: 0001-01-01 as 01/01/0001."""
    year, month, day = iso.split("-")
    return f"{month}/{day}/{year}"
