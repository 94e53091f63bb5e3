"""payments.services.remittance.remittance_file_import: the same lockbox file sent again with other
bytes (Windows line ends, a byte-order mark, a blank line at the end) posts nothing again."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments.errors import RemittanceFileSeen
from payments.models import Payment
from payments.remittance_files import remittance_file_write
from payments.services.remittance import remittance_file_import
from tests.payments.test_remittance_files import lockbox_rows, sources, water_bills  # noqa: F401


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "resent",
    [
        lambda b: b.replace(b"\n", b"\r\n"),
        lambda b: b"\xef\xbb\xbf" + b,
        lambda b: b + b"\n",
        lambda b: b.rstrip(b"\n"),
    ],
    ids=["crlf", "bom", "blank-line", "no-final-newline"],
)
def test_the_same_file_with_other_line_ends_posts_nothing_again(
    sources,  # noqa: F811
    clerk,
    dana,
    supervisor,
    resent,
):
    # given a lockbox file imported once
    bills = water_bills(dana, supervisor, 3)
    content = remittance_file_write(
        "lockbox", lockbox_rows(bills), deposit_date=timezone.localdate()
    )
    batch = remittance_file_import(
        source=sources["lockbox"], file_name="lockbox.csv", content=content, by=clerk
    )

    # when the bank sends it again, saved by another program, under another name
    with pytest.raises(RemittanceFileSeen, match=f"imported already as batch {batch.number}"):
        remittance_file_import(
            source=sources["lockbox"], file_name="resent.csv", content=resent(content), by=clerk
        )

    # then nothing was posted twice
    assert Payment.objects.count() == 3
    call_command("ledger_verify")
