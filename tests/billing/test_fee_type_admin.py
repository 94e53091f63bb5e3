"""Fee types in the administration site: a revenue account that is revenue (the form says so in
a sentence, and PostgreSQL refuses it too), a price above $0.00 in a sentence, and stock named as
the clerk counts it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from billing.models import FeePrice, FeeType
from ledger.models import Account, AccountType
from ledger.selectors import ledger_violations


def _form(account: Account, **overrides) -> dict[str, str]:
    data = {
        "code": "bulk_pickup",
        "name": "Bulk pickup sticker",
        "category": FeeType.Category.OTHER,
        "revenue_account": str(account.pk),
        "is_active": "on",
        "stock_name": "",
        "max_months": "",
        "garage": "",
        "prices-TOTAL_FORMS": "1",
        "prices-INITIAL_FORMS": "0",
        "prices-0-effective_from": "01/01/2026",
        "prices-0-price": "15.00",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, admin_user, reference):
    client.force_login(admin_user)
    return client


def test_a_fee_type_on_a_revenue_account_is_saved(admin_client, chart):
    response = admin_client.post(reverse("admin:billing_feetype_add"), _form(chart["4300"]))

    assert response.status_code == 302
    fee = FeeType.objects.get(code="bulk_pickup")
    assert fee.revenue_account == chart["4300"]
    assert fee.prices.get().price == Decimal("15.00")


def test_the_form_offers_only_revenue_accounts(admin_client, chart):
    page = admin_client.get(reverse("admin:billing_feetype_add")).text

    assert f'<option value="{chart["4300"].pk}"' in page
    assert f'<option value="{chart["1000"].pk}"' not in page


def test_cash_in_drawer_is_refused_with_a_sentence(admin_client, chart):
    response = admin_client.post(reverse("admin:billing_feetype_add"), _form(chart["1000"]))

    assert response.status_code == 200
    assert "a fee type&#x27;s revenue account must be a revenue account" in response.text
    assert not FeeType.objects.filter(code="bulk_pickup").exists()


def test_a_fee_type_already_on_cash_says_what_is_wrong(admin_client, chart):
    # A row written before the rule (the trigger is bypassed the way a restore could).
    fee = FeeType.objects.get(code="lien_search")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
        cursor.execute(
            "UPDATE billing_feetype SET revenue_account_id = %s WHERE id = %s",
            [chart["1000"].pk, fee.pk],
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    url = reverse("admin:billing_feetype_change", args=[fee.pk])
    data = _form(
        chart["1000"],
        code=fee.code,
        name=fee.name,
        category=fee.category,
        **{"prices-TOTAL_FORMS": "0"},
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "1000 Cash in drawer is an asset account." in response.text
    assert [v.rule for v in ledger_violations()] == [
        "a fee type's revenue account is not a revenue account"
    ]


@pytest.mark.parametrize(
    ("price", "sentence"),
    [
        ("0.00", "A price must be more than $0.00. To stop selling a fee type, untick Active"),
        ("0", "A price must be more than $0.00. To stop selling a fee type, untick Active"),
        ("-5.00", "is not an amount: write digits with a point"),
    ],
)
def test_a_price_of_zero_or_below_gets_a_sentence(admin_client, chart, price, sentence):
    response = admin_client.post(
        reverse("admin:billing_feetype_add"), _form(chart["4300"], **{"prices-0-price": price})
    )

    assert response.status_code == 200
    assert sentence in response.text
    assert "fee_price_positive" not in response.text
    assert "Constraint" not in response.text
    assert not FeeType.objects.filter(code="bulk_pickup").exists()


def test_stock_needs_the_name_the_clerk_counts(admin_client, chart):
    response = admin_client.post(
        reverse("admin:billing_feetype_add"), _form(chart["4300"], counted_as_stock="on")
    )

    assert response.status_code == 200
    assert "Name the stock the clerk counts in the drawer" in response.text

    response = admin_client.post(
        reverse("admin:billing_feetype_add"),
        _form(chart["4300"], counted_as_stock="on", stock_name="Bulk pickup stickers"),
    )

    assert response.status_code == 302
    assert FeeType.objects.get(code="bulk_pickup").stock_label == "Bulk pickup stickers"


def test_the_demo_stock_is_named_by_the_item(reference):
    assert FeeType.objects.get(code="permit_card").stock_label == "Parking permit cards"
    assert FeeType.objects.get(code="tag_sheet").stock_label == "Trash tag sheets (6 tags)"


def test_import_batches_are_named_in_the_plural(admin_client):
    page = admin_client.get(reverse("admin:index")).text

    assert "Import batches" in page
    assert "Import batchs" not in page


# PostgreSQL holds the rule whatever writes the row (migrations/0052_fee_type_revenue_account.sql).


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_fee_type_on_a_non_revenue_account(reference, chart):
    with pytest.raises(IntegrityError, match="not revenue"), transaction.atomic():
        FeeType.objects.create(
            code="bad",
            name="Bad",
            category=FeeType.Category.OTHER,
            revenue_account=chart["1000"],
        )
    fee = FeeType.objects.get(code="lien_search")
    with pytest.raises(IntegrityError, match="1000 Cash in drawer"), transaction.atomic():
        FeeType.objects.filter(pk=fee.pk).update(revenue_account=chart["1000"])
    fee.refresh_from_db()
    assert fee.revenue_account.type == AccountType.REVENUE
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_turning_a_fee_s_account_into_an_asset(reference, chart):
    account = FeeType.objects.get(code="lien_search").revenue_account

    with pytest.raises(IntegrityError, match="stays a revenue account"), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(type=AccountType.ASSET)

    unused = Account.objects.create(code="4999", name="Unused revenue", type="revenue")
    Account.objects.filter(pk=unused.pk).update(type=AccountType.EXPENSE)  # no fee credits it
    assert Account.objects.get(pk=unused.pk).type == AccountType.EXPENSE


def test_the_database_price_check_states_a_sentence(reference):
    fee = FeeType.objects.get(code="lien_search")
    price = FeePrice(fee_type=fee, effective_from="2030-01-01", price=Decimal("0"))
    with pytest.raises(ValidationError, match=r"more than \$0\.00"):
        price.validate_constraints()
