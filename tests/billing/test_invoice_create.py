"""Miscellaneous invoices: gapless numbers, one invoice per form, a PDF with a remittance stub."""

import io
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing.errors import BillingError
from billing.models import Bill, ChargeType, FeeType, NumberSeries
from billing.scanline import configured_scheme, scanline_parse
from billing.services import Charge, charge_types_seed, invoice_create
from ledger.models import Account, JournalEntry
from ledger.selectors import ledger_violations


def _charges(amount="25.00"):
    return [
        Charge(
            ChargeType.objects.get(code="misc"),
            Decimal(amount),
            "Lien search",
            revenue_account=Account.objects.get(code="4320"),
        )
    ]


def _invoice(customer, by, **options):
    return invoice_create(
        customer=customer,
        charges=_charges(),
        memo="Lien search",
        due_date=timezone.localdate() + timedelta(days=30),
        by=by,
        **options,
    )


def test_numbers_are_gapless_even_when_a_transaction_rolls_back(reference, dana, clerk):
    year = timezone.localdate().year
    first = _invoice(dana, clerk)
    with pytest.raises(RuntimeError), transaction.atomic():
        _invoice(dana, clerk)
        raise RuntimeError("printer jammed, clerk cancels")
    second = _invoice(dana, clerk)
    assert (first.number, second.number) == (f"INV-{year}-000001", f"INV-{year}-000002")
    assert NumberSeries.objects.get(name="invoice", year=year).last_number == 2
    assert second.lines.get().revenue_account.code == "4320"


def test_the_same_form_twice_makes_one_invoice(reference, dana, clerk):
    token = uuid.uuid4()
    first = _invoice(dana, clerk, token=token)
    again = _invoice(dana, clerk, token=token)
    assert again.pk == first.pk
    assert Bill.objects.filter(bill_type="invoice").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_makes_one_invoice_and_no_gap(users, chart):
    from billing.demo import reference_data_seed
    from billing.models import Customer

    charge_types_seed()
    reference_data_seed()
    customer = Customer.objects.create(name="Race Customer")
    token, barrier, made = uuid.uuid4(), threading.Barrier(4), []

    def submit():
        try:
            barrier.wait()
            made.append(_invoice(customer, users["Clerk"], token=token).number)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 1 and len(made) == 4
    assert Bill.objects.filter(bill_type="invoice").count() == 1
    assert NumberSeries.objects.get(name="invoice").last_number == 1
    assert ledger_violations() == []


def test_invoice_page_creates_from_fee_types_and_free_text(client, reference, dana, clerk):
    client.force_login(clerk)
    url = reverse("billing:invoice_new", args=[dana.pk])
    page = client.get(url)
    assert page.status_code == 200
    token = page.context["form"].initial["token"]
    lien = FeeType.objects.get(code="lien_search")
    data = {
        "token": token,
        "memo": "Lien search and copies",
        "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "line-TOTAL_FORMS": "4",
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "20",
        "line-0-fee_type": lien.pk,
        "line-0-quantity": "2",
        "line-1-description": "Copies of 3 deeds",
        "line-1-revenue_account": Account.objects.get(code="4390").pk,
        "line-1-quantity": "3",
        "line-1-unit_price": "1.25",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    bill = Bill.objects.get(bill_type="invoice")
    assert bill.principal == Decimal("53.75")  # 2 x 25.00 + 3 x 1.25
    assert client.post(url, data).status_code == 302  # the reload posts nothing new
    assert Bill.objects.filter(bill_type="invoice").count() == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"line-0-quantity": "2"}, "Choose a fee type, or a revenue account"),
        (
            {
                "line-0-description": "Copies",
                "line-0-revenue_account": "REV",
                "line-0-unit_price": "-5",
            },
            "“-5” is not an amount: write digits with a point, as in 1,234.56.",
        ),
        (
            {
                "line-0-description": "Copies",
                "line-0-revenue_account": "REV",
                "line-0-unit_price": "1.005",
            },
            "“1.005” has more than two decimal places (whole cents).",
        ),
        (
            {
                "line-0-description": "Copies",
                "line-0-revenue_account": "REV",
                "line-0-unit_price": "abc",
            },
            "“abc” is not an amount",
        ),
        (
            {
                "line-0-description": "Card 4111 1111 1111 1111",
                "line-0-revenue_account": "REV",
                "line-0-unit_price": "5",
            },
            "looks like a full card number",
        ),
        ({"line-0-description": "Copies", "line-0-revenue_account": "REV"}, "Enter the unit price"),
        ({}, "An invoice needs at least one line"),
    ],
)
def test_bad_invoice_lines_are_explained_and_nothing_is_saved(
    client, reference, dana, clerk, line, message
):
    client.force_login(clerk)
    revenue = str(Account.objects.get(code="4390").pk)
    data = {
        "token": str(uuid.uuid4()),
        "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "line-TOTAL_FORMS": "4",
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "20",
        **{k: (revenue if v == "REV" else v) for k, v in line.items()},
    }
    response = client.post(reverse("billing:invoice_new", args=[dana.pk]), data)
    assert response.status_code == 200
    assert message in response.text
    assert not Bill.objects.exists()


def test_trainees_cannot_create_invoices(client, trainee, dana):
    client.force_login(trainee)
    assert client.get(reverse("billing:invoice_new", args=[dana.pk])).status_code == 403


