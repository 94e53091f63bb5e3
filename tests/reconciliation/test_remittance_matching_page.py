"""The statement line page offers posted lockbox files' deposits and vendor files'
settlements beside deposits (reconciliation.views.statements): matched by hand, a refusal
shown on the form with nothing saved, a repeated submit matching once."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reconciliation.models import CardSettlement, StatementLine
from tests.payments.test_remittance_files import water_bills
from tests.payments.test_reversals import books_are_clean
from tests.reconciliation.flows import statement_imported
from tests.reconciliation.test_remittance_statements import lockbox_posted, sources, vendor_posted

D = Decimal
transactional = pytest.mark.django_db(transaction=True)
__all__ = ["sources"]  # the fixture, used by name


def token_of(page: str, action: str) -> str:
    form = page[page.index(f'action="{action}"') :]
    found = re.search(r'name="token" value="([^"]+)"', form)
    assert found is not None
    return found.group(1)


def batch_value(page: str, action: str, number: str) -> str:
    form = page[page.index(f'action="{action}"') :]
    found = re.search(rf'<option value="(\d+)"[^>]*>{re.escape(number)} ', form)
    assert found is not None, f"{number} is not offered"
    return found.group(1)


@transactional
def test_lockbox_and_vendor_files_are_matched_by_hand_on_the_line_page(
    client, sources, clerk, dana, supervisor
):
    # given a posted lockbox file, a posted vendor file, and a statement crediting both (and a
    # short line for the lockbox deposit)
    bills = water_bills(dana, supervisor, 4)
    lockbox = lockbox_posted(sources, bills[:2], clerk)
    vendor = vendor_posted(sources, bills[2:], clerk)
    net = vendor.deposit_total - vendor.fee_total
    today = timezone.localdate()
    short, box_line, vendor_line = statement_imported(
        by=supervisor,
        lines=[
            (today, lockbox.deposit_total - D("1.00"), "SHORT"),
            (today, lockbox.deposit_total, "LOCKBOX"),
            (today, net, "VENDOR SETTLEMENT"),
        ],
    )
    client.force_login(supervisor)
    lockbox_url = reverse("reconciliation:statement_line_lockbox", args=[short.pk])

    # when the short line's page is opened: both files are offered
    page = client.get(reverse("reconciliation:statement_line", args=[short.pk])).text
    assert f"{lockbox.number} (lockbox.csv" in page and f"{vendor.number} (vendor.csv" in page
    # and matching it to the lockbox deposit is refused on the form, nothing saved
    refused = client.post(
        lockbox_url,
        {
            "token": token_of(page, lockbox_url),
            "batch": batch_value(page, lockbox_url, lockbox.number),
        },
    )
    assert refused.status_code == 400
    assert (
        f"Lockbox batch {lockbox.number} deposited ${lockbox.deposit_total:,.2f}, the bank line "
        f"says ${short.amount:,.2f}: explain the difference instead." in refused.text
    )
    short.refresh_from_db()
    assert short.status == StatementLine.Status.UNMATCHED

    # when the right line is matched to the lockbox deposit
    url = reverse("reconciliation:statement_line_lockbox", args=[box_line.pk])
    page = client.get(reverse("reconciliation:statement_line", args=[box_line.pk])).text
    data = {"token": token_of(page, url), "batch": batch_value(page, url, lockbox.number)}
    done = client.post(url, data)
    # then the line is matched to the batch, and a repeated submit matches nothing more
    assert done.status_code == 302
    box_line.refresh_from_db()
    assert (box_line.status, box_line.remittance_batch_id) == ("matched", lockbox.pk)
    again = client.post(url, data, follow=True)
    assert "matched already" in again.text
    shown = client.get(reverse("reconciliation:statement_line", args=[box_line.pk])).text
    assert f"Batch {lockbox.number} (lockbox.csv)" in shown

    # when the vendor's line is matched to its settlement
    url = reverse("reconciliation:statement_line_vendor", args=[vendor_line.pk])
    page = client.get(reverse("reconciliation:statement_line", args=[vendor_line.pk])).text
    assert f"{lockbox.number} (" not in page  # matched: no longer offered
    done = client.post(
        url, {"token": token_of(page, url), "batch": batch_value(page, url, vendor.number)}
    )
    # then the settlement names the batch, with the file's gross and fees
    assert done.status_code == 302
    settlement = CardSettlement.objects.get(remittance_batch=vendor)
    assert (settlement.gross, settlement.fees) == (vendor.deposit_total, vendor.fee_total)
    shown = client.get(reverse("reconciliation:statement_line", args=[vendor_line.pk])).text
    assert f"Vendor batch {vendor.number}: gross" in shown
    books_are_clean()


@transactional
def test_a_clerk_cannot_match_and_a_debit_line_offers_no_files(
    client, sources, clerk, dana, supervisor
):
    lockbox = lockbox_posted(sources, water_bills(dana, supervisor, 1), clerk)
    (debit,) = statement_imported(by=supervisor, lines=[(timezone.localdate(), D("-5.00"), "FEE")])
    client.force_login(supervisor)
    page = client.get(reverse("reconciliation:statement_line", args=[debit.pk])).text
    assert lockbox.number not in page
    client.force_login(clerk)
    url = reverse("reconciliation:statement_line_lockbox", args=[debit.pk])
    assert client.post(url, {"batch": lockbox.pk}).status_code == 403
