"""Every statement page form as a Supervisor and an Admin with hostile values: never a 500,
and nothing posted or matched by a refused request."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cashiering.roles import Role
from ledger.models import Account, JournalEntry
from reconciliation.models import StatementLine
from reconciliation.services import csv_mapping_save, statement_import

HOSTILE = [
    "",
    " ",
    "\x00",
    "-1",
    "0",
    "NaN",
    "1e999",
    "9" * 60,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "4111 1111 1111 1111",
    "é" * 400,
    "2026-02-30",
    str(uuid.uuid4()),
]


@pytest.fixture
def line(reference, supervisor):
    bank = Account.objects.get(code="1100")
    csv_mapping_save(
        bank_account=bank,
        by=supervisor,
        date_column="1",
        date_format="%Y-%m-%d",
        amount_column="2",
        description_column="3",
        has_header=False,
    )
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    statement_import(
        bank_account=bank, file_name="b.csv", data=f"{day},12.00,X\n".encode(), by=supervisor
    )
    return StatementLine.objects.get()


def _state():
    return (
        JournalEntry.objects.count(),
        StatementLine.objects.exclude(status=StatementLine.Status.UNMATCHED).count(),
    )


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_statement_forms_survive_hostile_values(client, users, line, role):
    client.force_login(users[role])
    forms = [
        (reverse("reconciliation:statement_line_deposit", args=[line.pk]), ["deposit", "token"]),
        (reverse("reconciliation:statement_line_card", args=[line.pk]), ["business_date", "token"]),
        (
            reverse("reconciliation:statement_line_explain", args=[line.pk]),
            ["reason", "account_code", "token"],
        ),
        (reverse("reconciliation:statement_auto_match"), ["bank_account", "token"]),
        (
            reverse("reconciliation:csv_mapping_edit", args=[line.bank_account_id]),
            ["date_column", "date_format", "amount_column", "debit_column", "credit_column"],
        ),
    ]
    before = _state()
    for url, fields in forms:
        for value in HOSTILE:
            response = client.post(url, dict.fromkeys(fields, value))
            assert response.status_code < 500, (url, value)
            if "explain" not in url or value in ("", " ", "\x00"):
                assert _state() == before, (url, value)
        response = client.get(reverse("reconciliation:statement_matching"), {"account": value})
        assert response.status_code == 200


@pytest.mark.parametrize("value", ["", "\x00", "9" * 60, "x.bai2", "4111111111111111.bai2"])
def test_the_import_form_survives_hostile_names_and_accounts(client, supervisor, line, value):
    client.force_login(supervisor)

    response = client.post(
        reverse("reconciliation:statements"),
        {
            "bank_account": value,
            "file": SimpleUploadedFile(value or "f", b"01,\x00" + value.encode()),
            "token": value,
        },
    )

    assert response.status_code < 500
    assert StatementLine.objects.count() == 1