def test_invoice_pdf_has_the_amounts_and_a_scanline_that_opens_the_bill(
    client, reference, dana, clerk
):
    bill = _invoice(dana, clerk)
    client.force_login(clerk)
    response = client.get(reverse("billing:invoice_pdf", args=[bill.number]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert bill.number in text and "$25.00" in text and "Dana Whitfield" in text
    scanline = next(
        line
        for line in text.splitlines()
        if line.replace(" ", "").isdigit() and len(line.replace(" ", "")) == 23
    )
    parsed = scanline_parse(scanline, scheme=configured_scheme())
    assert (parsed.reference, parsed.amount) == (bill.pk, Decimal("25.00"))
    found = client.get(reverse("billing:search"), {"q": scanline})
    assert found["Location"].startswith(reverse("billing:bill", args=[bill.number]))


def test_a_card_number_in_the_memo_never_reaches_the_bill_or_the_journal(
    client, reference, dana, clerk
):
    # The memo becomes the bill's description and the journal entry's memo, which stays forever.
    card = "4111-1111-1111-1111"
    client.force_login(clerk)
    response = client.post(
        reverse("billing:invoice_new", args=[dana.pk]),
        {
            "token": str(uuid.uuid4()),
            "memo": f"Paid with {card}",
            "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "line-TOTAL_FORMS": "1",
            "line-INITIAL_FORMS": "0",
            "line-0-description": "Copies",
            "line-0-revenue_account": str(Account.objects.get(code="4390").pk),
            "line-0-unit_price": "5",
        },
    )
    assert response.status_code == 200
    assert "This looks like a full card number." in response.text
    with pytest.raises(BillingError, match="This looks like a full card number"):
        invoice_create(
            customer=dana,
            charges=_charges(),
            memo=f"Paid with {card}",
            due_date=timezone.localdate() + timedelta(days=30),
            by=clerk,
        )
    assert not Bill.objects.exists()
    assert not JournalEntry.objects.filter(memo__contains="1111").exists()


@pytest.mark.parametrize(
    "card",
    [
        "4111\u00a01111\u00a01111\u00a01111",  # pasted from a web page
        "4111  1111  1111  1111",  # from a PDF
        "4111 - 1111 - 1111 - 1111",  # from a note
        "4111\t1111\t1111\t1111",  # from a spreadsheet
        "4111\u20131111\u20131111\u20131111",  # from a word processor
        "4111\u200b1111\u200b1111\u200b1111",  # with zero-width spaces
    ],
    ids=["no-break", "double", "spaced-hyphen", "tab", "en-dash", "zero-width"],
)
def test_a_pasted_card_number_never_reaches_the_bill_or_the_journal(
    client, reference, dana, clerk, card
):
    client.force_login(clerk)
    response = client.post(
        reverse("billing:invoice_new", args=[dana.pk]),
        {
            "token": str(uuid.uuid4()),
            "memo": f"Paid by card {card} exp 12/27",
            "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "line-TOTAL_FORMS": "1",
            "line-INITIAL_FORMS": "0",
            "line-0-description": "Copies",
            "line-0-revenue_account": str(Account.objects.get(code="4390").pk),
            "line-0-quantity": "2",
            "line-0-unit_price": "0.25",
        },
    )
    assert response.status_code == 200
    assert "This looks like a full card number." in response.text
    with pytest.raises(BillingError, match="This looks like a full card number"):
        invoice_create(
            customer=dana,
            charges=_charges(),
            memo=f"Paid by card {card} exp 12/27",
            due_date=timezone.localdate() + timedelta(days=30),
            by=clerk,
        )
    assert not Bill.objects.exists()
    assert not JournalEntry.objects.exists()


def test_the_invoice_form_refuses_a_total_above_what_the_stubs_scanline_holds(
    client, reference, dana, clerk
):
    # Given eleven lines of $9,999,999.99: $109,999,999.89, more than a scanline's $99,999,999.99.
    client.force_login(clerk)
    revenue = Account.objects.get(code="4390").pk
    data = {
        "token": str(uuid.uuid4()),
        "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "line-TOTAL_FORMS": "11",
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "20",
    }
    for n in range(11):
        data |= {
            f"line-{n}-description": "Assessment",
            f"line-{n}-revenue_account": revenue,
            f"line-{n}-unit_price": "9999999.99",
        }

    # When the clerk creates the invoice.
    response = client.post(reverse("billing:invoice_new", args=[dana.pk]), data)

    # Then the form says why and nothing is saved; ten such lines are still accepted.
    assert response.status_code == 200
    assert (
        "These lines add up to $109,999,999.89; an invoice can be for at most $99,999,999.99"
        in response.text
    )
    assert not Bill.objects.exists()
    data["line-TOTAL_FORMS"] = "10"
    assert client.post(reverse("billing:invoice_new", args=[dana.pk]), data).status_code == 302
    assert Bill.objects.get().principal == Decimal("99999999.90")


def test_the_pdf_of_an_invoice_too_large_for_a_scanline_prints_its_stub_without_one(
    client, reference, dana, clerk
):
    # Given an invoice (made through the service, as an import or an older form could) for
    # more than a scanline holds.
    bill = invoice_create(
        customer=dana,
        charges=_charges("150000000.00"),
        memo="Assessment",
        due_date=timezone.localdate() + timedelta(days=30),
        by=clerk,
    )
    client.force_login(clerk)

    # When its PDF is asked for.
    response = client.get(reverse("billing:invoice_pdf", args=[bill.number]))

    # Then it prints, with the amount due on the stub and a sentence instead of a scanline.
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "$150,000,000.00" in text
    assert "No scanline: the amount due is more than a remittance stub's scanline holds" in text
